import {findResource, type ServedResource} from './resources.js';

/** What a resource URL addresses, parsed from `/api/v1/...` or `/apis/{group}/{version}/...`. */
export interface RequestTarget {
	resource: ServedResource;
	group: string;
	/** The version in the URL; responses are rendered in it. */
	version: string;
	/** Namespace from the URL (undefined for cluster-scoped or all-namespaces requests). */
	namespace?: string;
	/** Object name (undefined for collection requests). */
	name?: string;
	/** Subresource, e.g. `status` or `portforward`. */
	subresource?: string;
	/** True for the legacy `/watch/` path prefix. */
	watchPath: boolean;
}

/** Subresources the sim serves; any other is an unknown path, as on the real server. */
function servesSubresource(resource: ServedResource, subresource: string): boolean {
	if (subresource === 'status') {
		return resource.custom || ['namespaces', 'pods', 'services'].includes(resource.plural);
	}
	return subresource === 'portforward' && resource.plural === 'pods';
}

/** Result of parsing: a target, or why the path is not a served resource. */
export type ParsedTarget = {kind: 'resource'; target: RequestTarget} | {kind: 'unknown'};

/**
 * Parses a resource path. `/api/v1/namespaces/x` is the namespace x, while `/api/v1/namespaces/x/pods`
 * is the pods of namespace x: the segment after the namespace decides, as in the real router.
 */
export function parseResourcePath(pathname: string): ParsedTarget {
	const segments = pathname.split('/').filter(segment => segment !== '').map(segment => decodeURIComponent(segment));
	let group: string;
	let version: string;
	let rest: string[];
	if (segments[0] === 'api' && segments.length >= 3) {
		group = '';
		version = segments[1] ?? '';
		rest = segments.slice(2);
	} else if (segments[0] === 'apis' && segments.length >= 4) {
		group = segments[1] ?? '';
		version = segments[2] ?? '';
		rest = segments.slice(3);
	} else {
		return {kind: 'unknown'};
	}
	let watchPath = false;
	if (rest[0] === 'watch') {
		watchPath = true;
		rest = rest.slice(1);
	}
	let namespace: string | undefined;
	if (rest[0] === 'namespaces' && rest.length >= 3) {
		const candidate = findResource(group, version, rest[2] ?? '');
		if (candidate?.namespaced) {
			namespace = rest[1];
			rest = rest.slice(2);
		}
	}
	const resource = findResource(group, version, rest[0] ?? '');
	if (!resource || rest.length > 3) {
		return {kind: 'unknown'};
	}
	if (resource.namespaced && namespace === undefined && rest.length > 1) {
		// A named namespaced object needs its namespace in the URL.
		return {kind: 'unknown'};
	}
	const target: RequestTarget = {resource, group, version, watchPath};
	if (namespace !== undefined) {
		target.namespace = namespace;
	}
	if (rest[1] !== undefined) {
		target.name = rest[1];
	}
	if (rest[2] !== undefined) {
		if (!servesSubresource(resource, rest[2])) {
			return {kind: 'unknown'};
		}
		target.subresource = rest[2];
	}
	return {kind: 'resource', target};
}
