import type {RequestRecord} from './request-record.js';

/** What one version of a service received, as its sidecar would count it. */
export interface VersionStats {
	/** Requests addressed to the version (for `unknown`: answered by the caller's Envoy itself). */
	requests: number;
	/** Of those, answers with a 5xx status. */
	errors: number;
	/** Sum of durations, milliseconds; divide by requests for the mean. */
	totalLatencyMs: number;
	/** Count per Envoy response flag other than `-` (NR, UH). */
	responseFlags: Record<string, number>;
}

/** Totals since the mesh started, for tests and the `meshtop sim` status line (Prometheus is the real source). */
export interface MeshStats {
	/** Requests the load generator sent to the entry service. */
	entryRequests: number;
	/** By Service name, then by served version (`unknown` when no pod was reached). */
	services: Record<string, Record<string, VersionStats>>;
}

/** Accumulates {@link MeshStats} from request records. */
export class StatsCollector {
	private entryRequests = 0;
	private readonly services = new Map<string, Map<string, VersionStats>>();

	/** Counts one entry request (the tree's hops arrive through {@link record}). */
	countEntryRequest(): void {
		this.entryRequests++;
	}

	/** Counts one hop. */
	record(record: RequestRecord): void {
		const version = record.destination?.version ?? 'unknown';
		let versions = this.services.get(record.service.name);
		if (!versions) {
			versions = new Map();
			this.services.set(record.service.name, versions);
		}

		let stats = versions.get(version);
		if (!stats) {
			stats = {requests: 0, errors: 0, totalLatencyMs: 0, responseFlags: {}};
			versions.set(version, stats);
		}

		stats.requests++;
		stats.errors += record.responseCode >= 500 ? 1 : 0;
		stats.totalLatencyMs += record.destination ? record.durationMs : record.sourceDurationMs;
		if (record.responseFlags !== '-') {
			stats.responseFlags[record.responseFlags] = (stats.responseFlags[record.responseFlags] ?? 0) + 1;
		}
	}

	/** A deep copy, so callers can diff two snapshots. */
	snapshot(): MeshStats {
		const services: MeshStats['services'] = {};
		for (const [service, versions] of this.services) {
			services[service] = {};
			for (const [version, stats] of versions) {
				services[service][version] = {...stats, responseFlags: {...stats.responseFlags}};
			}
		}

		return {entryRequests: this.entryRequests, services};
	}
}
