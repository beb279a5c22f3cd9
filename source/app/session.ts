import {loadKubeTarget, type KubeTarget} from '../kube/config.js';
import {IstioApi} from '../kube/istio-api.js';
import {routesOf, type DestinationRuleInfo, type Route, type VirtualService} from '../domain/virtual-service.js';
import {routeKey} from '../state/selectors.js';
import {connectPrometheus, type PrometheusConnection, type PrometheusOptions} from './prometheus-connection.js';

/** One VirtualService opened for a headless command: the API, the object, its routes and (on demand) Prometheus. */
export interface Session {
	target: KubeTarget;
	api: IstioApi;
	namespace: string;
	vs: VirtualService;
	destinationRules: readonly DestinationRuleInfo[];
	routes: Route[];
	/** Connects to Prometheus once (port-forward when needed); later calls reuse it. */
	prometheus(): Promise<PrometheusConnection>;
	/** Re-reads the VirtualService (and its routes). */
	reload(): Promise<void>;
	/** Closes what the session opened (the port-forward). */
	close(): Promise<void>;
}

/** Connection flags shared by the headless commands. */
export interface SessionOptions {
	kubeconfig?: string;
	context?: string;
	namespace?: string;
	prometheus: PrometheusOptions;
	/** Use this target instead of loading the kubeconfig (demo, tests). */
	target?: KubeTarget;
}

/** Loads the kubeconfig like kubectl and reads the VirtualService and the namespace's DestinationRules. */
export async function openSession(vsName: string, options: SessionOptions): Promise<Session> {
	const target = options.target ?? loadKubeTarget({kubeconfig: options.kubeconfig, context: options.context, namespace: options.namespace});
	const api = new IstioApi(target);
	const namespace = target.namespace;
	let connection: Promise<PrometheusConnection> | undefined;
	const [vs, destinationRules] = await Promise.all([api.getVirtualService(namespace, vsName), api.listDestinationRules(namespace)]);
	const session: Session = {
		target,
		api,
		namespace,
		vs,
		destinationRules,
		routes: routesOf(vs, destinationRules),
		async prometheus() {
			connection ??= connectPrometheus(target, options.prometheus, namespace);
			return connection;
		},
		async reload() {
			session.vs = await api.getVirtualService(namespace, vsName);
			session.routes = routesOf(session.vs, session.destinationRules);
		},
		async close() {
			const ready = await connection?.catch(() => undefined);
			await ready?.close();
		},
	};
	return session;
}

/** The route a command works on: by name or `http[0]` key, else the first editable one. */
export function pickRoute(routes: readonly Route[], name: string | undefined): Route | undefined {
	if (name !== undefined) {
		return routes.find(route => route.name === name || routeKey(route) === name);
	}

	return routes.find(route => route.editable) ?? routes[0];
}

/** Weights of a route by destination key. */
export function weightsOf(route: Route): Record<string, number> {
	return Object.fromEntries(route.destinations.map(destination => [destination.key, destination.weight]));
}
