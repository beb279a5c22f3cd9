/**
 * What a gate judges: counts of requests over one step's window, not instant rates.
 * `increase(...[Δ])` over the time since the step's weight was applied (minus the settle time) gives each step
 * only traffic that ran under its own weights, and the number of requests says how much that evidence is worth.
 */

/** Counts of one version over a step's window. */
export interface VersionCounts {
	/** Requests received (reporter="destination"); real-valued, as Prometheus' increase() extrapolates. */
	requests: number;
	/** Of those, responses that were not 5xx. */
	successes: number;
	/** Median request duration over the window in milliseconds; null without requests or histogram data. */
	p50Ms: number | null;
	/** 99th percentile over the window in milliseconds; null without requests or histogram data. */
	p99Ms: number | null;
}

/** One evaluation: every version's counts over the same window. */
export interface StepCounts {
	/** When the queries were evaluated (epoch milliseconds). */
	at: number;
	/** Length of the window Δ in milliseconds (now − write − settle). */
	rangeMs: number;
	/** Keyed by destination key (the same key as `Destination.key` of the route model). */
	byVersion: Record<string, VersionCounts>;
}

/** Counts of nothing: the empty window (no version received a request). */
export const noCounts: VersionCounts = {requests: 0, successes: 0, p50Ms: null, p99Ms: null};

/**
 * Sums the success counts of several versions (the baseline may be more than one old version). Latency is taken
 * from the busiest of them: quantiles of different versions cannot be added, and the busiest speaks for most requests.
 */
export function combineCounts(counts: ReadonlyArray<VersionCounts | undefined>): VersionCounts {
	const present = counts.filter((entry): entry is VersionCounts => entry !== undefined);
	const busiest = [...present].sort((a, b) => b.requests - a.requests)[0];
	return {
		requests: present.reduce((sum, entry) => sum + entry.requests, 0),
		successes: present.reduce((sum, entry) => sum + entry.successes, 0),
		p50Ms: busiest?.p50Ms ?? null,
		p99Ms: busiest?.p99Ms ?? null,
	};
}
