import type {Endpoint, EndpointIndex, ServiceEndpoints} from './endpoints.js';
import {asArray, asRecord, asString, asStringMap, identityOf, matchesLabels, qualifyHost} from './kube-objects.js';
import type {Random} from './rng.js';
import {compileRouteMatch, type RequestContext} from './route-match.js';
import {compileHttpRoute, gatewayHttpRoutes, indexHttpRoutes} from './http-routes.js';

export type {RequestContext} from './route-match.js';

/** Where Envoy sent one request, or why it could not. */
export type RouteOutcome =
	| {kind: 'endpoint'; service: ServiceEndpoints; endpoint: Endpoint}
	| {
		kind: 'failure';
		/** Host the caller asked for (FQDN). */
		host: string;
		/** 503 (no cluster / no healthy upstream) or 404 (no route matched), as Envoy answers. */
		responseCode: number;
		/** Envoy response flag: `NR` (no route / no such subset) or `UH` (no healthy upstream). */
		responseFlags: string;
	};

/** Inputs of a routing table: everything the mesh read from the store at one moment. */
export interface RoutingInputs {
	/** VirtualService objects, any namespace. */
	virtualServices: readonly unknown[];
	/** DestinationRule objects, any namespace. */
	destinationRules: readonly unknown[];
	/** HTTPRoute objects, any namespace: one with a Service parent routes that Service instead of a VirtualService. */
	httpRoutes?: readonly unknown[];
	/** Services and their ready pods. */
	endpoints: EndpointIndex;
}

/** Routes requests by host; compiled once per store change so that per-request work is a weighted pick. */
export interface RoutingTable {
	/** Picks the destination of one request to `host` (FQDN), like Envoy does per request. */
	route(host: string, random: Random, context: RequestContext): RouteOutcome;
	/**
	 * Picks the destination of one entry request at the ingress gateway by the HTTPRoutes attached to a Gateway (the
	 * first rule, oldest route first, whose matches fit); undefined when none matches and the entry Service is called directly.
	 */
	routeIngress(random: Random, context: RequestContext): RouteOutcome | undefined;
}

type Target =
	| {kind: 'endpoints'; key: string; service: ServiceEndpoints; endpoints: Endpoint[]}
	| {kind: 'failure'; responseCode: number; responseFlags: string};

interface CompiledDestination {
	weight: number;
	target: Target;
}

interface CompiledRoute {
	matches: (context: RequestContext) => boolean;
	destinations: CompiledDestination[];
	totalWeight: number;
}

/**
 * Compiles VirtualServices and DestinationRules into per-host routes with Istio's semantics:
 * the oldest VirtualService for a host wins, the first http route whose match fits the request is used,
 * a lone destination without weight gets 100 and several are weighted relatively (missing = 0),
 * a subset resolves to pods through the DestinationRule's labels (missing subset: 503 NR, no pods: 503 UH),
 * and a host without a VirtualService is balanced round-robin over all of its endpoints.
 * An HTTPRoute whose parentRef is the host's Service takes precedence (see http-routes.ts for its semantics).
 */
