/**
 * The VirtualService model meshtop works with: types shared by the whole app, and the entry point that re-exports
 * the operations (split into small modules: routes, validation, weight patch, JSON Patch, GitOps ownership).
 */

/**
 * A route object as the API returns it: a networking.istio.io VirtualService or a gateway.networking.k8s.io HTTPRoute
 * (told apart by `kind`); unknown fields are kept so writes never drop them. The name predates HTTPRoute support: see
 * {@link RouteObject}, the kind-neutral name of the same type.
 */
export interface VirtualService {
	apiVersion: string;
	kind: string;
	metadata: {
		name: string;
		namespace?: string;
		resourceVersion?: string;
		generation?: number;
		labels?: Record<string, string>;
		annotations?: Record<string, string>;
		[key: string]: unknown;
	};
	spec: Record<string, unknown>;
	[key: string]: unknown;
}

/** The kind-neutral name of a route object (VirtualService or HTTPRoute): `routesOf` maps either to the split model. */
export type RouteObject = VirtualService;

/** The kinds of route object meshtop reads and writes; a later kind (GRPCRoute) is one more adapter. */
export type RouteObjectKind = 'VirtualService' | 'HTTPRoute';

/** What meshtop needs of a core/v1 Service: HTTPRoute backends are Services (one per version, as in bookinfo-versions.yaml). */
export interface ServiceInfo {
	/** The Service's name. */
	name: string;
	/** Its namespace. */
	namespace: string;
	/** `spec.selector` (absent: a Service without selector, never a version candidate). */
	selector?: Record<string, string>;
	/** `spec.ports[*].port`, in order (an added backendRef needs one: the API server's CEL rules require a port for Services). */
	ports: number[];
}

/** What meshtop needs of a DestinationRule. */
export interface DestinationRuleInfo {
	/** The rule's `spec.host` as written (short names are relative to the rule's namespace, assumed to be the VirtualService's). */
	host: string;
	/** Subsets with their pod labels; the `version` label tells which Istio metric series a subset produces. */
	subsets: {name: string; labels: Record<string, string>}[];
}

/** One version the user can give traffic to: a route destination, or a DestinationRule subset the route does not list yet. */
export interface Destination {
	/** Stable key shown as the version name: the subset name, or the host when the destination has no subset (host-per-version setups). Unique within a route. */
	key: string;
	/** The host as written in the route (kept verbatim so an added destination uses the same spelling). */
	host: string;
	/** The DestinationRule subset, when the destination names one. */
	subset?: string;
	/** Normalized configured weight 0..100 (see normalizeWeights). */
	weight: number;
	/** Position in the route's destination array; undefined for DestinationRule subsets not yet in the route (shown at weight 0, added by a write). */
	index?: number;
	/** Which Istio metric series belong to this destination: destination_service_name (short host name) and, when known, destination_version (the subset's `version` label; undefined for host-per-version = any version of that service). */
	metric: {service: string; namespace?: string; version?: string};
	/** A problem the user must see, e.g. "subset v4 is not defined in DestinationRule reviews: Istio answers 503 (NR)". */
	problem?: string;
	/** HTTPRoute backends: the `version` label of the Service's selector, shown beside the Service name (`reviews-v3 (v3)`) and accepted by `set`. */
	label?: string;
	/** HTTPRoute backends: the port an added backendRef gets (the rule's other backends' port, else the Service's first). */
	port?: number;
	/**
	 * Why this version's weight cannot change (an HTTPRoute backend of another kind than a core Service): it is shown
	 * and counts in the split, staging and `set` keep its weight, and a write never touches its entry.
	 */
	readOnly?: string;
}

/** One http/tcp/tls route of a VirtualService, with the versions it splits traffic between. */
export interface Route {
	/** The route's protocol section. */
	kind: 'http' | 'tcp' | 'tls';
	/** Index within spec[kind]. */
	index: number;
	/** The route's `name`, else `http[0]` style. */
	name: string;
	/** Human summary of its match conditions, e.g. "headers end-user exact jason" or "default". */
	match: string;
	/** Whether meshtop may write weights on this route. */
	editable: boolean;
	/** Why not editable: tcp/tls routes, a delegate VirtualService, a route with `redirect`/`direct_response`/`delegate`, no destinations. */
	readOnlyReason?: string;
	/** The route's destinations in array order, then DestinationRule subsets it lacks (no index). */
	destinations: Destination[];
	/** HTTPRoute rules: what the route is attached to, e.g. "Service reviews (mesh)" or "Gateway bookinfo-gateway". */
	parents?: string;
	/** HTTPRoute rules: the same for the header, `mesh` (Service parent, east–west) or `gateway NAME` (north–south). */
	attachment?: string;
	/**
	 * How many routes of the object send traffic (editable http routes/rules). Istio's metrics carry no route label, so with
	 * more than one the observed figures are the whole service's unless {@link Route.exactMetrics} says otherwise.
	 */
	siblings?: number;
	/** True when this route's backends are Services no other route of the object uses: its observed figures are its own. */
	exactMetrics?: boolean;
}

/** RFC 6902 operations. */
export type JsonPatchOperation = {op: 'test' | 'add' | 'replace' | 'remove'; path: string; value?: unknown};

export {routesOf, resolveHost, routeWeights, routeObjectKind, observedScope} from './routes.js';
export {httpRouteRules, serviceInfo, planRefusal} from './http-route.js';
export {validateVirtualService} from './vs-validation.js';
export {applyJsonPatch, JsonPatchError} from './json-patch.js';
export {gitOpsOwner} from './gitops.js';
export {destinationRuleInfo} from './destination-rule.js';
