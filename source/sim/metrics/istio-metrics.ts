import {Counter, Histogram, Registry} from 'prom-client';
import type {RequestRecord} from '../mesh/request-record.js';

/** Istio's default buckets for istio_request_duration_milliseconds (Envoy stats prefix `istio_`). */
export const istioDurationBucketsMs: readonly number[] = [
	0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000, 60_000, 300_000, 600_000, 1_800_000, 3_600_000,
];

/** Istio's standard metric labels, in the order Istio documents them. */
export const istioLabelNames = [
	'reporter',
	'source_workload',
	'source_workload_namespace',
	'source_principal',
	'source_app',
	'source_version',
	'source_canonical_service',
	'source_canonical_revision',
	'source_cluster',
	'destination_workload',
	'destination_workload_namespace',
	'destination_principal',
	'destination_app',
	'destination_version',
	'destination_service',
	'destination_service_name',
	'destination_service_namespace',
	'destination_canonical_service',
	'destination_canonical_revision',
	'destination_cluster',
	'request_protocol',
	'response_code',
	'grpc_response_status',
	'response_flags',
	'connection_security_policy',
] as const;

/** One label set of an Istio standard metric. */
export type IstioLabels = Record<(typeof istioLabelNames)[number], string>;

/** Which proxy reported a request: the sidecars (source, destination) or, in ambient mode, the waypoint. */
export type Reporter = 'source' | 'destination' | 'waypoint';

/** A scraped sample: what Prometheus would store for one series at one scrape. */
export interface Sample {
	/** Series name, e.g. `istio_requests_total` or `istio_request_duration_milliseconds_bucket`. */
	name: string;
	/** Label set, including `le` for buckets. */
	labels: Record<string, string>;
	/** Current value. */
	value: number;
}

/** Name of Kubernetes cluster in Istio's single-cluster default install. */
const clusterName = 'Kubernetes';

/**
 * Istio's standard labels for one report of a request. The destination proxy sees mutual TLS
 * (connection_security_policy), the source proxy does not know it ("unknown"); a request that no
 * pod served carries "unknown" destination workload labels, as Envoy had no peer metadata.
 */
export function istioLabels(record: RequestRecord, reporter: Reporter): IstioLabels {
	const {source, destination, service} = record;
	return {
		reporter,
		source_workload: source.workload,
		source_workload_namespace: source.namespace,
		source_principal: source.principal,
		source_app: source.app,
		source_version: source.version,
		source_canonical_service: source.canonicalService,
		source_canonical_revision: source.canonicalRevision,
		source_cluster: clusterName,
		destination_workload: destination?.workload ?? 'unknown',
		destination_workload_namespace: destination?.namespace ?? 'unknown',
		destination_principal: destination?.principal ?? 'unknown',
		destination_app: destination?.app ?? 'unknown',
		destination_version: destination?.version ?? 'unknown',
		destination_service: service.host,
		destination_service_name: service.name,
		destination_service_namespace: service.namespace,
		destination_canonical_service: destination?.canonicalService ?? 'unknown',
		destination_canonical_revision: destination?.canonicalRevision ?? 'latest',
		destination_cluster: destination ? clusterName : 'unknown',
		request_protocol: 'http',
		response_code: String(record.responseCode),
		grpc_response_status: '',
		response_flags: record.responseFlags,
		connection_security_policy: reporter === 'source' ? 'unknown' : 'mutual_tls',
	};
}

/**
 * Istio's standard request metrics in a private prom-client registry (the global default registry would
 * mix the sims of parallel tests and the process' own metrics into the mesh's exposition).
 */
export class IstioMetrics {
	/** The registry behind /metrics. */
	readonly registry = new Registry();
	private readonly requests: Counter<(typeof istioLabelNames)[number]>;
	private readonly duration: Histogram<(typeof istioLabelNames)[number]>;

	/** Creates the counter and histogram, with no series until the first request. */
	constructor() {
		this.requests = new Counter({
			name: 'istio_requests_total',
			help: 'Total requests.',
			labelNames: istioLabelNames,
			registers: [this.registry],
		});
		this.duration = new Histogram({
			name: 'istio_request_duration_milliseconds',
			help: 'Request duration in milliseconds.',
			labelNames: istioLabelNames,
			buckets: [...istioDurationBucketsMs],
			registers: [this.registry],
		});
	}

	/**
	 * Counts a request the way the sidecars do: once by the source proxy and once by the destination proxy,
	 * each with its own measured duration; a request answered by the source's Envoy (no upstream) only once.
	 * In an ambient namespace (`record.dataplane`) there are no sidecars: the waypoint alone reports, as in Istio.
	 */
	record(record: RequestRecord): void {
		if (record.dataplane === 'ambient') {
			// The waypoint sits in front of the destination and sees every request, answered or not.
			const labels = istioLabels(record, 'waypoint');
			this.requests.inc(labels);
			this.duration.observe(labels, record.destination ? record.durationMs : record.sourceDurationMs);
			return;
		}

		const sourceLabels = istioLabels(record, 'source');
		this.requests.inc(sourceLabels);
		this.duration.observe(sourceLabels, record.sourceDurationMs);
		if (record.destination) {
			const destinationLabels = istioLabels(record, 'destination');
			this.requests.inc(destinationLabels);
			this.duration.observe(destinationLabels, record.durationMs);
		}
	}

	/** The Prometheus text exposition of both metrics. */
	async exposition(): Promise<string> {
		return this.registry.metrics();
	}

	/** Every series' current value, like one scrape (buckets cumulative, with `le` as exposed). */
	async samples(): Promise<Sample[]> {
		const samples: Sample[] = [];
		const add = (name: string, labels: Partial<Record<string, string | number>>, value: number) => {
			const text: Record<string, string> = {};
			for (const [key, label] of Object.entries(labels)) {
				text[key] = String(label);
			}

			samples.push({name, labels: text, value});
		};

		const requests = await this.requests.get();
		for (const value of requests.values) {
			add(requests.name, value.labels, value.value);
		}

		const duration = await this.duration.get();
		for (const value of duration.values) {
			add(value.metricName ?? duration.name, value.labels, value.value);
		}

		return samples;
	}
}