export function compileRoutingTable(inputs: RoutingInputs): RoutingTable {
	const rules = indexDestinationRules(inputs.destinationRules);
	const virtualServices = indexVirtualServices(inputs.virtualServices);
	const httpRoutes = indexHttpRoutes(inputs.httpRoutes ?? []);
	const roundRobin = new Map<string, number>();
	const compiled = new Map<string, CompiledRoute[]>();

	const compileHttpRouteRules = (httpRoute: unknown): CompiledRoute[] => compileHttpRoute(httpRoute).map(rule => {
		const destinations = rule.backends.map((backend): CompiledDestination => ({
			weight: backend.weight,
			// A backend that is not a Service gets the Gateway API's 500.
			target: backend.host === undefined ? {kind: 'failure', responseCode: 500, responseFlags: 'NR'} : resolveTarget(backend.host, undefined),
		}));
		return {matches: rule.matches, destinations, totalWeight: destinations.reduce((sum, destination) => sum + destination.weight, 0)};
	});
	let ingress: CompiledRoute[] | undefined;

	const compileHost = (host: string): CompiledRoute[] => {
		const httpRoute = httpRoutes.get(host);
		if (httpRoute !== undefined) {
			return compileHttpRouteRules(httpRoute);
		}

		const virtualService = virtualServices.get(host);
		if (!virtualService) {
			return [{matches: () => true, destinations: [{weight: 1, target: resolveTarget(host, undefined)}], totalWeight: 1}];
		}

		const namespace = identityOf(virtualService).namespace;
		const spec = asRecord(asRecord(virtualService)?.['spec']);
		return asArray(spec?.['http']).map(route => compileRoute(asRecord(route) ?? {}, namespace));
	};

	const compileRoute = (route: Record<string, unknown>, namespace: string): CompiledRoute => {
		const destinations = asArray(route['route']).map(item => asRecord(item) ?? {});
		const compiledDestinations = destinations.map((destination): CompiledDestination => {
			const target = asRecord(destination['destination']);
			const host = qualifyHost(asString(target?.['host']) ?? '', namespace);
			const weight = destinationWeight(destination['weight'], destinations.length);
			return {weight, target: resolveTarget(host, asString(target?.['subset']))};
		});
		return {
			matches: compileRouteMatch(route['match']),
			destinations: compiledDestinations,
			totalWeight: compiledDestinations.reduce((sum, destination) => sum + destination.weight, 0),
		};
	};

	const resolveTarget = (host: string, subset: string | undefined): Target => {
		const service = inputs.endpoints.get(host);
		if (!service) {
			return {kind: 'failure', responseCode: 503, responseFlags: 'NR'};
		}

		if (subset === undefined) {
			return targetOf(host, service, service.endpoints);
		}

		// Istio only creates the cluster `outbound|port|subset|host` for subsets declared in a DestinationRule.
		const labels = rules.get(host)?.get(subset);
		if (!labels) {
			return {kind: 'failure', responseCode: 503, responseFlags: 'NR'};
		}

		return targetOf(`${host}|${subset}`, service, service.endpoints.filter(endpoint => matchesLabels(labels, endpoint.labels)));
	};

	const targetOf = (key: string, service: ServiceEndpoints, endpoints: Endpoint[]): Target =>
		endpoints.length === 0
			? {kind: 'failure', responseCode: 503, responseFlags: 'UH'}
			: {kind: 'endpoints', key, service, endpoints};

	const pick = (host: string, route: CompiledRoute, random: Random): RouteOutcome => {
		const destination = pickWeighted(route, random);
			if (!destination) {
				return {kind: 'failure', host, responseCode: 503, responseFlags: 'NR'};
			}

			const {target} = destination;
			if (target.kind === 'failure') {
				return {kind: 'failure', host, responseCode: target.responseCode, responseFlags: target.responseFlags};
			}

		const turn = roundRobin.get(target.key) ?? 0;
		roundRobin.set(target.key, turn + 1);
		const endpoint = target.endpoints[turn % target.endpoints.length]!;
		return {kind: 'endpoint', service: target.service, endpoint};
	};

	return {
		route(host, random, context) {
			let routes = compiled.get(host);
			if (!routes) {
				routes = compileHost(host);
				compiled.set(host, routes);
			}

			const route = routes.find(candidate => candidate.matches(context));
			return route === undefined ? {kind: 'failure', host, responseCode: 404, responseFlags: 'NR'} : pick(host, route, random);
		},
		routeIngress(random, context) {
			ingress ??= gatewayHttpRoutes(inputs.httpRoutes ?? []).flatMap(httpRoute => compileHttpRouteRules(httpRoute));
			const route = ingress.find(candidate => candidate.matches(context));
			return route === undefined ? undefined : pick('ingress', route, random);
		},
	};
}

function pickWeighted(route: CompiledRoute, random: Random): CompiledDestination | undefined {
	if (route.totalWeight <= 0) {
		return undefined;
	}

	let remaining = random() * route.totalWeight;
	for (const destination of route.destinations) {
		remaining -= destination.weight;
		if (remaining < 0) {
			return destination;
		}
	}

	return route.destinations.findLast(destination => destination.weight > 0);
}

function destinationWeight(value: unknown, count: number): number {
	if (typeof value === 'number' && Number.isFinite(value)) {
		return Math.max(0, value);
	}

	// Istio: "If there is only one destination in a rule, it will receive all traffic."
	return count === 1 ? 100 : 0;
}

function indexVirtualServices(objects: readonly unknown[]): Map<string, unknown> {
	const byHost = new Map<string, unknown>();
	const ordered = [...objects].sort((a, b) => compareAge(identityOf(a), identityOf(b)));
	for (const object of ordered) {
		const {namespace} = identityOf(object);
		const spec = asRecord(asRecord(object)?.['spec']);
		const gateways = asArray(spec?.['gateways']).map(gateway => asString(gateway));
		// A VirtualService bound only to gateways does not program the sidecars.
		if (gateways.length > 0 && !gateways.includes('mesh')) {
			continue;
		}

		for (const host of asArray(spec?.['hosts'])) {
			const fqdn = qualifyHost(asString(host) ?? '', namespace);
			if (!byHost.has(fqdn)) {
				byHost.set(fqdn, object);
			}
		}
	}

	return byHost;
}

function indexDestinationRules(objects: readonly unknown[]): Map<string, Map<string, Record<string, string>>> {
	const byHost = new Map<string, Map<string, Record<string, string>>>();
	const ordered = [...objects].sort((a, b) => compareAge(identityOf(a), identityOf(b)));
	for (const object of ordered) {
		const {namespace} = identityOf(object);
		const spec = asRecord(asRecord(object)?.['spec']);
		const host = qualifyHost(asString(spec?.['host']) ?? '', namespace);
		if (byHost.has(host)) {
			continue;
		}

		const subsets = new Map<string, Record<string, string>>();
		for (const subset of asArray(spec?.['subsets'])) {
			const record = asRecord(subset);
			const name = asString(record?.['name']);
			if (name !== undefined) {
				subsets.set(name, asStringMap(record?.['labels']));
			}
		}

		byHost.set(host, subsets);
	}

	return byHost;
}

function compareAge(a: {createdAt: string; namespace: string; name: string}, b: {createdAt: string; namespace: string; name: string}): number {
	return a.createdAt.localeCompare(b.createdAt) || a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name);
}
