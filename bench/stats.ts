/** Summary of a sample of durations or sizes. */
export interface Summary {
	count: number;
	p50: number;
	p99: number;
	max: number;
	mean: number;
}

/**
 * The q-quantile (0..1) by the nearest-rank method: always a value that was actually observed,
 * so a p99 of 300 presses is the 297th smallest and one outlier cannot hide in an interpolation.
 */
export function quantile(values: readonly number[], q: number): number {
	if (values.length === 0) {
		return Number.NaN;
	}

	const sorted = [...values].sort((a, b) => a - b);
	const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
	return sorted[rank - 1]!;
}

/** p50, p99, max and mean of a sample (NaN for an empty sample). */
export function summarize(values: readonly number[]): Summary {
	const mean = values.length === 0 ? Number.NaN : values.reduce((sum, value) => sum + value, 0) / values.length;
	return {
		count: values.length,
		p50: quantile(values, 0.5),
		p99: quantile(values, 0.99),
		max: values.length === 0 ? Number.NaN : Math.max(...values),
		mean,
	};
}

/** Milliseconds with a precision that suits the magnitude ("0.84 ms", "12.3 ms", "245 ms"). */
export function formatMs(value: number): string {
	if (!Number.isFinite(value)) {
		return 'n/a';
	}

	const digits = value < 10 ? 2 : value < 100 ? 1 : 0;
	return `${value.toFixed(digits)} ms`;
}

/** Bytes as "812 B" or "4.1 KiB". */
export function formatBytes(value: number): string {
	if (!Number.isFinite(value)) {
		return 'n/a';
	}

	return value < 1024 ? `${Math.round(value)} B` : `${(value / 1024).toFixed(1)} KiB`;
}

/** A deterministic pseudo-random generator (mulberry32), so two bench runs feed the screen the same numbers. */
export function seededRandom(seed: number): () => number {
	let state = seed >>> 0;
	return () => {
		state = (state + 0x6D_2B_79_F5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
	};
}

/** Resolves after `ms` milliseconds; used only to pace input, never to wait for a result. */
export async function pause(ms: number): Promise<void> {
	await new Promise(resolve => {
		setTimeout(resolve, ms);
	});
}
