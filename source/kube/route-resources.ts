/**
 * Where route objects live in the API (groups, preferred versions, resource names as errors and RBAC spell them) and
 * the shaping of what the API returns into the model's objects. No I/O: IstioApi and the watch feed use these.
 */
import {destinationRuleInfo} from '../domain/destination-rule.js';
import type {DestinationRuleInfo, RouteObjectKind, VirtualService} from '../domain/virtual-service.js';
import {isObject} from '../util/guards.js';

/** The Istio networking API group. */
export const istioGroup = 'networking.istio.io';

/** Served versions meshtop understands, most preferred first (v1 since Istio 1.22). */
export const istioVersionPreference = ['v1', 'v1beta1', 'v1alpha3'] as const;

/** The Kubernetes Gateway API group (HTTPRoute). */
export const gatewayGroup = 'gateway.networking.k8s.io';

/** Served Gateway API versions meshtop understands for HTTPRoutes, most preferred first. */
export const gatewayVersionPreference = ['v1', 'v1beta1'] as const;

/** Resource name of HTTPRoutes as errors and RBAC spell it. */
export const httpRoutesResource = `httproutes.${gatewayGroup}`;

/** Where the objects of a route kind live: API group, served version, plural, and the name errors use. */
export interface RouteResource {
	/** API group. */
	group: string;
	/** Served version found by discovery. */
	version: string;
	/** Plural of the resource. */
	plural: 'virtualservices' | 'httproutes';
	/** `plural.group`, as errors and RBAC spell it. */
	resource: string;
}

/** Resource name of VirtualServices as errors and RBAC spell it. */
export const virtualServicesResource = `virtualservices.${istioGroup}`;

/** Where a route kind lives whatever version is served, and the versions meshtop reads it in, most preferred first. */
export interface RouteKindPlace extends Omit<RouteResource, 'version'> {
	/** Served versions meshtop understands, most preferred first. */
	versions: readonly string[];
}

/** Each route kind's group, plural, resource name and preferred versions: the one place they are paired. */
export const routeKindPlaces: Readonly<Record<RouteObjectKind, RouteKindPlace>> = {
	VirtualService: {group: istioGroup, plural: 'virtualservices', resource: virtualServicesResource, versions: istioVersionPreference},
	HTTPRoute: {group: gatewayGroup, plural: 'httproutes', resource: httpRoutesResource, versions: gatewayVersionPreference},
};
/** Resource name of DestinationRules as errors and RBAC spell it. */
export const destinationRulesResource = `destinationrules.${istioGroup}`;

/** A DestinationRule object as [name, info]; undefined when it has no name or host. */
export function destinationRuleEntry(object: unknown): [string, DestinationRuleInfo] | undefined {
	const metadata = isObject(object) ? object['metadata'] : undefined;
	const name = isObject(metadata) ? metadata['name'] : undefined;
	const info = destinationRuleInfo(object);
	return typeof name === 'string' && info !== undefined ? [name, info] : undefined;
}

/**
 * Checks the shape enough that the rest of the app can rely on metadata.name and spec; `apiVersion` and `kind` fill
 * what list items of custom resources may omit (default: a VirtualService of networking.istio.io/`apiVersion`).
 */
export function asVirtualService(object: unknown, apiVersion: string, kind: RouteObjectKind = 'VirtualService'): VirtualService | undefined {
	if (!isObject(object) || !isObject(object['metadata']) || typeof object['metadata']['name'] !== 'string') {
		return undefined;
	}

	// List items of custom resources may omit apiVersion/kind; the model needs them for display and writes.
	return {
		...object,
		apiVersion: typeof object['apiVersion'] === 'string' ? object['apiVersion'] : `${routeKindPlaces[kind].group}/${apiVersion}`,
		kind: typeof object['kind'] === 'string' ? object['kind'] : kind,
		metadata: object['metadata'] as VirtualService['metadata'],
		spec: isObject(object['spec']) ? object['spec'] : {},
	};
}
