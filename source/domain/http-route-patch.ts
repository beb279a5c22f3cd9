/**
 * A staged split → the JSON Patch that writes it on an HTTPRoute rule: only `spec.rules[i].backendRefs[*].weight`
 * and appended backendRefs change; matches, filters (RequestMirror included), timeouts and unknown fields stay as they are.
 */
import type {JsonPatchOperation, Route, RouteObject} from './virtual-service.js';
import {isRecord} from '../util/guards.js';
import {entryWeightChange} from './entry-weight.js';
import {apportion} from './weights.js';

/** The largest backendRef weight the Gateway API's schema allows. */
export const maxBackendWeight = 1_000_000;

/** A backendRef's weight as the Gateway API counts it: omitted = 1, anything not a positive number = 0. */
function effectiveWeight(entry: unknown): number {
	const weight = isRecord(entry) ? entry['weight'] : undefined;
	if (weight === undefined) {
		return 1;
	}

	return typeof weight === 'number' && Number.isFinite(weight) && weight > 0 ? weight : 0;
}

/**
 * The integers to write for the rule's Service backends. Without read-only backends holding weight, the staged
 * percentages themselves (sum 100). With them, their entries stay untouched, so their share is kept only if the Service
 * backends share exactly the rest of the rule's current total in its own units: the staged percentages are
 * apportioned over that rest (equal to the percentages when the rule's weights sum to 100, as meshtop writes them).
 * Throws when a read-only backend was staged at another weight than it has.
 */
function writtenWeights(entries: readonly unknown[], rule: Route, weights: Readonly<Record<string, number>>): Record<string, number> {
	const fixed = rule.destinations.filter(destination => destination.readOnly !== undefined);
	for (const destination of fixed) {
		if ((weights[destination.key] ?? 0) !== destination.weight) {
			throw new Error(`${destination.key} is read-only (${destination.readOnly ?? ''}): its weight stays ${destination.weight}`);
		}
	}

	const fixedRaw = fixed.reduce((sum, destination) => sum + (destination.index === undefined ? 0 : effectiveWeight(entries[destination.index])), 0);
	const movable = rule.destinations.filter(destination => destination.readOnly === undefined);
	if (fixedRaw === 0) {
		return Object.fromEntries(movable.map(destination => [destination.key, weights[destination.key] ?? 0]));
	}

	const total = rule.destinations.reduce((sum, destination) => sum + (destination.index === undefined ? 0 : effectiveWeight(entries[destination.index])), 0);
	const units = apportion(total - fixedRaw, movable.map(destination => weights[destination.key] ?? 0));
	const largest = Math.max(0, ...units);
	if (largest > maxBackendWeight) {
		// The kept backends' share cannot be kept within the schema's range: refuse rather than send what the API
		// server rejects, or change the share of a backend meshtop does not manage.
		const keptNames = fixed.map(destination => destination.key).join(', ');
		throw new Error(`keeping the share of ${keptNames} needs a weight of ${largest} on a Service backend, above the Gateway API's maximum of ${maxBackendWeight}: lower the rule's weights with kubectl first`);
	}

	return Object.fromEntries(movable.map((destination, position) => [destination.key, units[position] ?? 0]));
}

/**
 * The patch setting `weights` (checked by the caller: keys of the route, integers summing to 100) on HTTPRoute rule
 * `route`: a `test` of /metadata/resourceVersion first, a `test` of each changed backendRef's name before its weight is
 * written (add when the weight was omitted, replace otherwise), and `add` of `{name, port, weight}` at
 * `/spec/rules/N/backendRefs/-` for a new version with a weight above 0. Omitted weights count as 1 in Gateway API, so
 * every backend whose written weight differs from what is there gets an explicit one. Throws when `route` does not
 * match the object (re-read it) or the object has no resourceVersion. Backends of another kind (`readOnly`) are never
 * touched: their weight must be staged as it is, and the Service backends are written around it (see writtenWeights).
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
	const written = writtenWeights(entries, rule, weights);
	for (const destination of rule.destinations) {
		if (destination.readOnly !== undefined) {
			continue;
		}

		const weight = written[destination.key] ?? 0;
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
