import type {KubeTarget} from '../kube/config.js';
import {IstioApi} from '../kube/istio-api.js';
import {reviewRouteAccess} from '../kube/access-review.js';
import {watchVirtualServices} from '../kube/watch-virtual-services.js';
import {fetchMetrics, fetchMetricsRange, probeMetrics} from '../prometheus/metrics-source.js';
import {parsePrometheusDuration} from '../prometheus/client.js';
import {fetchCounts} from '../prometheus/counts-source.js';
import {reporterFor, type Reporter} from '../prometheus/queries.js';
import type {ConsoleServices, PrometheusStatus} from '../ports/console-services.js';
import {HistoryFile, historyFilePath} from '../trail/history-file.js';
import {createTrail} from '../trail/record.js';
import {WriteIntents} from '../trail/write-intents.js';
import {resolveLeftoverIntents, type ResolveReport} from '../trail/resolve-intents.js';
import {createSplitWriter, type SplitStore} from '../write/split-writer.js';
import {connectPrometheus, type PrometheusConnection, type PrometheusOptions} from './prometheus-connection.js';
import {errorMessage} from '../util/error-message.js';
import {liveMetrics, type LiveOption} from './live-metrics.js';
import {parseRouteAddress} from '../domain/addressing.js';

/** Points a backfill asks for at most: the console's chart keeps 120 samples. */
const historyPoints = 120;

/** Console services over a real (or simulated) cluster, plus their owner's close(). */
export interface ClusterConsoleServices extends ConsoleServices {
	/** Stops the port-forward; the watch is stopped by the controller. */
	close(): Promise<void>;
}

/**
 * Wires the Kubernetes and Prometheus adapters to the console. Prometheus is connected in the background,
 * so the first frame does not wait for discovery and port-forwarding; metrics report its progress.
 */
