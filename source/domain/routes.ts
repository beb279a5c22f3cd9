/**
 * VirtualService → routes and destinations, the model the console shows and edits.
 */
import type {Destination, DestinationRuleInfo, Route, RouteObjectKind, ServiceInfo, VirtualService} from './virtual-service.js';
import {httpRouteRules} from './http-route.js';
import {summarizeMatch} from './route-match.js';
import {normalizeWeights} from './weights.js';
import {isRecord} from '../util/guards.js';


/**
 * Resolves a destination host like Istio: a short name (no dots) is a Service in `namespace` (the VirtualService's, not the
 * Service's), `name.ns.svc[.cluster-domain]` is Service `name` in `ns`, anything else is an external or ServiceEntry host,
 * for which Istio reports the host itself as destination_service_name.
 */
export function resolveHost(host: string, namespace?: string): {service: string; namespace?: string} {
	if (!host.includes('.')) {
		return namespace === undefined ? {service: host} : {service: host, namespace};
	}

	const kubernetes = /^([^.]+)\.([^.]+)\.svc(?:\..+)?$/.exec(host);
	if (kubernetes?.[1] !== undefined && kubernetes[2] !== undefined) {
		return {service: kubernetes[1], namespace: kubernetes[2]};
	}

	return {service: host};
}

function sameHost(a: string, b: string, namespace: string | undefined): boolean {
	const left = resolveHost(a, namespace);
	const right = resolveHost(b, namespace);
	return left.service === right.service && left.namespace === right.namespace;
}

/** Istio derives destination_version from these pod labels, in this order of preference. */
const versionLabels = ['service.istio.io/canonical-revision', 'app.kubernetes.io/version', 'version'];

interface RawDestination {
	host: string;
	subset?: string;
	weight?: number;
	index: number;
}

function rawDestinations(route: Record<string, unknown>): RawDestination[] {
	const list = Array.isArray(route['route']) ? (route['route'] as unknown[]) : [];
	return list.map((entry, index) => {
		const destination = isRecord(entry) && isRecord(entry['destination']) ? entry['destination'] : {};
		const host = typeof destination['host'] === 'string' ? destination['host'] : '';
		const subset = typeof destination['subset'] === 'string' && destination['subset'] !== '' ? destination['subset'] : undefined;
		const weight = isRecord(entry) && typeof entry['weight'] === 'number' ? entry['weight'] : undefined;
		return {host, subset, weight, index};
	});
}

function readOnlyReason(vs: VirtualService, kind: Route['kind'], route: Record<string, unknown>, destinationCount: number): string | undefined {
	const hosts = vs.spec['hosts'];
	if (!Array.isArray(hosts) || hosts.length === 0) {
		return 'delegate VirtualService (no hosts): a root VirtualService decides which traffic reaches it; edit the root';
	}

	if (kind !== 'http') {
		return `${kind.toUpperCase()} route: meshtop edits the weights of HTTP routes only`;
	}

	const delegate = route['delegate'];
	if (isRecord(delegate)) {
		const target = [delegate['namespace'] ?? vs.metadata.namespace, delegate['name']].filter(part => part !== undefined).map(String).join('/');
		return `delegates to VirtualService ${target}: edit that one`;
	}

	if (route['redirect'] !== undefined) {
		return 'redirects instead of routing: there are no destinations to weigh';
	}

	if (route['directResponse'] !== undefined) {
		return 'answers with a direct response: there are no destinations to weigh';
	}

	if (destinationCount === 0) {
		return 'no destinations';
	}

	return undefined;
}

