/**
 * HTTPRoute (gateway.networking.k8s.io) → the split model: each rule is a route, each backendRef a version.
 * Gateway API weights are relative: an omitted weight is 1, weight 0 gets no traffic, the sum need not be 100; they are
 * shown as percentages (largest-remainder rounding) and written back as integers summing to 100 (see http-route-patch).
 */
import type {Destination, Route, RouteObject, ServiceInfo} from './virtual-service.js';
import {summarizeHttpRouteMatches} from './http-route-match.js';
import {apportion} from './weights.js';
import {isRecord} from '../util/guards.js';

/** The selector label that tells the versions of a Service-per-version setup apart (bookinfo-versions.yaml). */
const versionLabel = 'version';

interface RawBackend {
	name: string;
	namespace?: string;
	group: string;
	kind: string;
	port?: number;
	weight?: number;
	index: number;
}

function text(value: unknown): string | undefined {
	return typeof value === 'string' && value !== '' ? value : undefined;
}

function rawBackends(rule: Record<string, unknown>): RawBackend[] {
	const list = Array.isArray(rule['backendRefs']) ? (rule['backendRefs'] as unknown[]) : [];
	return list.map((entry, index) => {
		const ref = isRecord(entry) ? entry : {};
		const backend: RawBackend = {
			name: text(ref['name']) ?? '',
			// Gateway API defaults: group "" (core) and kind Service.
			group: typeof ref['group'] === 'string' ? ref['group'] : '',
			kind: text(ref['kind']) ?? 'Service',
			index,
		};
		const namespace = text(ref['namespace']);
		if (namespace !== undefined) {
			backend.namespace = namespace;
		}

		if (typeof ref['port'] === 'number') {
			backend.port = ref['port'];
		}

		if (typeof ref['weight'] === 'number') {
			backend.weight = ref['weight'];
		}

		return backend;
	});
}

function isService(ref: {group: string; kind: string}): boolean {
	return ref.group === '' && ref.kind === 'Service';
}

/** Weights as the Gateway API defines them: omitted = 1, 0 (or anything not positive) = no traffic; then percentages. */
export function httpRouteWeights(weights: readonly (number | undefined)[]): number[] {
	return apportion(100, weights.map(weight => (weight === undefined ? 1 : (Number.isFinite(weight) && weight > 0 ? weight : 0))));
}

/** The Service parents (mesh, GAMMA) and Gateway parents (north–south) of a route, as the header shows them. */
export function httpRouteParents(route: RouteObject): string {
	const list = Array.isArray(route.spec['parentRefs']) ? (route.spec['parentRefs'] as unknown[]) : [];
	const parts = list.filter(entry => isRecord(entry)).map(entry => {
		const group = typeof entry['group'] === 'string' ? entry['group'] : 'gateway.networking.k8s.io';
		const kind = text(entry['kind']) ?? 'Gateway';
		const name = text(entry['name']) ?? '?';
		if (group === '' && kind === 'Service') {
			return `Service ${name} (mesh)`;
		}

		return kind === 'Gateway' ? `Gateway ${name}` : `${kind} ${name}`;
	});
	return parts.length === 0 ? 'no parentRefs' : parts.join(', ');
}

/** The same, short enough for the header: `mesh` for Service parents (GAMMA), `gateway NAME` for Gateways. */
export function httpRouteAttachment(route: RouteObject): string {
	const list = Array.isArray(route.spec['parentRefs']) ? (route.spec['parentRefs'] as unknown[]) : [];
	const parts = list.filter(entry => isRecord(entry)).map(entry => {
		const kind = text(entry['kind']) ?? 'Gateway';
		return entry['group'] === '' && kind === 'Service' ? 'mesh' : `${kind.toLowerCase()} ${text(entry['name']) ?? '?'}`;
	});
	return [...new Set(parts)].join(', ') || 'no parent';
}

