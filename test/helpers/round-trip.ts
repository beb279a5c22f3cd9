/**
 * One fuzzed round trip: create a generated VirtualService or HTTPRoute on the API server (its CRD schema and CEL rules
 * judge it, with fieldValidation=Strict so a field the schema does not know is an error rather than silently pruned),
 * give a VirtualService a status with a field the schema preserves unknown, shift one of its routes with meshtop's
 * write service through the kube adapter, read it back, and compare: the object as created with only the shifted
 * route's weights replaced by the requested ones. Shared by test/write/round-trip.test.ts and the chaos row.
 */
import {isDeepStrictEqual} from 'node:util';
import fc from 'fast-check';
import {routesOf, type Route, type RouteObjectKind} from '../../source/domain/virtual-service.js';
import type {IstioApi} from '../../source/kube/istio-api.js';
import type {WeightChange} from '../../source/domain/weight-change.js';
import {createSplitWriter} from '../../source/write/split-writer.js';
import {httpRouteArbitrary} from './arbitraries/http-route.js';
import {virtualServiceArbitrary} from './arbitraries/virtual-service.js';
import type {FuzzObject, Json} from './arbitraries/common.js';
import {rawRequest, type RawEndpoint} from './raw-api.js';

/** One case: the object, which weighable route to shift, and where to cut 0..100 into the new weights. */
export interface RoundTripCase {
	object: FuzzObject;
	pick: number;
	cuts: number[];
}

/** VirtualServices and HTTPRoutes, half each. */
export const roundTripCaseArbitrary: fc.Arbitrary<RoundTripCase> = fc.record({
	object: fc.oneof(virtualServiceArbitrary, httpRouteArbitrary),
	pick: fc.nat(),
	cuts: fc.array(fc.integer({min: 0, max: 100}), {minLength: 16, maxLength: 16}),
});

/** How a case ended. `rejected` means the server refused the generated object: a bug of the arbitraries. */
export type RoundTripOutcome =
	| {kind: 'shifted'; objectKind: RouteObjectKind}
	| {kind: 'read-only'; objectKind: RouteObjectKind}
	| {kind: 'rejected'; objectKind: RouteObjectKind; message: string}
	| {kind: 'mismatch'; objectKind: RouteObjectKind; message: string};

/** Where cases run: a namespace of their own on the server, as the admin. */
export interface RoundTripTarget {
	endpoint: RawEndpoint;
	/** The product's adapter, as the admin, for this namespace. */
	api: IstioApi;
	namespace: string;
}

/** Weights summing to 100 over `count` destinations, cut where `cuts` say. */
export function splitOf(cuts: readonly number[], count: number, total = 100): number[] {
	const points = [0, ...cuts.slice(0, count - 1).map(cut => Math.round(cut * total / 100)).toSorted((a, b) => a - b), total];
	return points.slice(1).map((point, index) => point - points[index]!);
}

function collection(kind: RouteObjectKind, namespace: string): string {
	return kind === 'HTTPRoute'
		? `/apis/gateway.networking.k8s.io/v1/namespaces/${namespace}/httproutes`
		: `/apis/networking.istio.io/v1/namespaces/${namespace}/virtualservices`;
}

/** Creates the cases' namespace if it is not there. */
export async function ensureNamespace(endpoint: RawEndpoint, namespace: string): Promise<void> {
	const answer = await rawRequest(endpoint, 'POST', '/api/v1/namespaces', {body: {apiVersion: 'v1', kind: 'Namespace', metadata: {name: namespace}}});
	if (answer.code !== 201 && answer.code !== 409) {
		throw new Error(`namespace ${namespace}: HTTP ${answer.code} ${answer.text}`);
	}
}

type Stored = {metadata: Record<string, Json>; spec: Record<string, Json>; [key: string]: Json};

/** What may differ after any write: metadata the server maintains. */
function comparable(object: Stored): Stored {
	const {resourceVersion: _version, generation: _generation, managedFields: _fields, ...metadata} = object.metadata;
	return {...object, metadata};
}

