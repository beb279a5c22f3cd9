import type {KubeTarget} from '../kube/config.js';
import {IstioApi} from '../kube/istio-api.js';
import {reviewRouteAccess} from '../kube/access-review.js';
import {watchVirtualServices} from '../kube/watch-virtual-services.js';
import {fetchMetrics} from '../prometheus/metrics-source.js';
import {fetchCounts} from '../prometheus/counts-source.js';
import {reporterFor, type Reporter} from '../prometheus/queries.js';
import type {ConsoleServices, PrometheusStatus} from '../ports/console-services.js';
import {HistoryFile, historyFilePath} from '../trail/history-file.js';
import {createTrail} from '../trail/record.js';
import {createSplitWriter, type SplitStore} from '../write/split-writer.js';
import {connectPrometheus, type PrometheusConnection, type PrometheusOptions} from './prometheus-connection.js';
import {errorMessage} from '../util/error-message.js';

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
}): ClusterConsoleServices {
	const api = new IstioApi(target);
	const namespace = target.namespace;
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
	const connecting = Promise.all([connectPrometheus(target, options.prometheus, namespace), api.namespaceLabels(namespace)]).then(async ([ready, labels]) => {
		reporter = reporterFor(labels);
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
			trail: createTrail({api, historyFile: new HistoryFile(historyFilePath(options.historyFile === undefined ? {} : {path: options.historyFile}))}),
			writer: {user: target.user, context: target.contextName, namespace},
		}),
		async fetchMetrics(destinations) {
			const ready = connection ?? await connecting;
			if (ready === undefined) {
				throw new Error(connectError ?? 'Prometheus is not connected');
			}

			return fetchMetrics(ready.client, destinations, ready.window, undefined, reporter);
		},
		async fetchCounts(destinations, rangeMs) {
			const ready = connection ?? await connecting;
			if (ready === undefined) {
				throw new Error(connectError ?? 'Prometheus is not connected');
			}

			return fetchCounts(ready.client, destinations, rangeMs, undefined, reporter);
		},
		async reviewWriteAccess(address) {
			const kind = address?.startsWith('httproute/') === true ? 'HTTPRoute' : 'VirtualService';
			return reviewRouteAccess(target, {kind, namespace, name: address?.replace(/^httproute\//, '')});
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
			await connection?.close();
		},
	};
}