function parentServices(route: RouteObject): string[] {
	const list = Array.isArray(route.spec['parentRefs']) ? (route.spec['parentRefs'] as unknown[]) : [];
	return list.filter(entry => isRecord(entry) && entry['group'] === '' && entry['kind'] === 'Service' && text(entry['namespace']) === undefined)
		.flatMap(entry => (isRecord(entry) && text(entry['name']) !== undefined ? [String(entry['name'])] : []));
}

function withoutVersion(selector: Record<string, string>): string {
	return JSON.stringify(Object.entries(selector).filter(([key]) => key !== versionLabel).sort(([a], [b]) => a.localeCompare(b)));
}

function findService(services: readonly ServiceInfo[] | undefined, name: string, namespace: string): ServiceInfo | undefined {
	return services?.find(service => service.name === name && service.namespace === namespace);
}

/**
 * Services of the route's namespace that are versions of the same workload and not a backend yet: their selector equals
 * a base selector (the parent Service's, or a backend's without its `version` label) plus a `version` label.
 */
function candidateServices(route: RouteObject, namespace: string, backends: readonly RawBackend[], services: readonly ServiceInfo[]): ServiceInfo[] {
	const bases = new Set<string>();
	for (const name of parentServices(route)) {
		const selector = findService(services, name, namespace)?.selector;
		if (selector !== undefined) {
			bases.add(withoutVersion(selector));
		}
	}

	for (const backend of backends) {
		// A backend's selector, without its version label if it has one: reviews-v1 offers reviews-v3, and a backend
		// selecting every version (productpage, the Gateway sample's backend) offers its per-version Services.
		const selector = findService(services, backend.name, backend.namespace ?? namespace)?.selector;
		if (selector !== undefined && Object.keys(selector).length > 0) {
			bases.add(withoutVersion(selector));
		}
	}

	return services.filter(service => service.namespace === namespace
		&& service.selector?.[versionLabel] !== undefined
		&& bases.has(withoutVersion(service.selector))
		&& !backends.some(backend => backend.name === service.name && (backend.namespace ?? namespace) === namespace))
		.sort((a, b) => a.name.localeCompare(b.name));
}

function readOnlyReason(backends: readonly RawBackend[]): string | undefined {
	if (backends.length === 0) {
		return 'no backendRefs: the rule has no backends to weigh (a redirect, or a 500)';
	}

	if (!backends.some(backend => isService(backend))) {
		return 'no Service backend: meshtop weighs Service backends only, and keeps the weights of other kinds as they are';
	}

	return undefined;
}

/** Why a backend of another kind keeps its weight; undefined for a Service. */
function backendReadOnlyReason(backend: RawBackend): string | undefined {
	return isService(backend) ? undefined : `a ${backend.group === '' ? '' : `${backend.group}/`}${backend.kind}, not a Service: its weight is kept as is`;
}

function keysOf(names: readonly string[]): string[] {
	const used = new Set<string>();
	return names.map(name => {
		let key = name;
		for (let n = 2; used.has(key); n++) {
			key = `${name}#${n}`;
		}

		used.add(key);
		return key;
	});
}

