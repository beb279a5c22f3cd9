/**
 * A staged split → the JSON Patch that writes it, touching nothing but weights (and appended destinations),
 * guarded so that it fails instead of overwriting someone else's edit.
 */
import type {JsonPatchOperation, Route, VirtualService} from './virtual-service.js';
import {cloneJson} from './json-patch.js';
import {httpRouteWeightPatch} from './http-route-patch.js';
import {entryWeightChange} from './entry-weight.js';
import {isRecord} from '../util/guards.js';


function checkWeights(route: Route, weights: Readonly<Record<string, number>>): void {
	const keys = new Set(route.destinations.map(destination => destination.key));
	let total = 0;
	for (const [key, weight] of Object.entries(weights)) {
		if (!keys.has(key)) {
			throw new Error(`route ${route.name} has no version "${key}" (known: ${[...keys].join(', ')})`);
		}

		if (!Number.isInteger(weight) || weight < 0 || weight > 100) {
			throw new Error(`weight of ${key} must be an integer 0..100 (got ${String(weight)})`);
		}

		total += weight;
	}

	if (total !== 100) {
		throw new Error(`weights must sum to 100 (got ${total})`);
	}
}

/**
 * The JSON Patch that sets `weights` (keyed by Destination.key, sum 100) on `route`: FIRST a `test` of
 * /metadata/resourceVersion (conflict safety), then tests of the current values it changes where useful, then replace/add
 * of `weight` on existing destinations (add when the field was absent) and `add` of new destinations at
 * `/spec/http/N/route/-` ({destination: {host, subset}, weight}); it never touches any other field (hosts, matches, retries,
 * timeouts, headers, unknown fields survive byte for byte). Destinations whose weight becomes 0 are kept with weight 0
 * (never removed). Throws a clear Error for a non-editable route or weights not summing to 100.
 *
 * Keys missing from `weights` mean 0. A destination is tested (its whole `destination` object) before its weight is
 * written, so even a server that skipped the resourceVersion test could not put the weight on the wrong version.
 * Appended destinations with weight 0 are not written (nothing to gain). Throws as well when the VirtualService has no
 * resourceVersion (a write without conflict safety is refused) or `route` was not parsed from this VirtualService.
 * An HTTPRoute (`kind: HTTPRoute`) gets the same guarantees on `spec.rules[i].backendRefs` (see httpRouteWeightPatch).
 */
export function weightPatch(vs: VirtualService, route: Route, weights: Readonly<Record<string, number>>): JsonPatchOperation[] {
	if (!route.editable || route.kind !== 'http') {
		throw new Error(`route ${route.name} is read-only: ${route.readOnlyReason ?? `${route.kind} route`}`);
	}

	checkWeights(route, weights);
	if (vs.kind === 'HTTPRoute') {
		// Same checks, the HTTPRoute's paths: the kind is the object's, the split model is shared.
		return httpRouteWeightPatch(vs, route, weights);
	}

	const resourceVersion = vs.metadata.resourceVersion;
	if (typeof resourceVersion !== 'string' || resourceVersion === '') {
		throw new Error(`VirtualService ${vs.metadata.name} has no metadata.resourceVersion: refusing a write that could overwrite another edit`);
	}

	const http = vs.spec['http'];
	const routeObject = Array.isArray(http) ? http[route.index] as unknown : undefined;
	const entries = isRecord(routeObject) && Array.isArray(routeObject['route']) ? routeObject['route'] as unknown[] : undefined;
	if (entries === undefined) {
		throw new Error(`route ${route.name} is not in VirtualService ${vs.metadata.name} (spec.http[${route.index}] has no route list)`);
	}

	const base = `/spec/http/${route.index}/route`;
	const operations: JsonPatchOperation[] = [{op: 'test', path: '/metadata/resourceVersion', value: resourceVersion}];
	const writes: JsonPatchOperation[] = [];
	for (const destination of route.destinations) {
		const weight = weights[destination.key] ?? 0;
		if (destination.index === undefined) {
			if (weight > 0) {
				const target: Record<string, string> = {host: destination.host};
				if (destination.subset !== undefined) {
					target['subset'] = destination.subset;
				}

				writes.push({op: 'add', path: `${base}/-`, value: {destination: target, weight}});
			}

			continue;
		}

		const entry = entries[destination.index];
		const current = isRecord(entry) ? entry['destination'] : undefined;
		if (!isRecord(entry) || !isRecord(current) || current['host'] !== destination.host || (current['subset'] ?? undefined) !== destination.subset) {
			throw new Error(`route ${route.name} does not match VirtualService ${vs.metadata.name}: destination ${destination.key} is not at ${base}/${destination.index}; re-read it`);
		}

		const path = `${base}/${destination.index}`;
		if (entry['weight'] === weight) {
			continue;
		}

		operations.push({op: 'test', path: `${path}/destination`, value: cloneJson(current)});
		const change = entryWeightChange(path, entry, weight);
		operations.push(...change.tests);
		writes.push(change.write);
	}

	return [...operations, ...writes];
}

