/**
 * A staged split → the JSON Patch that writes it on an HTTPRoute rule: only `spec.rules[i].backendRefs[*].weight`
 * and appended backendRefs change; matches, filters (RequestMirror included), timeouts and unknown fields stay as they are.
 */
import type {JsonPatchOperation, Route, RouteObject} from './virtual-service.js';
import {isRecord} from '../util/guards.js';
import {entryWeightChange} from './entry-weight.js';

/**
 * The patch setting `weights` (checked by the caller: keys of the route, integers summing to 100) on HTTPRoute rule
 * `route`: a `test` of /metadata/resourceVersion first, a `test` of each changed backendRef's name before its weight is
 * written (add when the weight was omitted, replace otherwise), and `add` of `{name, port, weight}` at
 * `/spec/rules/N/backendRefs/-` for a new version with a weight above 0. Omitted weights count as 1 in Gateway API, so
 * every backend whose written weight differs from what is there gets an explicit one. Throws when `route` does not
 * match the object (re-read it) or the object has no resourceVersion.
 */
export function httpRouteWeightPatch(route: RouteObject, rule: Route, weights: Readonly<Record<string, number>>): JsonPatchOperation[] {
	const resourceVersion = route.metadata.resourceVersion;
	if (typeof resourceVersion !== 'string' || resourceVersion === '') {
		throw new Error(`HTTPRoute ${route.metadata.name} has no metadata.resourceVersion: refusing a write that could overwrite another edit`);
	}

	const rules = route.spec['rules'];
	const ruleObject = Array.isArray(rules) ? rules[rule.index] as unknown : undefined;
	const entries = isRecord(ruleObject) && Array.isArray(ruleObject['backendRefs']) ? ruleObject['backendRefs'] as unknown[] : undefined;
	if (entries === undefined) {
		throw new Error(`rule ${rule.name} is not in HTTPRoute ${route.metadata.name} (spec.rules[${rule.index}] has no backendRefs); re-read it`);
	}

	const base = `/spec/rules/${rule.index}/backendRefs`;
	const operations: JsonPatchOperation[] = [{op: 'test', path: '/metadata/resourceVersion', value: resourceVersion}];
	const writes: JsonPatchOperation[] = [];
	for (const destination of rule.destinations) {
		const weight = weights[destination.key] ?? 0;
		if (destination.index === undefined) {
			if (weight > 0) {
				writes.push({op: 'add', path: `${base}/-`, value: {name: destination.host, ...(destination.port === undefined ? {} : {port: destination.port}), weight}});
			}

			continue;
		}

		const entry = entries[destination.index];
		if (!isRecord(entry) || entry['name'] !== destination.host) {
			throw new Error(`rule ${rule.name} does not match HTTPRoute ${route.metadata.name}: backend ${destination.key} is not at ${base}/${destination.index}; re-read it`);
		}

		if (entry['weight'] === weight) {
			continue;
		}

		const path = `${base}/${destination.index}`;
		operations.push({op: 'test', path: `${path}/name`, value: destination.host});
		const change = entryWeightChange(path, entry, weight);
		operations.push(...change.tests);
		writes.push(change.write);
	}

	return [...operations, ...writes];
}