function ruleOf(route: RouteObject, index: number, rule: Record<string, unknown>, services: readonly ServiceInfo[] | undefined): Route {
	const namespace = route.metadata.namespace ?? '';
	const backends = rawBackends(rule);
	const reason = readOnlyReason(backends);
	const weights = httpRouteWeights(backends.map(backend => backend.weight));
	const firstPort = backends.find(backend => backend.port !== undefined)?.port;
	const additions = reason === undefined && services !== undefined ? candidateServices(route, namespace, backends, services) : [];
	const keys = keysOf([...backends.map(backend => backend.name), ...additions.map(service => service.name)]);
	const allZero = backends.length > 0 && weights.every(weight => weight === 0);

	const destinations: Destination[] = backends.map((backend, position) => {
		const backendNamespace = backend.namespace ?? namespace;
		const destination: Destination = {
			key: keys[position] ?? backend.name,
			host: backend.name,
			weight: weights[position] ?? 0,
			index: backend.index,
			metric: {service: backend.name, namespace: backendNamespace},
		};
		const label = findService(services, backend.name, backendNamespace)?.selector?.[versionLabel];
		if (label !== undefined) {
			destination.label = label;
		}

		if (backend.port !== undefined) {
			destination.port = backend.port;
		}

		const readOnly = backendReadOnlyReason(backend);
		if (readOnly !== undefined) {
			destination.readOnly = readOnly;
		}

		if (backend.name === '') {
			destination.problem = 'backendRef has no name: the API server rejects this route';
		} else if (allZero) {
			destination.problem = 'every backend has weight 0: the route answers 500';
		}

		return destination;
	});
	for (const [position, service] of additions.entries()) {
		const port = firstPort ?? service.ports[0];
		destinations.push({
			key: keys[backends.length + position] ?? service.name,
			host: service.name,
			weight: 0,
			metric: {service: service.name, namespace},
			...(service.selector?.[versionLabel] === undefined ? {} : {label: service.selector[versionLabel]}),
			...(port === undefined ? {} : {port}),
		});
	}

	const result: Route = {
		kind: 'http',
		index,
		name: text(rule['name']) ?? `rules[${index}]`,
		match: summarizeHttpRouteMatches(rule['matches']),
		editable: reason === undefined,
		destinations,
		parents: httpRouteParents(route),
		attachment: httpRouteAttachment(route),
	};
	if (reason !== undefined) {
		result.readOnlyReason = reason;
	}

	return result;
}

/**
 * Every rule of an HTTPRoute as a route of the split model. With `services` (the namespace's), backends show their
 * Service's `version` label, and Services that are versions of the same workload but not backends yet are appended
 * at weight 0 (no index), so the user can shift traffic to them; without, nothing is appended. Never throws.
 */
export function httpRouteRules(route: RouteObject, services?: readonly ServiceInfo[]): Route[] {
	const rules = Array.isArray(route.spec['rules']) ? (route.spec['rules'] as unknown[]) : [];
	return rules.map((rule, index) => ruleOf(route, index, isRecord(rule) ? rule : {}, services));
}

/**
 * Why a progressive plan cannot run on `route`: one of its backends keeps its weight (another kind than Service), so the
 * target could never reach the plan's final weight. Undefined when every version can be weighed.
 */
export function planRefusal(route: Route): string | undefined {
	const fixed = route.destinations.find(destination => destination.readOnly !== undefined);
	return fixed === undefined
		? undefined
		: `route ${route.name} has a backend meshtop keeps as it is (${fixed.key}: ${fixed.readOnly ?? ''}); a plan needs every backend weighable: shift with the arrow keys or meshtop set`;
}

/** A core/v1 Service object → what the split model needs of it; undefined when it has no name. */
export function serviceInfo(object: unknown, fallbackNamespace = ''): ServiceInfo | undefined {
	if (!isRecord(object) || !isRecord(object['metadata']) || text(object['metadata']['name']) === undefined) {
		return undefined;
	}

	const spec = isRecord(object['spec']) ? object['spec'] : {};
	const selector = isRecord(spec['selector'])
		? Object.fromEntries(Object.entries(spec['selector']).filter(([, value]) => typeof value === 'string')) as Record<string, string>
		: undefined;
	const ports = Array.isArray(spec['ports']) ? spec['ports'].flatMap(port => (isRecord(port) && typeof port['port'] === 'number' ? [port['port']] : [])) : [];
	const info: ServiceInfo = {name: String(object['metadata']['name']), namespace: text(object['metadata']['namespace']) ?? fallbackNamespace, ports};
	if (selector !== undefined) {
		info.selector = selector;
	}

	return info;
}