/** Keys are subset names (or hosts); colliding ones get the host in front, and exact duplicates a #n suffix. */
function uniqueKeys(candidates: readonly {host: string; subset?: string}[]): string[] {
	const plain = candidates.map(candidate => candidate.subset ?? candidate.host);
	const counts = new Map<string, number>();
	for (const key of plain) {
		counts.set(key, (counts.get(key) ?? 0) + 1);
	}

	const used = new Set<string>();
	return candidates.map((candidate, position) => {
		let key = plain[position] ?? candidate.host;
		if ((counts.get(key) ?? 0) > 1 && candidate.subset !== undefined) {
			key = `${candidate.host}/${candidate.subset}`;
		}

		let unique = key;
		for (let n = 2; used.has(unique); n++) {
			unique = `${key}#${n}`;
		}

		used.add(unique);
		return unique;
	});
}

interface SubsetLookup {
	labels?: Record<string, string>;
	problem?: string;
}

function lookUpSubset(host: string, subset: string, rules: readonly DestinationRuleInfo[] | undefined, namespace: string | undefined): SubsetLookup {
	if (rules === undefined) {
		return {};
	}

	const matching = rules.filter(rule => sameHost(rule.host, host, namespace));
	const found = matching.flatMap(rule => rule.subsets).find(candidate => candidate.name === subset);
	if (found !== undefined) {
		return {labels: found.labels};
	}

	if (matching.length === 0) {
		return {problem: `subset ${subset} needs a DestinationRule for host ${host}, none found: Istio answers 503 (NR)`};
	}

	return {problem: `subset ${subset} is not defined in DestinationRule ${matching[0]?.host ?? host}: Istio answers 503 (NR)`};
}

function metricOf(host: string, subset: string | undefined, labels: Record<string, string> | undefined, namespace: string | undefined): Destination['metric'] {
	const {service, namespace: serviceNamespace} = resolveHost(host, namespace);
	const metric: Destination['metric'] = serviceNamespace === undefined ? {service} : {service, namespace: serviceNamespace};
	if (subset !== undefined) {
		// Without a version label the subset name is the best guess (the Bookinfo convention), better than mixing all versions.
		metric.version = versionLabels.map(label => labels?.[label]).find(value => value !== undefined) ?? subset;
	}

	return metric;
}

function routeOf(vs: VirtualService, kind: Route['kind'], index: number, route: Record<string, unknown>, rules: readonly DestinationRuleInfo[] | undefined): Route {
	const namespace = vs.metadata.namespace;
	const raw = rawDestinations(route);
	const reason = readOnlyReason(vs, kind, route, raw.length);
	const weights = normalizeWeights(raw.map(destination => destination.weight));

	const additions: {host: string; subset: string; labels: Record<string, string>}[] = [];
	if (reason === undefined && rules !== undefined) {
		const hosts = raw.map(destination => destination.host).filter((host, position, all) => host !== '' && all.findIndex(other => sameHost(other, host, namespace)) === position);
		for (const host of hosts) {
			for (const rule of rules.filter(candidate => sameHost(candidate.host, host, namespace))) {
				for (const subset of rule.subsets) {
					const present = raw.some(destination => destination.subset === subset.name && sameHost(destination.host, host, namespace))
						|| additions.some(addition => addition.subset === subset.name && sameHost(addition.host, host, namespace));
					if (!present) {
						additions.push({host, subset: subset.name, labels: subset.labels});
					}
				}
			}
		}
	}

	const keys = uniqueKeys([...raw, ...additions]);
	const destinations: Destination[] = raw.map((destination, position) => {
		const lookup = destination.subset === undefined ? {} : lookUpSubset(destination.host, destination.subset, rules, namespace);
		const result: Destination = {
			key: keys[position] ?? destination.host,
			host: destination.host,
			weight: weights[position] ?? 0,
			index: destination.index,
			metric: metricOf(destination.host, destination.subset, lookup.labels, namespace),
		};
		if (destination.subset !== undefined) {
			result.subset = destination.subset;
		}

		const problem = destination.host === '' ? 'destination has no host: Istio rejects this route' : lookup.problem;
		if (problem !== undefined) {
			result.problem = problem;
		}

		return result;
	});
	for (const [position, addition] of additions.entries()) {
		destinations.push({
			key: keys[raw.length + position] ?? addition.subset,
			host: addition.host,
			subset: addition.subset,
			weight: 0,
			metric: metricOf(addition.host, addition.subset, addition.labels, namespace),
		});
	}

	const name = typeof route['name'] === 'string' && route['name'] !== '' ? route['name'] : `${kind}[${index}]`;
	const result: Route = {kind, index, name, match: summarizeMatch(route['match']), editable: reason === undefined, destinations};
	if (reason !== undefined) {
		result.readOnlyReason = reason;
	}

	return result;
}

