/**
 * The shared start of every headless command: kubeconfig → API → the VirtualService and its routes →
 * (optionally) Prometheus, port-forwarded when it runs in the cluster. One owner for everything opened, so a command
 * ends with a single close(), whatever failed halfway.
 */
import type {MetricsSnapshot} from '../domain/metrics.js';
import {routeObjectKind, routesOf, validateVirtualService, type DestinationRuleInfo, type Route, type RouteObjectKind, type ServiceInfo, type VirtualService} from '../domain/virtual-service.js';
import {parseRouteAddress} from '../domain/addressing.js';
import {lookUpRoute} from './route-lookup.js';
import {loadKubeTarget, type KubeTarget} from '../kube/config.js';
import {IstioApi} from '../kube/istio-api.js';
import {closeSharedDispatchers} from '../kube/shared-dispatchers.js';
import type {PrometheusConnection} from '../app/prometheus-connection.js';
import {fetchMetrics} from '../prometheus/metrics-source.js';
import {fetchCounts} from '../prometheus/counts-source.js';
import {reporterFor, type Reporter} from '../prometheus/queries.js';
import type {StepCounts} from '../domain/step-counts.js';
import {errorMessage} from '../util/error-message.js';

/** Connection flags, as kubectl spells them, plus what the command needs. */
export interface ConnectOptions {
	/** The route object: `reviews`, `vs/reviews` or `httproute/reviews` (required: every headless command works on one). */
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
	/** `--prometheus-token-file`: bearer token for a gateway in front of Prometheus. */
	prometheusTokenFile?: string;
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
	/** The route object (VirtualService or HTTPRoute) as last read or written. */
	vs: VirtualService;
	/** Its kind. */
	kind: RouteObjectKind;
	/** DestinationRules of the namespace (versions not yet in a VirtualService route come from their subsets). */
	destinationRules: DestinationRuleInfo[];
	/** Services of the namespace (versions not yet an HTTPRoute backend come from them); empty for VirtualServices. */
	services: ServiceInfo[];
	/** All routes of `vs`. */
	routes: Route[];
	/** The route the command works on. */
	route: Route;
	/** Whose reports the metrics read: `waypoint` in an ambient namespace, else `destination`. */
	reporter: Reporter;
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
export function selectRoute(routes: readonly Route[], name: string | undefined, vsName: string, kind: RouteObjectKind = 'VirtualService'): Route {
	const list = routes.map(route => (route.name === `${route.kind}[${route.index}]` ? route.name : `${route.name} (${route.kind}[${route.index}])`)).join(', ') || 'none';
	if (name !== undefined && name !== '') {
		const found = routes.find(route => route.name === name || `${route.kind}[${route.index}]` === name);
		if (found === undefined) {
			throw new Error(`${kind} ${vsName} has no route "${name}"; routes: ${list}`);
		}

		return found;
	}

	const editable = routes.find(route => route.editable && route.kind === 'http');
	const chosen = editable ?? routes[0];
	if (chosen === undefined) {
		throw new Error(`${kind} ${vsName} has no routes`);
	}

	return chosen;
}

async function openPrometheus(target: KubeTarget, namespace: string, options: ConnectOptions, owned: Array<() => Promise<void>>): Promise<PrometheusConnection> {
	// Loaded only by the commands that read metrics (set, history and undo do not).
	const {connectPrometheus} = await import('../app/prometheus-connection.js');
	const connection = await connectPrometheus(target, {url: options.prometheusUrl, namespace: options.prometheusNamespace === '' ? undefined : options.prometheusNamespace, service: options.prometheusService, tokenFile: options.prometheusTokenFile}, namespace);
	owned.push(async () => connection.close());
	return connection;
}

/**
 * Where a route's versions not yet in it come from: the DestinationRules' subsets for a VirtualService, the namespace's
 * Services for an HTTPRoute (a user who may not list Services still gets the backends the route has).
 */
async function versionSources(api: IstioApi, namespace: string, kind: RouteObjectKind, rules: Promise<DestinationRuleInfo[]> | undefined): Promise<{destinationRules: DestinationRuleInfo[]; services: ServiceInfo[]}> {
	if (kind === 'VirtualService') {
		return {destinationRules: await (rules ?? api.listDestinationRules(namespace)), services: []};
	}

	return {destinationRules: [], services: await api.listServices(namespace).catch(() => [])};
}

/** Whether `address` may name a VirtualService (a bare name, or vs/NAME); a malformed one is reported by the lookup. */
function mayBeVirtualService(address: string): boolean {
	try {
		return parseRouteAddress(address).kind !== 'HTTPRoute';
	} catch {
		return false;
	}
}

/** Prometheus and the namespace's reporter, or why Prometheus is missing (thrown only when it is required). */
interface MetricsEnd {
	reporter: Reporter;
	prometheus?: PrometheusConnection;
	prometheusError?: string;
}

async function openMetrics(api: IstioApi, target: KubeTarget, namespace: string, options: ConnectOptions, owned: Array<() => Promise<void>>): Promise<MetricsEnd> {
	const reporter = reporterFor(await api.namespaceLabels(namespace));
	try {
		return {reporter, prometheus: await openPrometheus(target, namespace, options, owned)};
	} catch (error) {
		if (options.prometheus === 'required') {
			throw error;
		}

		return {reporter, prometheusError: errorMessage(error)};
	}
}

/** Opens everything a headless command needs; on failure, closes what was opened and rethrows. */
export async function connect(options: ConnectOptions): Promise<Connection> {
	const owned: Array<() => Promise<void>> = [];
	const close = async () => {
		const closers = owned.splice(0);
		await Promise.allSettled(closers.map(async closer => closer()));
	};

	// Prometheus (its discovery, a port-forward, its scrape interval) does not depend on the route: it is opened
	// while the route is read, so a command waits for the slower of the two, not their sum.
	let metrics: Promise<MetricsEnd> | undefined;
	try {
		const target = loadKubeTarget({kubeconfig: options.kubeconfig, context: options.context, namespace: options.namespace, env: options.env});
		owned.push(async () => closeSharedDispatchers(target.kc));
		const api = new IstioApi(target);
		const {namespace} = target;
		if ((options.prometheus ?? 'none') !== 'none') {
			metrics = openMetrics(api, target, namespace, options, owned);
			// Read below; until then a failure must not count as unhandled.
			metrics.catch(() => undefined);
		}

		// A VirtualService's DestinationRules are listed while it is read, not after: one round trip fewer.
		const rules = mayBeVirtualService(options.vs) ? api.listDestinationRules(namespace) : undefined;
		rules?.catch(() => undefined);
		const vs = await lookUpRoute(api, namespace, options.vs);
		const kind = routeObjectKind(vs);
		const {destinationRules, services} = await versionSources(api, namespace, kind, rules);
		const validation = validateVirtualService(vs);
		if (!validation.ok) {
			throw new Error(`${kind} ${vs.metadata.name} is malformed, nothing was done: ${validation.errors.join('; ')}`);
		}

		const {reporter, prometheus, prometheusError} = metrics === undefined ? {reporter: 'destination' as Reporter} : await metrics;
		const routeKey = (route: Route) => `${route.kind}[${route.index}]`;
		const routes = routesOf(vs, destinationRules, services);
		const connection: Connection = {
			target,
			api,
			namespace,
			vs,
			kind,
			destinationRules,
			services,
			routes,
			reporter,
			route: selectRoute(routes, options.route, vs.metadata.name, kind),
			...(prometheus === undefined ? {} : {prometheus}),
			...(prometheusError === undefined ? {} : {prometheusError}),
			update(next) {
				const chosen = routeKey(connection.route);
				connection.vs = next;
				connection.routes = routesOf(next, connection.destinationRules, connection.services);
				// The same route by position: names may be absent, and a write never moves routes.
				connection.route = connection.routes.find(route => routeKey(route) === chosen) ?? selectRoute(connection.routes, undefined, next.metadata.name, kind);
			},
			async reload() {
				const [fresh, sources] = await Promise.all([api.getRoute(kind, namespace, vs.metadata.name), versionSources(api, namespace, kind, undefined)]);
				connection.destinationRules = sources.destinationRules;
				connection.services = sources.services;
				connection.update(fresh);
			},
			async fetchMetrics() {
				if (connection.prometheus === undefined) {
					throw new Error(`no Prometheus: ${connection.prometheusError ?? 'not connected'}`);
				}

				return fetchMetrics(connection.prometheus.client, connection.route.destinations, connection.prometheus.window, undefined, connection.reporter);
			},
			async fetchCounts(rangeMs) {
				if (connection.prometheus === undefined) {
					throw new Error(`no Prometheus: ${connection.prometheusError ?? 'not connected'}`);
				}

				return fetchCounts(connection.prometheus.client, connection.route.destinations, rangeMs, undefined, connection.reporter);
			},
			close,
		};
		return connection;
	} catch (error) {
		// A Prometheus still opening would add its port-forward to `owned` after close(): let it finish first.
		await metrics?.catch(() => undefined);
		await close();
		throw error;
	}
}
