/** A source of uniform random numbers in [0, 1), injectable so that simulations replay exactly from a seed. */
export type Random = () => number;

/**
 * Mulberry32: tiny, fast, and good enough for traffic simulation.
 * Math.random cannot be seeded, and tests need the same request sequence on every run.
 */
export function seededRandom(seed: number): Random {
	let state = seed >>> 0;
	return () => {
		state = (state + 0x6d_2b_79_f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
	};
}

/** A standard normal sample (Box-Muller); the log of a latency sample, before scaling. */
export function normalSample(random: Random): number {
	// 1 - u keeps the argument of log away from 0.
	const u = 1 - random();
	const v = random();
	return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/**
 * A lognormal sample with the given median: service latencies are skewed with a long right tail,
 * which is what makes p99 differ visibly from p50 on the console.
 */
export function lognormalSample(random: Random, median: number, sigma: number): number {
	return median * Math.exp(sigma * normalSample(random));
}
