import {writeFile} from 'node:fs/promises';
import {startApiServer, type ApiServer, type PortForwardTarget} from './api/api-server.js';
import {ObjectStore} from './api/store.js';
import {istioSystemNamespace, prometheusPort, seedBookinfo, waypointLabels} from './bookinfo.js';
import {simKubeconfig} from './kubeconfig.js';
import type {Fault} from './mesh/faults.js';
import {asRecord, identityOf} from './mesh/kube-objects.js';
import {createMesh, type Mesh} from './mesh/mesh.js';
import {ambientModeLabel} from './mesh/dataplane.js';
import {IstioMetrics} from './metrics/istio-metrics.js';
import {PodEnvoyStats} from './metrics/pod-stats.js';
import {startMetricsServer, type MetricsServer} from './metrics/metrics-server.js';
import type {PrometheusInstance} from './prometheus/prometheus-instance.js';
import {startPrometheus, type PrometheusChoice} from './prometheus/start-prometheus.js';

/** Options of {@link startSimCluster}. */
export interface SimClusterOptions {
	/** API server port on 127.0.0.1. Default 0 (a free port). */
	port?: number;
	/** Faults set from the start. */
	faults?: readonly Fault[];
	/** Entry requests per second of the load generator. Default 20. */
	requestsPerSecond?: number;
	/** Which Prometheus to run. Default `auto` (the real binary when on PATH). */
	prometheus?: PrometheusChoice;
	/** Prometheus executable, instead of searching PATH. */
	prometheusBinary?: string;
	/** Prometheus' scrape interval in seconds (real meshes scrape every 15–30 s). Default 1. */
	scrapeIntervalSeconds?: number;
	/** Seed of the traffic's randomness. Default 1. */
	seed?: number;
	/** Called if the real Prometheus dies while the cluster runs. */
	onPrometheusExit?: (error: Error) => void;
	/**
	 * Ambient mode: the Bookinfo namespace labelled `istio.io/dataplane-mode=ambient` from the start. The mesh follows the
	 * label live (metrics with `reporter="waypoint"` while a namespace carries it), so `kubectl label` switches it too.
	 */
	ambient?: boolean;
}

/** The Prometheus of a sim cluster. */
export interface SimPrometheus {
	/** `prometheus` (real binary) or `builtin` (the sim's responder). */
	mode: 'prometheus' | 'builtin';
	/** Direct URL, for tests; meshtop reaches it through the pod's port-forward. */
	url: string;
	/** As reported by /api/v1/status/buildinfo. */
	version: string;
	/** Child process id (real mode). */
	pid?: number;
	/** Temporary directory of the real Prometheus, removed on stop. */
	directory?: string;
	/** Why `auto` is using the built-in responder. */
	fallbackReason?: string;
}

/** A running simulated cluster. */
export interface SimCluster {
	/** Kubeconfig YAML pointing at the API server. */
	kubeconfig: string;
	/** API server URL. */
	server: string;
	/** The API server. */
	apiServer: ApiServer;
	/** Cluster state, shared with the API server and followed by the mesh. */
	store: ObjectStore;
	/** Traffic and faults. */
	mesh: Mesh;
	/** The mesh's Istio metrics endpoint. */
	metricsUrl: string;
	/** Each sidecar's own Envoy stats (port 15090), which tests ask what a reader requested. */
	podStats: PodEnvoyStats;
	/** The Prometheus scraping the mesh. */
	prometheus: SimPrometheus;
	/** Writes {@link kubeconfig} to a file (mode 0600, as kubectl does). */
	writeKubeconfig(path: string): Promise<void>;
	/** Stops traffic, the API server, Prometheus and the metrics endpoint; idempotent. */
	stop(): Promise<void>;
}

/** The agent's merged metrics port of a sidecar (the mesh-wide endpoint stands in for it). */
const mergedMetricsPort = 15_020;

/** Envoy's own stats port of a sidecar: each pod serves its own counters there. */
const envoyStatsPort = 15_090;

/**
 * Starts the whole simulated cluster on 127.0.0.1: store seeded with Bookinfo, Istio metrics endpoint,
 * load generator routing by the live VirtualServices, Prometheus (real when available) and the API server,
 * whose port-forward to the Prometheus pod's 9090 reaches that Prometheus. On any startup failure,
 * whatever already started is stopped before the error propagates.
 */
