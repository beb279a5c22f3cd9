/**
 * Where the console's figures for "now" come from: the pods' own Envoy counters (live, every second) where they could
 * be read, Prometheus otherwise. Prometheus stays the source of the past (the chart's history, the gates).
 */
import type {LiveVersion} from './live-rates.js';
import type {MetricsSnapshot, VersionMetrics} from './metrics.js';

/** State of the live reads, for the header. */
export type LiveStatus = 'off' | 'connecting' | 'live' | 'error';

/** What the live reads gave at one refresh. */
export interface LiveReading {
	/** Health of the reads. */
	status: LiveStatus;
	/** Why it is off or failing ("--no-live", "no waypoint pods", a port-forward's refusal). */
	reason?: string;
	/** Figures and pods per destination key. */
	byVersion: Readonly<Record<string, LiveVersion>>;
	/** Distinct pods (a waypoint serves every version): read at the last poll, sampled, serving. */
	pods: PodCounts;
}

/** How many pods the live figures come from. */
export interface PodCounts {
	/** Read at the last poll. */
	reporting: number;
	/** Chosen to be read (at most N per version). */
	sampled: number;
	/** Serving pods of the versions on screen. */
	total: number;
}

/** The live part of a snapshot: the header's line and what Prometheus said for the versions live figures replaced. */
export interface LiveSummary {
	/** Health of the reads. */
	status: LiveStatus;
	/** Why it is off or failing. */
	reason?: string;
	/** Distinct pods the figures come from. */
	pods: PodCounts;
	/** Destination keys whose figures on screen are live. */
	liveKeys: readonly string[];
	/** Prometheus' figures for the same moment, for every destination it answered. */
	prometheus: Readonly<Record<string, VersionMetrics>>;
}

/** A Prometheus snapshot with each destination's live figures in place of Prometheus' where there are live ones. */
export function mergeLive(snapshot: MetricsSnapshot, live: LiveReading): MetricsSnapshot {
	const byVersion: Record<string, VersionMetrics> = {...snapshot.byVersion};
	const liveKeys: string[] = [];
	for (const [key, version] of Object.entries(live.byVersion)) {
		if (version.metrics !== undefined) {
			byVersion[key] = version.metrics;
			liveKeys.push(key);
		}
	}

	const summary: LiveSummary = {
		status: live.status,
		...(live.reason === undefined ? {} : {reason: live.reason}),
		pods: live.pods,
		liveKeys,
		prometheus: snapshot.byVersion,
	};
	return {...snapshot, byVersion, live: summary};
}

/**
 * The header's words for the live reads: "live: 3/3 pods", "live: 2/3 pods (sample)" when only some pods are read
 * (the figures are then estimates from those pods), or the reason it is off or failing.
 */
export function liveLabel(summary: LiveSummary): string {
	const {reporting, sampled, total} = summary.pods;
	const pods = total === 0 ? 'no pods' : `${reporting}/${total} pods${sampled < total ? ' (sample)' : ''}`;
	switch (summary.status) {
		case 'off': {
			return `live off${summary.reason === undefined ? '' : ` (${summary.reason})`}`;
		}

		case 'error': {
			return `live: ${pods}${summary.reason === undefined ? '' : ` · ${summary.reason}`}`;
		}

		default: {
			return `live: ${pods}`;
		}
	}
}
