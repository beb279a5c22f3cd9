import type {LiveSummary} from './live-merge.js';

/** Istio standard metrics of one version, over the rate window of one refresh. */
export interface VersionMetrics {
	/** Requests per second received by the version (reporter="destination"). */
	rps: number;
	/** Share of non-5xx responses, 0..1; null when the version received no requests in the window. */
	successRate: number | null;
	/** Median request duration in milliseconds; null without requests. */
	p50Ms: number | null;
	/** 99th percentile request duration in milliseconds; null without requests. */
	p99Ms: number | null;
}

/** One refresh of metrics for every version of a service. */
export interface MetricsSnapshot {
	/** When the queries were evaluated (epoch milliseconds). */
	at: number;
	/** The PromQL range used for rate(), e.g. "4s"; Grafana's $__rate_interval rule. */
	window: string;
	/** Keyed by destination key (the same key as `Destination.key` of the route model). */
	byVersion: Record<string, VersionMetrics>;
	/** Live mode: which figures of `byVersion` come from the pods' Envoy stats instead of Prometheus (absent: not asked). */
	live?: LiveSummary;
}

/**
 * Observed traffic share per version, 0..100, from request rates.
 * This is migration progress: it lags the configured weight until traffic has followed it.
 * Returns null for every version when there is no traffic at all, because a share of nothing is unknown, not 0.
 */
export function observedShares(snapshot: MetricsSnapshot | undefined, keys: readonly string[]): Record<string, number | null> {
	const rates = keys.map(key => snapshot?.byVersion[key]?.rps ?? 0);
	const total = rates.reduce((sum, rate) => sum + rate, 0);
	const shares: Record<string, number | null> = {};
	for (const [index, key] of keys.entries()) {
		// The fraction first: a version with all the traffic is exactly 1, so exactly 100% ((100 × r) / r need not be).
		shares[key] = total > 0 ? 100 * ((rates[index] ?? 0) / total) : null;
	}

	return shares;
}