export function createConsoleServices(target: KubeTarget, options: {
	prometheus: PrometheusOptions;
	/** The trail's history file (default: $MESHTOP_HISTORY, else the XDG state directory). */
	historyFile?: string;
	/** Where writes go (default the cluster's API; tests wrap it to see every request). */
	store?: SplitStore;
	/** Live mode: each version's Envoy stats read from its pods every second (default on; false: `--no-live`). */
	live?: LiveOption;
	/** Whether to resolve the writes a killed meshtop left unrecorded (default true; false with `--read-only`). */
	resolveInterrupted?: boolean;
}): ClusterConsoleServices {
	const api = new IstioApi(target);
	const namespace = target.namespace;
	const historyFile = new HistoryFile(historyFilePath(options.historyFile === undefined ? {} : {path: options.historyFile}));
	const intents = new WriteIntents(historyFile.path);
	// Writes a killed meshtop left unrecorded, resolved in the background: the first frame does not wait for them.
	const resolving: Promise<ResolveReport | undefined> = options.resolveInterrupted === false
		? Promise.resolve(undefined)
		: resolveLeftoverIntents({intents, historyFile, api, context: target.contextName});
	let connection: PrometheusConnection | undefined;
	let connectError: string | undefined;
	let closed = false;
	const statusListeners = new Set<(status: PrometheusStatus) => void>();
	const announce = (status: PrometheusStatus) => {
		for (const listener of statusListeners) {
			listener(status);
		}
	};

	// Ambient namespaces have no sidecars: their L7 metrics are the waypoint's (the header says which reporter is read).
	let reporter: Reporter = 'destination';
	const labelled = (status: PrometheusStatus): PrometheusStatus => ({...status, label: `${status.label} · reporter=${reporter}`});
	const labels = api.namespaceLabels(namespace);
	// The pods' own counters for "now"; started on the first refresh, once the reporter is known.
	const live = liveMetrics(target, options.live ?? {}, labels.then(found => reporterFor(found)));
	const connecting = Promise.all([connectPrometheus(target, options.prometheus, namespace), labels]).then(async ([ready, found]) => {
		reporter = reporterFor(found);
		if (closed) {
			await ready.close();
			return undefined;
		}

		connection = ready;
		announce(labelled({label: ready.label, status: 'live'}));
		ready.onStatus(status => {
			announce(labelled(status));
		});
		return ready;
	}, (error: unknown) => {
		connectError = errorMessage(error);
		announce({label: 'Prometheus not connected', status: 'error', error: connectError});
		return undefined;
	});

	// Every Prometheus read waits for the connection and fails with why there is none.
	const connected = async (): Promise<PrometheusConnection> => {
		const ready = connection ?? await connecting;
		if (ready === undefined) {
			throw new Error(connectError ?? 'Prometheus is not connected');
		}

		return ready;
	};

	return {
		watch(listener) {
			const feed = watchVirtualServices(api, target, namespace);
			const unsubscribe = feed.subscribe(state => {
				listener({items: state.items, destinationRules: state.destinationRules, services: state.services, status: state.status, ...(state.error === undefined ? {} : {error: state.error.message}), ...(state.pendingSince === undefined ? {} : {pendingSince: state.pendingSince})});
			});
			return () => {
				unsubscribe();
				feed.stop();
			};
		},
		// Every console write (apply, undo, rollout steps) goes through the one write service, into the trail.
		writer: createSplitWriter({
			store: options.store ?? api,
			trail: createTrail({api, historyFile}),
			intents,
			writer: {user: target.user, context: target.contextName, namespace},
		}),
		async fetchMetrics(destinations) {
			const ready = await connected();

			// While the pods' own counters cover every version on screen, Prometheus' figures for now would be thrown away:
			// it is asked only whether it answers (the header's state and data age, still every refresh).
			const fullQuery = async () => fetchMetrics(ready.client, destinations, ready.window, undefined, reporter);
			const probing = live.covered(destinations);
			const prometheusNow = probing ? probeMetrics(ready.client, ready.window) : fullQuery();
			// The pods are read during Prometheus' query, so the live figures are as fresh as the refresh.
			const [snapshot] = await Promise.all([prometheusNow, live.refresh(destinations)]);
			const merged = live.merge(snapshot, destinations);
			// A pod that failed this time leaves its version to Prometheus, asked in full after all.
			return probing && !live.covered(destinations) ? live.merge(await fullQuery(), destinations) : merged;
		},
		async fetchMetricsHistory(destinations, rangeMs) {
			const ready = await connected();

			const windowSeconds = parsePrometheusDuration(ready.window) ?? 4;
			// At most the chart's capacity of points, and never finer than the rate window (finer points repeat).
			const stepSeconds = Math.max(windowSeconds, Math.ceil(rangeMs / 1000 / historyPoints));
			const end = new Date();
			return fetchMetricsRange(ready.client, destinations, ready.window, {start: new Date(end.getTime() - rangeMs), end, stepSeconds}, reporter);
		},
		async fetchCounts(destinations, rangeMs) {
			const ready = await connected();

			return fetchCounts(ready.client, destinations, rangeMs, undefined, reporter);
		},
		async reviewWriteAccess(address) {
			// The console's map key: a VirtualService's name, or `httproute/NAME`; none asks about the whole kind.
			const parsed = address === undefined ? undefined : parseRouteAddress(address);
			return reviewRouteAccess(target, {kind: parsed?.kind ?? 'VirtualService', namespace, name: parsed?.name});
		},
		scrapeIntervalMs: () => connection?.scrapeIntervalMs,
		watchPrometheus(listener) {
			statusListeners.add(listener);
			listener(connection === undefined
				? {label: connectError === undefined ? 'looking for Prometheus…' : 'Prometheus not connected', status: connectError === undefined ? 'connecting' : 'error', error: connectError}
				: labelled({label: connection.label, status: 'live'}));
			return () => statusListeners.delete(listener);
		},
		async close() {
			closed = true;
			statusListeners.clear();
			await Promise.all([connection?.close(), live.stop(), resolving]);
		},
	};
}