/** The object as created with the route's existing entries at the requested weights. */
function expectedAfter(created: Stored, kind: RouteObjectKind, route: Route, weights: Readonly<Record<string, number>>): Stored {
	const expected = structuredClone(created);
	const list = kind === 'HTTPRoute'
		? (expected.spec['rules'] as Array<{backendRefs: Array<Record<string, Json>>}>)[route.index]!.backendRefs
		: (expected.spec['http'] as Array<{route: Array<Record<string, Json>>}>)[route.index]!.route;
	for (const destination of route.destinations) {
		list[destination.index!]!['weight'] = weights[destination.key]!;
	}

	return expected;
}

/** The weight a backendRef counts for in Gateway API: omitted = 1. */
function rawWeight(entry: Record<string, Json> | undefined): number {
	const weight = entry?.['weight'];
	return weight === undefined ? 1 : typeof weight === 'number' ? weight : 0;
}

/**
 * A rule with backends of another kind: those entries and every other field stay as created, and the Service backends
 * are written in the rule's own units: each one's share of the read-back rule is its part of the requested split of
 * what the kept backends leave, within one unit.
 */
function keptDifference(created: Stored, readBack: Stored, route: Route, weights: Readonly<Record<string, number>>): string {
	const entries = (readBack.spec['rules'] as Array<{backendRefs: Array<Record<string, Json>>}>)[route.index]!.backendRefs;
	const total = entries.reduce((sum, entry) => sum + rawWeight(entry), 0);
	const movable = route.destinations.filter(destination => destination.readOnly === undefined);
	// The kept backends' exact share (not the rounded percentage shown) is what the Service backends share the rest of.
	const keptShare = total === 0 ? 0 : route.destinations
		.filter(destination => destination.readOnly !== undefined)
		.reduce((sum, destination) => sum + rawWeight(entries[destination.index!]), 0) * 100 / total;
	const requested = movable.reduce((sum, destination) => sum + weights[destination.key]!, 0);
	for (const destination of requested === 0 ? [] : movable) {
		const share = total === 0 ? 0 : rawWeight(entries[destination.index!]) * 100 / total;
		const expected = weights[destination.key]! / requested * (100 - keptShare);
		if (Math.abs(share - expected) > 100 / Math.max(1, total) + 1e-9) {
			return `${destination.key}: share ${share.toFixed(2)}% of ${total} units, expected ${expected.toFixed(2)}% (requested ${weights[destination.key]}%)`;
		}
	}

	const asWritten = Object.fromEntries(movable.map(destination => [destination.key, rawWeight(entries[destination.index!])]));
	return firstDifference(comparable(readBack), comparable(expectedAfter(created, 'HTTPRoute', {...route, destinations: movable}, asWritten)));
}

function firstDifference(actual: unknown, expected: unknown, path = ''): string {
	if (isDeepStrictEqual(actual, expected)) {
		return '';
	}

	if (typeof actual === 'object' && actual !== null && typeof expected === 'object' && expected !== null && Array.isArray(actual) === Array.isArray(expected)) {
		const keys = new Set([...Object.keys(actual), ...Object.keys(expected)]);
		for (const key of keys) {
			const inner = firstDifference((actual as Record<string, unknown>)[key], (expected as Record<string, unknown>)[key], `${path}.${key}`);
			if (inner !== '') {
				return inner;
			}
		}
	}

	return `${path}: got ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`;
}

