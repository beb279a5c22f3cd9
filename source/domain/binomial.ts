/**
 * The statistics of a success rate: how sure we are of a proportion measured on n requests.
 * Pure numerics, no I/O. Gates use the Wilson score interval, checked against the exact binomial
 * (Clopper–Pearson) interval wherever failures are few: at 99% success almost every step sees only a handful of
 * failures, and there Wilson's interval is too narrow (it would call one 5xx in the first seven requests a failure).
 */

/** A two-sided interval of a proportion, both ends in 0..1. */
export interface ProportionInterval {
	/** Lower bound. */
	low: number;
	/** Upper bound. */
	high: number;
}

/**
 * The standard normal quantile Φ⁻¹(p), by Acklam's rational approximation (relative error < 1.2e-9),
 * enough for the z of any confidence a user can type.
 */
export function normalQuantile(p: number): number {
	if (!(p > 0 && p < 1)) {
		if (p === 0) {
			return Number.NEGATIVE_INFINITY;
		}

		if (p === 1) {
			return Number.POSITIVE_INFINITY;
		}

		throw new RangeError(`normalQuantile needs 0 < p < 1, got ${p}`);
	}

	const a = [-3.969_683_028_665_376e1, 2.209_460_984_245_205e2, -2.759_285_104_469_687e2, 1.383_577_518_672_69e2, -3.066_479_806_614_716e1, 2.506_628_277_459_239];
	const b = [-5.447_609_879_822_406e1, 1.615_858_368_580_409e2, -1.556_989_798_598_866e2, 6.680_131_188_771_972e1, -1.328_068_155_288_572e1];
	const c = [-7.784_894_002_430_293e-3, -3.223_964_580_411_365e-1, -2.400_758_277_161_838, -2.549_732_539_343_734, 4.374_664_141_464_968, 2.938_163_982_698_783];
	const d = [7.784_695_709_041_462e-3, 3.224_671_290_700_398e-1, 2.445_134_137_142_996, 3.754_408_661_907_416];
	const low = 0.024_25;
	if (p < low) {
		const q = Math.sqrt(-2 * Math.log(p));
		return (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
	}

	if (p > 1 - low) {
		return -normalQuantile(1 - p);
	}

	const q = p - 0.5;
	const r = q * q;
	return ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
}

/** The Wilson score interval of `successes` out of `n` at normal quantile z; [0, 1] when n is 0 (nothing is known). */
export function wilsonInterval(successes: number, n: number, z: number): ProportionInterval {
	if (!(n > 0)) {
		return {low: 0, high: 1};
	}

	const p = Math.min(1, Math.max(0, successes / n));
	const z2 = z * z;
	const denominator = 1 + z2 / n;
	const center = (p + z2 / (2 * n)) / denominator;
	const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denominator;
	return {low: Math.max(0, center - half), high: Math.min(1, center + half)};
}

function logGamma(x: number): number {
	// Lanczos (g = 7, n = 9): 15 significant digits for x > 0.
	const g = 7;
	const coefficients = [0.999_999_999_999_809_9, 676.520_368_121_885_1, -1259.139_216_722_402_8, 771.323_428_777_653_1, -176.615_029_162_140_6, 12.507_343_278_686_905, -0.138_571_095_265_720_12, 9.984_369_578_019_572e-6, 1.505_632_735_149_311_6e-7];
	if (x < 0.5) {
		return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
	}

	const shifted = x - 1;
	let sum = coefficients[0]!;
	for (let index = 1; index < g + 2; index++) {
		sum += coefficients[index]! / (shifted + index);
	}

	const t = shifted + g + 0.5;
	return 0.5 * Math.log(2 * Math.PI) + (shifted + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** Continued fraction of the incomplete beta function (modified Lentz), valid for x < (a + 1) / (a + b + 2). */
function betaContinuedFraction(a: number, b: number, x: number): number {
	const tiny = 1e-300;
	const qab = a + b;
	const qap = a + 1;
	const qam = a - 1;
	let c = 1;
	let d = 1 - (qab * x) / qap;
	d = Math.abs(d) < tiny ? tiny : d;
	d = 1 / d;
	let h = d;
	for (let m = 1; m <= 10_000; m++) {
		const m2 = 2 * m;
		let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
		d = 1 + aa * d;
		d = Math.abs(d) < tiny ? tiny : d;
		c = 1 + aa / c;
		c = Math.abs(c) < tiny ? tiny : c;
		d = 1 / d;
		h *= d * c;
		aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
		d = 1 + aa * d;
		d = Math.abs(d) < tiny ? tiny : d;
		c = 1 + aa / c;
		c = Math.abs(c) < tiny ? tiny : c;
		d = 1 / d;
		const delta = d * c;
		h *= delta;
		if (Math.abs(delta - 1) < 1e-14) {
			break;
		}
	}

	return h;
}

/** The regularized incomplete beta function I_x(a, b), a, b > 0. */
export function regularizedBeta(x: number, a: number, b: number): number {
	if (x <= 0) {
		return 0;
	}

	if (x >= 1) {
		return 1;
	}

	const logFront = logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log1p(-x);
	if (x < (a + 1) / (a + b + 2)) {
		return (Math.exp(logFront) * betaContinuedFraction(a, b, x)) / a;
	}

	return 1 - (Math.exp(logFront) * betaContinuedFraction(b, a, 1 - x)) / b;
}

/** P(X ≤ k) for X ~ Binomial(n, p): the exact tail behind Clopper–Pearson. */
export function binomialCdf(k: number, n: number, p: number): number {
	if (k < 0) {
		return 0;
	}

	if (k >= n) {
		return 1;
	}

	return 1 - regularizedBeta(p, k + 1, n - k);
}

/**
 * The p with I_p(a, b) = target, to 1e-9: Newton's method from `guess` (the Wilson bound, already close), kept inside
 * a bracket that bisection shrinks whenever a Newton step would leave it. A handful of iterations instead of forty.
 */
function invertBeta(a: number, b: number, target: number, guess: number): number {
	const logBeta = logGamma(a) + logGamma(b) - logGamma(a + b);
	let low = 0;
	let high = 1;
	let p = Math.min(1 - 1e-12, Math.max(1e-12, guess));
	for (let iteration = 0; iteration < 100; iteration++) {
		const error = regularizedBeta(p, a, b) - target;
		if (error < 0) {
			low = p;
		} else {
			high = p;
		}

		const density = Math.exp((a - 1) * Math.log(p) + (b - 1) * Math.log1p(-p) - logBeta);
		let next = density > 0 && Number.isFinite(density) ? p - error / density : Number.NaN;
		if (!(next > low && next < high)) {
			next = (low + high) / 2;
		}

		if (Math.abs(next - p) < 1e-9 || high - low < 1e-9) {
			return next;
		}

		p = next;
	}

	return p;
}

/**
 * The exact (Clopper–Pearson) interval with `alpha` in each tail. Counts from Prometheus' increase() are real
 * numbers, so they are rounded first: the interval is about whole requests.
 */
export function exactInterval(successes: number, n: number, alpha: number): ProportionInterval {
	const trials = Math.round(n);
	const x = Math.min(trials, Math.max(0, Math.round(successes)));
	if (trials <= 0) {
		return {low: 0, high: 1};
	}

	const guess = wilsonInterval(x, trials, normalQuantile(1 - alpha));
	// Closed forms at the edges: all failures or all successes.
	const low = x === 0 ? 0 : x === trials ? alpha ** (1 / trials) : invertBeta(x, trials - x + 1, alpha, guess.low);
	const high = x === trials ? 1 : x === 0 ? 1 - alpha ** (1 / trials) : invertBeta(x + 1, trials - x, 1 - alpha, guess.high);
	return {low, high};
}

/**
 * The interval a gate judges by: Wilson's, widened to the exact interval where that is wider.
 * `alpha` is the probability in each tail, and z = Φ⁻¹(1 − alpha). Never narrower than either, so the
 * error rate it promises holds even with three failures in sixty requests, where Wilson alone would not.
 */
export function gateInterval(successes: number, n: number, alpha: number): ProportionInterval {
	const wilson = wilsonInterval(successes, n, normalQuantile(1 - alpha));
	if (!(n > 0)) {
		return wilson;
	}

	const exact = exactInterval(successes, n, alpha);
	return {low: Math.min(wilson.low, exact.low), high: Math.max(wilson.high, exact.high)};
}

/**
 * Where the gate interval stands against a threshold T: 'above' when its lower bound is ≥ T, 'below' when its
 * upper bound is < T, else 'straddles'. Cheaper than {@link gateInterval}: the exact interval is only consulted
 * (through one binomial tail at T) when Wilson's is already decisive.
 */
export function compareToThreshold(successes: number, n: number, alpha: number, threshold: number): 'above' | 'below' | 'straddles' {
	if (!(n > 0)) {
		return 'straddles';
	}

	const wilson = wilsonInterval(successes, n, normalQuantile(1 - alpha));
	const trials = Math.round(n);
	const x = Math.min(trials, Math.max(0, Math.round(successes)));
	if (wilson.low >= threshold) {
		// Exact lower bound ≥ T ⟺ P(X ≥ x | n, T) ≤ alpha.
		const tail = 1 - binomialCdf(x - 1, trials, threshold);
		return tail <= alpha ? 'above' : 'straddles';
	}

	if (wilson.high < threshold) {
		// Exact upper bound < T ⟺ P(X ≤ x | n, T) < alpha.
		return binomialCdf(x, trials, threshold) < alpha ? 'below' : 'straddles';
	}

	return 'straddles';
}
