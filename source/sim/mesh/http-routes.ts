/**
 * HTTPRoutes as the proxies apply them. With a Service parent (GAMMA: the mesh's east-west routing) the sidecars route
 * that Service by it; with a Gateway parent the ingress gateway routes entry traffic by it. The oldest route for
 * a Service wins, the first rule whose matches fit is used, backendRefs are weighted relatively (omitted weight = 1,
 * 0 = none), and each backend is a Service (one per version, as in bookinfo-versions.yaml) balanced over its own pods.
 */
import {asArray, asRecord, asString, identityOf, qualifyHost} from './kube-objects.js';
import type {RequestContext} from './route-match.js';

/** One backend of a rule: the Service host it sends to (FQDN), or why it cannot, and its relative weight. */
export interface HttpRouteBackend {
	/** Relative weight (omitted = 1). */
	weight: number;
	/** Service FQDN; undefined for a backend that is not a core Service (answered with 500, as the Gateway API asks). */
	host: string | undefined;
}

/** A compiled rule: its match predicate and its backends. */
export interface HttpRouteRule {
	/** Whether a request takes this rule. */
	matches: (context: RequestContext) => boolean;
	/** Backends in order. */
	backends: HttpRouteBackend[];
}

/** The Service FQDNs an HTTPRoute is attached to as a mesh route (parentRefs of group "" and kind Service). */
function serviceParents(route: unknown): string[] {
	const {namespace} = identityOf(route);
	const spec = asRecord(asRecord(route)?.['spec']);
	return asArray(spec?.['parentRefs']).flatMap(entry => {
		const ref = asRecord(entry);
		if (ref?.['group'] !== '' || ref['kind'] !== 'Service') {
			return [];
		}

		const name = asString(ref['name']);
		return name === undefined ? [] : [qualifyHost(name, asString(ref['namespace']) ?? namespace)];
	});
}

/** Whether the route is attached to a Gateway (north–south): a parentRef of the Gateway API's group and kind Gateway (the defaults). */
function hasGatewayParent(route: unknown): boolean {
	const spec = asRecord(asRecord(route)?.['spec']);
	return asArray(spec?.['parentRefs']).some(entry => {
		const ref = asRecord(entry);
		return ref !== undefined && (asString(ref['group']) ?? 'gateway.networking.k8s.io') === 'gateway.networking.k8s.io' && (asString(ref['kind']) ?? 'Gateway') === 'Gateway';
	});
}

/** Oldest first, then by namespace and name: the order in which Istio lets routes win conflicts. */
function byAge(objects: readonly unknown[]): unknown[] {
	return [...objects].sort((a, b) => {
		const left = identityOf(a);
		const right = identityOf(b);
		return left.createdAt.localeCompare(right.createdAt) || left.namespace.localeCompare(right.namespace) || left.name.localeCompare(right.name);
	});
}

/**
 * The HTTPRoutes the ingress gateway applies to entry traffic (those with a Gateway parentRef, as Istio's
 * `bookinfo-gateway.yaml` attaches `bookinfo`), oldest first. Whether the Gateway object exists is not checked.
 */
export function gatewayHttpRoutes(objects: readonly unknown[]): unknown[] {
	return byAge(objects).filter(object => hasGatewayParent(object));
}

/** HTTPRoutes by the Service FQDN they route (oldest first wins, like Istio's conflict resolution). */
export function indexHttpRoutes(objects: readonly unknown[]): Map<string, unknown> {
	const byHost = new Map<string, unknown>();
	for (const object of byAge(objects)) {
		for (const host of serviceParents(object)) {
			if (!byHost.has(host)) {
				byHost.set(host, object);
			}
		}
	}

	return byHost;
}

function pathMatcher(value: unknown): (path: string) => boolean {
	const path = asRecord(value);
	const text = asString(path?.['value']) ?? '/';
	switch (asString(path?.['type']) ?? 'PathPrefix') {
		case 'Exact': {
			return candidate => candidate === text;
		}

		case 'RegularExpression': {
			try {
				const pattern = new RegExp(`^(?:${text})$`);
				return candidate => pattern.test(candidate);
			} catch {
				return () => false;
			}
		}

		default: {
			// PathPrefix matches whole path elements: /api matches /api and /api/x, not /apix.
			const prefix = text.endsWith('/') ? text : `${text}/`;
			return candidate => text === '/' || candidate === text || candidate.startsWith(prefix);
		}
	}
}

function compileMatches(value: unknown): (context: RequestContext) => boolean {
	const matches = asArray(value).map(match => asRecord(match) ?? {});
	if (matches.length === 0) {
		return () => true;
	}

	const predicates = matches.map(match => {
		const path = pathMatcher(match['path']);
		// The generator sends no custom headers or query parameters, and only GETs.
		const impossible = asArray(match['headers']).length > 0 || asArray(match['queryParams']).length > 0
			|| (match['method'] !== undefined && match['method'] !== 'GET');
		return (context: RequestContext) => !impossible && path(context.path);
	});
	return context => predicates.some(predicate => predicate(context));
}

/** The rules of the HTTPRoute, compiled. */
export function compileHttpRoute(route: unknown): HttpRouteRule[] {
	const {namespace} = identityOf(route);
	const spec = asRecord(asRecord(route)?.['spec']);
	return asArray(spec?.['rules']).map(item => {
		const rule = asRecord(item) ?? {};
		const backends = asArray(rule['backendRefs']).map((entry): HttpRouteBackend => {
			const ref = asRecord(entry) ?? {};
			const weight = typeof ref['weight'] === 'number' && Number.isFinite(ref['weight']) ? Math.max(0, ref['weight']) : 1;
			const isService = (asString(ref['group']) ?? '') === '' && (asString(ref['kind']) ?? 'Service') === 'Service';
			const name = asString(ref['name']);
			return {weight, host: isService && name !== undefined ? qualifyHost(name, asString(ref['namespace']) ?? namespace) : undefined};
		});
		return {matches: compileMatches(rule['matches']), backends};
	});
}
