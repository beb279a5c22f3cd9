import {mergeLive, type LiveReading} from '../domain/live-merge.js';
import type {MetricsSnapshot} from '../domain/metrics.js';
import type {Destination} from '../domain/virtual-service.js';
import type {KubeTarget} from '../kube/config.js';
import {startLiveStats, type LiveStatsSource} from '../kube/live-stats.js';
import type {Reporter} from '../prometheus/queries.js';
import {errorMessage} from '../util/error-message.js';

/** Live mode's setting: off (`--no-live`), or on with at most `podsPerVersion` pods read per version. */
export type LiveOption = false | {podsPerVersion?: number};

/** The live figures laid over each Prometheus refresh, and their owner's stop(). */
export interface LiveMetrics {
	/** The snapshot with live figures for "now" where the pods could be read, and the live state for the header. */
	merge(snapshot: MetricsSnapshot, destinations: readonly Destination[]): MetricsSnapshot;
	/** Reads the pods now for the refresh under way (waiting at most a fraction of a second for slow pods). */
	refresh(destinations: readonly Destination[]): Promise<void>;
	/** Whether the last merge had live figures for every one of `destinations` (then Prometheus' figures went unused). */
	covered(destinations: readonly Destination[]): boolean;
	/** Ends the reads and their port-forwards. */
	stop(): Promise<void>;
}

/** How long a refresh waits for the pods' counters before showing what it has. */
const refreshWaitMs = 500;

const noPods = {reporting: 0, sampled: 0, total: 0};

/**
 * Starts reading the pods' Envoy stats once the namespace's reporter is known (sidecars, or waypoints in ambient
 * mode); until then, and when it is off, each refresh is Prometheus' alone and the header says why.
 */
export function liveMetrics(target: KubeTarget, option: LiveOption, reporter: Promise<Reporter>): LiveMetrics {
	if (option === false) {
		const off: LiveReading = {status: 'off', reason: '--no-live', byVersion: {}, pods: noPods};
		return {merge: snapshot => mergeLive(snapshot, off), refresh: async () => Promise.resolve(), covered: () => false, stop: async () => Promise.resolve()};
	}

	let source: LiveStatsSource | undefined;
	let failed: string | undefined;
	let stopped = false;
	let liveKeys = new Set<string>();
	const ready = reporter.then(found => {
		if (!stopped) {
			source = startLiveStats(target, {namespace: target.namespace, reporter: found, ...(option.podsPerVersion === undefined ? {} : {podsPerVersion: option.podsPerVersion})});
		}
	}, (error: unknown) => {
		failed = errorMessage(error);
	});
	return {
		async refresh(destinations) {
			await source?.refresh(destinations, refreshWaitMs);
		},
		merge(snapshot, destinations) {
			const reading: LiveReading = source === undefined
				? {status: failed === undefined ? 'connecting' : 'error', ...(failed === undefined ? {} : {reason: failed}), byVersion: {}, pods: noPods}
				: source.read(destinations);
			const merged = mergeLive(snapshot, reading);
			liveKeys = new Set(merged.live?.liveKeys);
			return merged;
		},
		covered(destinations) {
			return destinations.length > 0 && destinations.every(destination => liveKeys.has(destination.key));
		},
		async stop() {
			stopped = true;
			await ready;
			await source?.stop();
		},
	};
}