/** Runs one case under `name`; the object is deleted afterwards whatever happened. */
export async function runRoundTrip(target: RoundTripTarget, name: string, testCase: RoundTripCase): Promise<RoundTripOutcome> {
	const objectKind = testCase.object.kind;
	const base = collection(objectKind, target.namespace);
	const object = {...testCase.object, metadata: {...testCase.object.metadata, name, namespace: target.namespace}};
	const create = await rawRequest(target.endpoint, 'POST', `${base}?fieldValidation=Strict`, {body: object});
	if (create.code !== 201) {
		return {kind: 'rejected', objectKind, message: `HTTP ${create.code}: ${create.text.slice(0, 600)}`};
	}

	try {
		let created = create.body as Stored;
		if (objectKind === 'VirtualService') {
			// The VirtualService schema keeps unknown fields under status (a subresource): one rides along untouched.
			if (!isDeepStrictEqual(created.spec, JSON.parse(JSON.stringify(object.spec)))) {
				return {kind: 'mismatch', objectKind, message: `the server changed the spec on create ${firstDifference(created.spec, object.spec, 'spec')}`};
			}

			const status = await rawRequest(target.endpoint, 'PUT', `${base}/${name}/status`, {body: {...created, status: {'meshtop.fuzz/unknown': {nested: [1, 'two', {three: true}]}}}});
			if (status.code !== 200) {
				return {kind: 'rejected', objectKind, message: `status: HTTP ${status.code}: ${status.text.slice(0, 300)}`};
			}

			created = status.body as Stored;
		}

		const vs = await target.api.getRoute(objectKind, target.namespace, name);
		const routes = routesOf(vs);
		const editable = routes.filter(route => route.editable);
		const trail: WeightChange[] = [];
		const writer = createSplitWriter({
			store: target.api,
			trail: {record: async record => (trail.push(record), {record, warnings: []})},
			writer: {user: 'admin', context: 'testbed', namespace: target.namespace},
		});
		const route = editable.length > 0 ? editable[testCase.pick % editable.length]! : routes[testCase.pick % Math.max(1, routes.length)];
		if (route === undefined) {
			return {kind: 'mismatch', objectKind, message: 'no routes at all were read from the object'};
		}

		// Backends of another kind keep their share (read-only one by one); the Service backends share the rest.
		const kept = route.destinations.filter(destination => destination.readOnly !== undefined);
		const movable = route.destinations.filter(destination => destination.readOnly === undefined);
		const split = splitOf(testCase.cuts, movable.length, 100 - kept.reduce((sum, destination) => sum + destination.weight, 0));
		const weights = Object.fromEntries([
			...movable.map((destination, index) => [destination.key, split[index]!] as const),
			...kept.map(destination => [destination.key, destination.weight] as const),
		]);
		const outcome = await writer.write({vs, route, change: {weights}, reason: {source: 'set', note: 'round trip'}});
		const readBack = (await rawRequest(target.endpoint, 'GET', `${base}/${name}`)).body as Stored;
		if (!route.editable) {
			// A read-only route (delegate, redirect, direct response, non-Service backend): refused, nothing sent.
			if (outcome.kind !== 'invalid' || trail.length > 0) {
				return {kind: 'mismatch', objectKind, message: `write on read-only ${route.name} (${route.readOnlyReason ?? ''}) ended ${outcome.kind}`};
			}

			const difference = firstDifference(readBack, created);
			return difference === '' ? {kind: 'read-only', objectKind} : {kind: 'mismatch', objectKind, message: `a refused write changed the object ${difference}`};
		}

		if (kept.length > 0 && outcome.kind === 'invalid' && outcome.message.includes('above the Gateway API\'s maximum')) {
			// Keeping another-kind backends' share would need a weight past the schema's range: refused, nothing sent.
			const difference = trail.length === 0 ? firstDifference(readBack, created) : 'a trail entry was written';
			return difference === '' ? {kind: 'read-only', objectKind} : {kind: 'mismatch', objectKind, message: `a refused write changed the object ${difference}`};
		}

		if (outcome.kind !== 'written') {
			return {kind: 'mismatch', objectKind, message: `write of ${JSON.stringify(weights)} on ${route.name}: ${outcome.kind} ${outcome.message}`};
		}

		const difference = kept.length === 0
			? firstDifference(comparable(readBack), comparable(expectedAfter(created, objectKind, route, weights)))
			: keptDifference(created, readBack, route, weights);
		if (difference !== '') {
			return {kind: 'mismatch', objectKind, message: `after shifting ${route.name} to ${JSON.stringify(weights)}: ${difference}`};
		}

		const record = trail[0];
		if (trail.length !== 1 || !isDeepStrictEqual(record?.after, weights) || record?.resourceVersionAfter !== readBack.metadata['resourceVersion']) {
			return {kind: 'mismatch', objectKind, message: `trail ${JSON.stringify(trail)} does not record ${JSON.stringify(weights)} at resourceVersion ${JSON.stringify(readBack.metadata['resourceVersion'])}`};
		}

		return {kind: 'shifted', objectKind};
	} finally {
		await rawRequest(target.endpoint, 'DELETE', `${base}/${name}`);
	}
}