export async function startSimCluster(options: SimClusterOptions = {}): Promise<SimCluster> {
	const cleanups: Array<() => Promise<void> | void> = [];
	const runCleanups = async () => {
		for (const cleanup of cleanups.splice(0).reverse()) {
			await cleanup();
		}
	};

	try {
		const store = new ObjectStore();
		seedBookinfo(store, undefined, {ambient: options.ambient ?? false});
		const metrics = new IstioMetrics();
		const metricsServer: MetricsServer = await startMetricsServer(metrics.registry);
		cleanups.push(async () => metricsServer.stop());
		const podStats = new PodEnvoyStats({waypointOf: namespace => waypointOf(store, namespace)});
		cleanups.push(() => {
			podStats.closeAll();
		});
		const mesh = createMesh({
			store,
			recorder: record => {
				metrics.record(record);
				podStats.record(record);
			},
			requestsPerSecond: options.requestsPerSecond,
			seed: options.seed,
			faults: options.faults,
		});
		cleanups.push(() => {
			mesh.stop();
		});
		mesh.start();
		const started = await startPrometheus({
			choice: options.prometheus,
			binary: options.prometheusBinary,
			target: metricsServer.target,
			samples: async () => metrics.samples(),
			intervalSeconds: options.scrapeIntervalSeconds,
			onUnexpectedExit: options.onPrometheusExit,
		});
		const prometheusInstance: PrometheusInstance = started.instance;
		cleanups.push(async () => prometheusInstance.stop());
		const apiServer = await startApiServer({
			store,
			port: options.port,
			resolvePortForward: (namespace, pod, port) => resolvePortForward(store, {namespace, pod, port}, {
				prometheus: {host: prometheusInstance.host, port: prometheusInstance.port},
				metrics: {host: '127.0.0.1', port: Number(metricsServer.target.split(':')[1])},
				podStats,
			}),
		});
		cleanups.push(async () => apiServer.stop());
		const kubeconfig = simKubeconfig({server: apiServer.url});
		let stopped: Promise<void> | undefined;
		return {
			kubeconfig,
			server: apiServer.url,
			apiServer,
			store,
			mesh,
			metricsUrl: metricsServer.url,
			podStats,
			prometheus: {
				mode: prometheusInstance.mode,
				url: prometheusInstance.url,
				version: prometheusInstance.version,
				pid: prometheusInstance.pid,
				directory: prometheusInstance.directory,
				fallbackReason: started.fallbackReason,
			},
			async writeKubeconfig(path) {
				await writeFile(path, kubeconfig, {mode: 0o600});
			},
			stop() {
				stopped ??= runCleanups();
				return stopped;
			},
		};
	} catch (error) {
		await runCleanups();
		throw error;
	}
}

/** Whether a pod is a waypoint proxy Istio manages. */
function isWaypoint(labels: Record<string, string>): boolean {
	return labels['gateway.istio.io/managed'] === waypointLabels['gateway.istio.io/managed'];
}

/** Whether a namespace is enrolled in ambient mode now. */
function isAmbient(store: ObjectStore, namespace: string): boolean {
	return identityOf(store.get('/namespaces', undefined, namespace)).labels[ambientModeLabel.name] === ambientModeLabel.value;
}

/** The first serving waypoint pod of a namespace, if it has one. */
function waypointOf(store: ObjectStore, namespace: string): string | undefined {
	const waypoint = store.list('/pods', namespace).find(pod => isWaypoint(identityOf(pod).labels) && asRecord(pod['status'])?.['phase'] === 'Running');
	return waypoint === undefined ? undefined : identityOf(waypoint).name;
}

/**
 * Where a port-forward to a pod lands: the Prometheus pod's 9090 on the sim's Prometheus, a Bookinfo sidecar's
 * merged metrics port on the mesh's metrics endpoint and its Envoy stats port on the pod's own counters; nothing else
 * listens (the API server reports that to the client).
 * The pod is looked up at connection time, so a deleted pod stops forwarding like a real one.
 */
function resolvePortForward(
	store: ObjectStore,
	request: {namespace: string; pod: string; port: number},
	targets: {prometheus: PortForwardTarget; metrics: PortForwardTarget; podStats: PodEnvoyStats},
): PortForwardTarget | undefined {
	const pod = store.get('/pods', request.namespace, request.pod);
	if (!pod || asRecord(pod['status'])?.['phase'] !== 'Running') {
		return undefined;
	}

	const {labels} = identityOf(pod);
	const isPrometheus = request.namespace === istioSystemNamespace
		&& (labels['app.kubernetes.io/name'] === 'prometheus' || labels['app'] === 'prometheus');
	if (isPrometheus && request.port === prometheusPort) {
		return targets.prometheus;
	}

	if (labels['security.istio.io/tlsMode'] === 'istio' && request.port === mergedMetricsPort) {
		return targets.metrics;
	}

	// Envoy's stats: a waypoint's, or a sidecar's while its namespace is not ambient (ambient pods have no sidecar).
	const sidecar = labels['security.istio.io/tlsMode'] === 'istio' && !isAmbient(store, request.namespace);
	if (request.port === envoyStatsPort && (isWaypoint(labels) || sidecar)) {
		return {open: () => targets.podStats.open(request.pod)};
	}

	return undefined;
}
