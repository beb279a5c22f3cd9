/**
 * The shared start of every headless command: kubeconfig → API → the VirtualService and its routes →
 * (optionally) Prometheus, port-forwarded when it runs in the cluster. One owner for everything opened, so a command
 * ends with a single close(), whatever failed halfway.
 */
import type {MetricsSnapshot} from '../domain/metrics.js';
import {routesOf, validateVirtualService, type DestinationRuleInfo, type Route, type VirtualService} from '../domain/virtual-service.js';
import {loadKubeTarget, type KubeTarget} from '../kube/config.js';
import {IstioApi} from '../kube/istio-api.js';
import {connectPrometheus, type PrometheusConnection} from '../app/prometheus-connection.js';
import {fetchMetrics} from '../prometheus/metrics-source.js';
import {fetchCounts} from '../prometheus/counts-source.js';
import type {StepCounts} from '../domain/step-counts.js';
import {errorMessage} from '../util/error-message.js';

/** Connection flags, as kubectl spells them, plus what the command needs. */
export interface ConnectOptions {
	/** VirtualService name (required: every headless command works on one). */
	vs: string;
	/** `--kubeconfig`. */
	kubeconfig?: string;
	/** `--context`. */
	context?: string;
	/** `-n/--namespace`. */
	namespace?: string;
	/** `--route`: a route name, or `http[0]` style; default the first editable http route. */
	route?: string;
	/** `--prometheus-url`: skips discovery and port-forward. */
	prometheusUrl?: string;
	/** `--prometheus-namespace`: where to look instead of istio-system then the VirtualService's namespace. */
	prometheusNamespace?: string;
	/** `--prometheus-service` (default prometheus). */
	prometheusService?: string;
	/**
	 * 'required': fail when Prometheus cannot be reached (shift with gates); 'optional': connect without it and say why
	 * (status); 'none': do not look (history, undo, set). Default 'none'.
	 */
	prometheus?: 'required' | 'optional' | 'none';
	/** Environment for KUBECONFIG/HOME (default process.env). */
	env?: NodeJS.ProcessEnv;
}

/** An open connection to one VirtualService. */
export interface Connection {
	/** Cluster, context, user, namespace. */
	target: KubeTarget;
	/** Istio API adapter. */
	api: IstioApi;
	/** Namespace of the VirtualService. */
	namespace: string;
	/** The VirtualService as last read or written. */
	vs: VirtualService;
	/** DestinationRules of the namespace (versions not yet in the route come from their subsets). */
	destinationRules: DestinationRuleInfo[];
	/** All routes of `vs`. */
	routes: Route[];
	/** The route the command works on. */
	route: Route;
	/** Prometheus, when asked for and reachable. */
	prometheus?: PrometheusConnection;
	/** Why Prometheus is missing with prometheus: 'optional'. */
	prometheusError?: string;
	/** Re-reads the VirtualService (after a conflict, before an undo) and re-derives the routes. */
	reload(): Promise<void>;
	/** Takes a VirtualService returned by a write as the current one. */
	update(vs: VirtualService): void;
	/** One metrics refresh for the chosen route's versions; throws without Prometheus. */
	fetchMetrics(): Promise<MetricsSnapshot>;
	/** Counts of the chosen route's versions over the last `rangeMs` (a gate's look); throws without Prometheus. */
	fetchCounts(rangeMs: number): Promise<StepCounts>;
	/** Stops the port-forward; safe to call twice. */
	close(): Promise<void>;
}

/** Finds `name` ("reviews-v3-route" or "http[1]") among the routes; default the first editable http route. Throws listing the routes. */
export function selectRoute(routes: readonly Route[], name: string | undefined, vsName: string): Route {
	const list = routes.map(route => (route.name === `${route.kind}[${route.index}]` ? route.name : `${route.name} (${route.kind}[${route.index}])`)).join(', ') || 'none';
	if (name !== undefined && name !== '') {
		const found = routes.find(route => route.name === name || `${route.kind}[${route.index}]` === name);
		if (found === undefined) {
			throw new Error(`VirtualService ${vsName} has no route "${name}"; routes: ${list}`);
		}

		return found;
	}

	const editable = routes.find(route => route.editable && route.kind === 'http');
	const chosen = editable ?? routes[0];
	if (chosen === undefined) {
		throw new Error(`VirtualService ${vsName} has no routes`);
	}

	return chosen;
}

async function openPrometheus(target: KubeTarget, namespace: string, options: ConnectOptions, owned: Array<() => Promise<void>>): Promise<PrometheusConnection> {
	const connection = await connectPrometheus(target, {url: options.prometheusUrl, namespace: options.prometheusNamespace === '' ? undefined : options.prometheusNamespace, service: options.prometheusService}, namespace);
	owned.push(async () => connection.close());
	return connection;
}

/** Opens everything a headless command needs; on failure, closes what was opened and rethrows. */
export async function connect(options: ConnectOptions): Promise<Connection> {
	const owned: Array<() => Promise<void>> = [];
	const close = async () => {
		const closers = owned.splice(0);
		await Promise.allSettled(closers.map(async closer => closer()));
	};

	try {
		const target = loadKubeTarget({kubeconfig: options.kubeconfig, context: options.context, namespace: options.namespace, env: options.env});
		const api = new IstioApi(target);
		const {namespace} = target;
		const [vs, destinationRules] = await Promise.all([api.getVirtualService(namespace, options.vs), api.listDestinationRules(namespace)]);
		const validation = validateVirtualService(vs);
		if (!validation.ok) {
			throw new Error(`VirtualService ${options.vs} is malformed, nothing was done: ${validation.errors.join('; ')}`);
		}

		let prometheus: PrometheusConnection | undefined;
		let prometheusError: string | undefined;
		if ((options.prometheus ?? 'none') !== 'none') {
			try {
				prometheus = await openPrometheus(target, namespace, options, owned);
			} catch (error) {
				if (options.prometheus === 'required') {
					throw error;
				}

				prometheusError = errorMessage(error);
			}
		}

		const routeKey = (route: Route) => `${route.kind}[${route.index}]`;
		const routes = routesOf(vs, destinationRules);
		const connection: Connection = {
			target,
			api,
			namespace,
			vs,
			destinationRules,
			routes,
			route: selectRoute(routes, options.route, vs.metadata.name),
			...(prometheus === undefined ? {} : {prometheus}),
			...(prometheusError === undefined ? {} : {prometheusError}),
			update(next) {
				const chosen = routeKey(connection.route);
				connection.vs = next;
				connection.routes = routesOf(next, connection.destinationRules);
				// The same route by position: names may be absent, and a write never moves routes.
				connection.route = connection.routes.find(route => routeKey(route) === chosen) ?? selectRoute(connection.routes, undefined, next.metadata.name);
			},
			async reload() {
				const [fresh, rules] = await Promise.all([api.getVirtualService(namespace, options.vs), api.listDestinationRules(namespace)]);
				connection.destinationRules = rules;
				connection.update(fresh);
			},
			async fetchMetrics() {
				if (connection.prometheus === undefined) {
					throw new Error(`no Prometheus: ${connection.prometheusError ?? 'not connected'}`);
				}

				return fetchMetrics(connection.prometheus.client, connection.route.destinations, connection.prometheus.window);
			},
			async fetchCounts(rangeMs) {
				if (connection.prometheus === undefined) {
					throw new Error(`no Prometheus: ${connection.prometheusError ?? 'not connected'}`);
				}

				return fetchCounts(connection.prometheus.client, connection.route.destinations, rangeMs);
			},
			close,
		};
		return connection;
	} catch (error) {
		await close();
		throw error;
	}
}
