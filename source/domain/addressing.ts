/**
 * Addressing route objects as kubectl does: `reviews`, `vs/reviews`, `httproute/reviews`. The console's map of route
 * objects is keyed by address, so a VirtualService and an HTTPRoute of the same name live side by side.
 */
import type {RouteObjectKind, VirtualService} from './virtual-service.js';

/** kubectl's spellings of each kind (singular, plural, short name, fully qualified). */
const kindNames: ReadonlyArray<[RouteObjectKind, readonly string[]]> = [
	['VirtualService', ['vs', 'virtualservice', 'virtualservices', 'virtualservice.networking.istio.io', 'virtualservices.networking.istio.io']],
	['HTTPRoute', ['httproute', 'httproutes', 'httproute.gateway.networking.k8s.io', 'httproutes.gateway.networking.k8s.io']],
];

/** What the user typed: a name, and the kind when they said it (`httproute/reviews`). */
export interface RouteAddress {
	/** The object's name. */
	name: string;
	/** The kind, when given; undefined means either. */
	kind?: RouteObjectKind;
}

/** Parses `reviews`, `vs/reviews`, `httproute/reviews` (case-insensitive kind); throws on an unknown kind. */
export function parseRouteAddress(text: string): RouteAddress {
	const slash = text.indexOf('/');
	if (slash < 0) {
		return {name: text};
	}

	const kindText = text.slice(0, slash).toLowerCase();
	const name = text.slice(slash + 1);
	const kind = kindNames.find(([, names]) => names.includes(kindText))?.[0];
	if (kind === undefined || name === '' || name.includes('/')) {
		throw new Error(`"${text}" is not a route: use NAME, vs/NAME or httproute/NAME`);
	}

	return {name, kind};
}

/** The key of an object in the console's map: a VirtualService by its name (as before HTTPRoutes), an HTTPRoute as `httproute/NAME`. */
export function routeAddress(object: Pick<VirtualService, 'kind' | 'metadata'>): string {
	return addressOf(object.kind === 'HTTPRoute' ? 'HTTPRoute' : 'VirtualService', object.metadata.name);
}

/** The map key of a kind and name (see {@link routeAddress}). */
export function addressOf(kind: RouteObjectKind, name: string): string {
	return kind === 'HTTPRoute' ? `httproute/${name}` : name;
}

/** How an address resolves against the objects there are: one key, several (both kinds: ask), or none. */
export type AddressMatch = {kind: 'one'; key: string} | {kind: 'several'; keys: string[]} | {kind: 'none'};

/** Resolves what the user typed against the map keys: an explicit kind chooses; a bare name matching both kinds is ambiguous. */
export function resolveRouteAddress(text: string, keys: Iterable<string>): AddressMatch {
	const address = parseRouteAddress(text);
	const known = new Set(keys);
	const candidates = (address.kind === undefined ? (['VirtualService', 'HTTPRoute'] as const) : [address.kind])
		.map(kind => addressOf(kind, address.name))
		.filter(key => known.has(key));
	if (candidates.length === 0) {
		return {kind: 'none'};
	}

	return candidates.length === 1 ? {kind: 'one', key: candidates[0]!} : {kind: 'several', keys: candidates};
}

/** "HTTPRoute reviews" or "VirtualService reviews" for a map key, as messages name the object. */
export function describeAddress(key: string): string {
	return key.startsWith('httproute/') ? `HTTPRoute ${key.slice('httproute/'.length)}` : `VirtualService ${key}`;
}