/**
 * Parses every http/tcp/tls route. Hosts are resolved like Istio (short names are in the VS's namespace;
 * `reviews.bookinfo.svc.cluster.local` → service reviews, namespace bookinfo). DestinationRule subsets of a destination host
 * that the route lacks are appended (weight 0, no index), so the user can shift traffic to them.
 * Without `destinationRules` nothing is appended and no subset is flagged as missing (unknown is not missing);
 * pass an empty array to say "there are none", which flags every subset.
 * Never throws: malformed entries become destinations without host, flagged with a problem (see validateVirtualService).
 * An HTTPRoute (`kind: HTTPRoute`) maps its rules instead (see httpRouteRules; `services` are the namespace's Services).
 * Every http route with destinations learns `siblings` and `exactMetrics` (whether its observed figures are its own).
 */
export function routesOf(vs: VirtualService, destinationRules?: readonly DestinationRuleInfo[], services?: readonly ServiceInfo[]): Route[] {
	return withSiblings(vs.kind === 'HTTPRoute' ? httpRouteRules(vs, services) : virtualServiceRoutes(vs, destinationRules));
}

/**
 * Istio's metrics carry no route label: each routing route learns how many routes send traffic, and whether its versions'
 * series (service, version) are its own. A series of "any version" of a service overlaps every version of it.
 */
function withSiblings(routes: Route[]): Route[] {
	const routing = routes.filter(route => route.kind === 'http' && route.destinations.length > 0);
	const overlaps = (a: Destination, b: Destination) => a.metric.service === b.metric.service
		&& (a.metric.namespace ?? '') === (b.metric.namespace ?? '')
		&& (a.metric.version === undefined || b.metric.version === undefined || a.metric.version === b.metric.version);
	return routes.map(route => {
		if (!routing.includes(route)) {
			return route;
		}

		const others = routing.filter(other => other !== route).flatMap(other => other.destinations);
		const exact = route.destinations.every(destination => !others.some(other => overlaps(destination, other)));
		return {...route, siblings: routing.length, exactMetrics: exact};
	});
}

function virtualServiceRoutes(vs: VirtualService, destinationRules?: readonly DestinationRuleInfo[]): Route[] {
	const routes: Route[] = [];
	for (const kind of ['http', 'tcp', 'tls'] as const) {
		const section = vs.spec[kind];
		if (!Array.isArray(section)) {
			continue;
		}

		for (const [index, route] of section.entries()) {
			routes.push(routeOf(vs, kind, index, isRecord(route) ? route : {}, destinationRules));
		}
	}

	return routes;
}

/** Which kind of route object this is (anything but an HTTPRoute is read as a VirtualService, as before HTTPRoutes). */
export function routeObjectKind(object: Pick<VirtualService, 'kind'>): RouteObjectKind {
	return object.kind === 'HTTPRoute' ? 'HTTPRoute' : 'VirtualService';
}

/** Configured weights of a route by destination key (what a write's `before` is). */
export function routeWeights(route: Route): Record<string, number> {
	return Object.fromEntries(route.destinations.map(destination => [destination.key, destination.weight]));
}

/**
 * Whose traffic a route's observed figures are: `route` when they are its own (the only routing route, or its versions'
 * series are used by no other route), `service` when they are the whole service's and must be labelled so.
 */
export function observedScope(route: Pick<Route, 'siblings' | 'exactMetrics'>): 'route' | 'service' {
	return (route.siblings ?? 1) <= 1 || route.exactMetrics === true ? 'route' : 'service';
}
