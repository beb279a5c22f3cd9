import {duplexPair, type Duplex} from 'node:stream';
import {Counter, Gauge, Histogram, Registry} from 'prom-client';
import type {RequestRecord} from '../mesh/request-record.js';
import {istioDurationBucketsMs, istioLabelNames, istioLabels} from './istio-metrics.js';

/** One pod's Envoy: its own registry with Istio's two request metrics, and a few of Envoy's own stats. */
interface PodEnvoy {
	registry: Registry;
	requests: Counter<(typeof istioLabelNames)[number]>;
	duration: Histogram<(typeof istioLabelNames)[number]>;
	upstreamRequests: Counter<'cluster_name'>;
}

/** The path Envoy serves its Prometheus stats on (port 15090). */
export const envoyStatsPath = '/stats/prometheus';

/**
 * Each sidecar's own Envoy stats, as a pod's :15090/stats/prometheus serves them: the destination reports of the
 * requests the pod served and the source reports of the calls it made. Fed from the same request records as the
 * mesh-wide metrics Prometheus scrapes, so the live figures read from pods and Prometheus' agree.
 */
export class PodEnvoyStats {
	private readonly pods = new Map<string, PodEnvoy>();
	private readonly streams = new Set<Duplex>();
	private readonly asked = new Map<string, string>();
	private readonly answered = new Map<string, number>();

	/** `waypointOf`: the waypoint pod of a namespace now, if it has one (ambient namespaces' requests are its). */
	constructor(private readonly options: {waypointOf?: (namespace: string) => string | undefined} = {}) {}

	/**
	 * Counts a request in the proxies that saw it: both sidecars, or in an ambient namespace (`record.dataplane`) the
	 * namespace's waypoint alone (none: nobody counts it at L7, as in Istio without a waypoint).
	 */
	record(record: RequestRecord): void {
		if (record.dataplane === 'ambient') {
			const waypoint = this.options.waypointOf?.(record.service.namespace);
			if (waypoint !== undefined) {
				this.observe(waypoint, record, 'waypoint', record.destination ? record.durationMs : record.sourceDurationMs);
			}

			return;
		}

		if (record.destination?.pod !== undefined) {
			this.observe(record.destination.pod, record, 'destination', record.durationMs);
		}

		if (record.source.pod !== undefined) {
			this.observe(record.source.pod, record, 'source', record.sourceDurationMs);
		}
	}

	/**
	 * The pod's exposition (only the help lines before its first request, like an idle Envoy); with `filter`, as
	 * Envoy's `?filter=`: only the stats whose name the regex finds a match in.
	 */
	async exposition(pod: string, filter?: RegExp): Promise<string> {
		const registry = this.pods.get(pod)?.registry;
		if (registry === undefined) {
			return '';
		}

		if (filter === undefined) {
			return registry.metrics();
		}

		const names = registry.getMetricsAsArray().map(metric => metric.name).filter(name => filter.test(name));
		const parts = await Promise.all(names.map(async name => registry.getSingleMetricAsString(name)));
		return parts.length === 0 ? '' : `${parts.join('\n')}\n`;
	}

	/** The target (path and query) of the last request the pod's stats port answered: what a reader asked for. */
	lastAsked(pod: string): string | undefined {
		return this.asked.get(pod);
	}

	/** How many requests the pod's stats port has answered: how often a reader read it. */
	answeredCount(pod: string): number {
		return this.answered.get(pod) ?? 0;
	}

	/** A stream to the pod's stats port: an HTTP/1.1 server of `GET /stats/prometheus` on it, keep-alive included. */
	open(pod: string): Duplex {
		const [client, server] = duplexPair();
		this.streams.add(server);
		let buffered = '';
		let queue = Promise.resolve();
		server.on('data', (chunk: Buffer) => {
			buffered += chunk.toString('latin1');
			let end = buffered.indexOf('\r\n\r\n');
			while (end >= 0) {
				const head = buffered.slice(0, end);
				buffered = buffered.slice(end + 4);
				queue = queue.then(async () => this.answer(server, pod, head));
				end = buffered.indexOf('\r\n\r\n');
			}
		});
		server.on('end', () => {
			server.end();
		});
		server.on('close', () => this.streams.delete(server));
		server.on('error', () => undefined);
		return client;
	}

	/** Ends every open stream (the cluster stops). */
	closeAll(): void {
		for (const stream of this.streams) {
			stream.destroy();
		}

		this.streams.clear();
	}

	private async answer(stream: Duplex, pod: string, head: string): Promise<void> {
		const [requestLine = '', ...headers] = head.split('\r\n');
		const [method, target = '/'] = requestLine.split(' ');
		const close = headers.some(header => /^connection:\s*close$/i.test(header.trim()));
		const url = new URL(target, 'http://pod');
		this.asked.set(pod, `${url.pathname}${url.search}`);
		this.answered.set(pod, (this.answered.get(pod) ?? 0) + 1);
		const found = method === 'GET' && url.pathname === envoyStatsPath;
		let filter: RegExp | undefined;
		let status = found ? '200 OK' : '404 Not Found';
		try {
			const wanted = url.searchParams.get('filter');
			filter = wanted === null ? undefined : new RegExp(wanted, 'u');
		} catch {
			status = '400 Bad Request';
		}

		const body = status === '200 OK' ? await this.exposition(pod, filter) : status === '400 Bad Request' ? 'Invalid regex\n' : 'not found\n';
		if (stream.destroyed) {
			return;
		}

		stream.write(`HTTP/1.1 ${status}\r\ncontent-type: text/plain; version=0.0.4\r\ncontent-length: ${Buffer.byteLength(body)}\r\n${close ? 'connection: close\r\n' : ''}\r\n${body}`);
		if (close) {
			stream.end();
		}
	}

	private observe(pod: string, record: RequestRecord, reporter: 'source' | 'destination' | 'waypoint', durationMs: number): void {
		let envoy = this.pods.get(pod);
		if (envoy === undefined) {
			const registry = new Registry();
			envoy = {
				registry,
				requests: new Counter({name: 'istio_requests_total', help: 'Total requests.', labelNames: istioLabelNames, registers: [registry]}),
				duration: new Histogram({name: 'istio_request_duration_milliseconds', help: 'Request duration in milliseconds.', labelNames: istioLabelNames, buckets: [...istioDurationBucketsMs], registers: [registry]}),
				// Envoy's own stats, which a real sidecar has thousands of: what a reader's `filter` leaves out.
				upstreamRequests: new Counter({name: 'envoy_cluster_upstream_rq_total', help: 'Requests per upstream cluster.', labelNames: ['cluster_name'], registers: [registry]}),
			};
			new Gauge({name: 'envoy_server_live', help: 'Whether the server is live.', registers: [registry]}).set(1);
			this.pods.set(pod, envoy);
		}

		const labels = istioLabels(record, reporter);
		envoy.requests.inc(labels);
		envoy.duration.observe(labels, durationMs);
		envoy.upstreamRequests.inc({cluster_name: reporter === 'source' ? `outbound|9080||${record.service.host}` : 'inbound|9080||'});
	}
}
