import {describe, test} from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
	applyJsonPatch, routesOf, type Route, type VirtualService,
} from '../../source/domain/virtual-service.js';
import {weightPatch} from '../../source/domain/weight-patch.js';
import {normalizeWeights} from '../../source/domain/weights.js';
import {bookinfoRules, bookinfoVs as sharedBookinfoVs} from '../helpers/bookinfo.js';

const rules = bookinfoRules;

function bookinfoVs(file: string, name = 'reviews'): VirtualService {
	return sharedBookinfoVs(file, name, '41');
}

function firstRoute(document: VirtualService, index = 0): Route {
	const route = routesOf(document, rules)[index];
	assert.ok(route);
	return route;
}

type Json = Record<string, unknown>;

describe('weightPatch on the Bookinfo fixtures', () => {
	test('all-v1 reviews + {v1: 50, v3: 50} gives exactly the spec of virtual-service-reviews-50-v3.yaml', () => {
		const before = bookinfoVs('virtual-service-all-v1.yaml');
		const patch = weightPatch(before, firstRoute(before), {v1: 50, v3: 50});
		assert.deepEqual(patch, [
			{op: 'test', path: '/metadata/resourceVersion', value: '41'},
			{op: 'test', path: '/spec/http/0/route/0/destination', value: {host: 'reviews', subset: 'v1'}},
			{op: 'add', path: '/spec/http/0/route/0/weight', value: 50},
			{op: 'add', path: '/spec/http/0/route/-', value: {destination: {host: 'reviews', subset: 'v3'}, weight: 50}},
		]);
		const after = applyJsonPatch(before, patch);
		assert.deepEqual(after.spec, bookinfoVs('virtual-service-reviews-50-v3.yaml').spec);
		assert.deepEqual(after.metadata, before.metadata);
		// The input is a value: previews must not alter what is on screen.
		assert.deepEqual(before.spec, bookinfoVs('virtual-service-all-v1.yaml').spec);
	});

	test('80-20 → v2 100: existing weights are replaced after testing them, v1 is kept at weight 0', () => {
		const before = bookinfoVs('virtual-service-reviews-80-20.yaml');
		const patch = weightPatch(before, firstRoute(before), {v2: 100});
		assert.deepEqual(patch.filter(operation => operation.op !== 'test'), [
			{op: 'replace', path: '/spec/http/0/route/0/weight', value: 0},
			{op: 'replace', path: '/spec/http/0/route/1/weight', value: 100},
		]);
		assert.ok(patch.some(operation => operation.op === 'test' && operation.path === '/spec/http/0/route/0/weight' && operation.value === 80));
		const after = applyJsonPatch(before, patch);
		assert.deepEqual((after.spec['http'] as Json[])[0], {route: [
			{destination: {host: 'reviews', subset: 'v1'}, weight: 0},
			{destination: {host: 'reviews', subset: 'v2'}, weight: 100},
		]});
	});

	test('unchanged weights are not written; appended versions at 0 are not added', () => {
		const before = bookinfoVs('virtual-service-reviews-80-20.yaml');
		assert.deepEqual(weightPatch(before, firstRoute(before), {v1: 80, v2: 20, v3: 0}), [{op: 'test', path: '/metadata/resourceVersion', value: '41'}]);
	});

	test('the second http route of test-v2 is patched at its own index, the first is untouched', () => {
		const before = bookinfoVs('virtual-service-reviews-test-v2.yaml');
		const after = applyJsonPatch(before, weightPatch(before, firstRoute(before, 1), {v1: 75, v3: 25}));
		const http = after.spec['http'] as Json[];
		assert.deepEqual(http[0], (before.spec['http'] as Json[])[0]);
		assert.deepEqual(http[1], {route: [
			{destination: {host: 'reviews', subset: 'v1'}, weight: 75},
			{destination: {host: 'reviews', subset: 'v3'}, weight: 25},
		]});
	});

	test('a stale resourceVersion makes the patch fail, leaving the document as it was', () => {
		const before = bookinfoVs('virtual-service-all-v1.yaml');
		const patch = weightPatch(before, firstRoute(before), {v1: 50, v3: 50});
		const someoneElses = {...before, metadata: {...before.metadata, resourceVersion: '42'}};
		assert.throws(() => applyJsonPatch(someoneElses, patch), /test failed at \/metadata\/resourceVersion: expected "41", found "42"/);
		assert.equal(someoneElses.metadata.resourceVersion, '42');
	});

	test('a destination moved by someone else makes the patch fail even without the resourceVersion test', () => {
		const before = bookinfoVs('virtual-service-reviews-80-20.yaml');
		const patch = weightPatch(before, firstRoute(before), {v1: 50, v2: 50}).slice(1);
		const swapped = applyJsonPatch(before, [
			{op: 'replace', path: '/spec/http/0/route/0', value: {destination: {host: 'reviews', subset: 'v2'}, weight: 20}},
			{op: 'replace', path: '/spec/http/0/route/1', value: {destination: {host: 'reviews', subset: 'v1'}, weight: 80}},
		]);
		assert.throws(() => applyJsonPatch(swapped, patch), /test failed at \/spec\/http\/0\/route\/0\/destination/);
	});
});

describe('weightPatch refuses bad requests with clear errors', () => {
	const before = bookinfoVs('virtual-service-all-v1.yaml');
	const route = firstRoute(before);

	test('weights not summing to 100, out of range, or for unknown versions', () => {
		assert.throws(() => weightPatch(before, route, {v1: 50, v3: 40}), /sum to 100 \(got 90\)/);
		assert.throws(() => weightPatch(before, route, {v1: 150, v3: -50}), /integer 0\.\.100/);
		assert.throws(() => weightPatch(before, route, {v1: 50.5, v3: 49.5}), /integer 0\.\.100/);
		assert.throws(() => weightPatch(before, route, {v1: 50, v9: 50}), /no version "v9"/);
	});

	test('read-only routes', () => {
		const tcp: VirtualService = {...before, spec: {hosts: ['reviews'], tcp: [{route: [{destination: {host: 'reviews', subset: 'v1'}}]}]}};
		assert.throws(() => weightPatch(tcp, firstRoute(tcp), {v1: 100}), /read-only: TCP route/);
	});

	test('a VirtualService without resourceVersion (no conflict safety)', () => {
		const bare: VirtualService = {...before, metadata: {name: 'reviews', namespace: 'bookinfo'}};
		assert.throws(() => weightPatch(bare, route, {v1: 50, v3: 50}), /no metadata\.resourceVersion/);
	});

	test('a route model that does not belong to the VirtualService', () => {
		const other = bookinfoVs('virtual-service-reviews-v3.yaml');
		assert.throws(() => weightPatch(other, route, {v1: 50, v3: 50}), /does not match/);
	});
});

/** Arbitrary JSON-ish extras: what other tools and newer Istio versions put in a VirtualService. */
const extra = fc.dictionary(fc.constantFrom('x-team', 'fault', 'corsPolicy', 'mirror', 'mirrorPercentage', 'headers', 'futureField'), fc.jsonValue({maxDepth: 2}), {maxKeys: 3});

const destinationEntry = fc.record({
	host: fc.constantFrom('reviews', 'reviews.bookinfo.svc.cluster.local', 'ratings'),
	subset: fc.option(fc.constantFrom('v1', 'v2', 'v3'), {nil: undefined}),
	weight: fc.option(fc.nat(100), {nil: undefined}),
	port: fc.option(fc.constantFrom(9080, 8080), {nil: undefined}),
	extra,
}).map(({host, subset, weight, port, extra: fields}) => ({
	...fields,
	destination: {host, ...(subset === undefined ? {} : {subset}), ...(port === undefined ? {} : {port: {number: port}})},
	...(weight === undefined ? {} : {weight}),
}));

const httpRoute = fc.record({
	name: fc.option(fc.constantFrom('canary', 'primary'), {nil: undefined}),
	match: fc.option(fc.constant([{headers: {'end-user': {exact: 'jason'}}}, {uri: {prefix: '/api'}}]), {nil: undefined}),
	retries: fc.option(fc.record({attempts: fc.nat(5), perTryTimeout: fc.constantFrom('2s', '500ms'), retryOn: fc.constant('5xx,reset')}), {nil: undefined}),
	timeout: fc.option(fc.constantFrom('10s', '1.5s'), {nil: undefined}),
	route: fc.array(destinationEntry, {minLength: 1, maxLength: 4}),
	extra,
}).map(({extra: fields, ...known}) => Object.fromEntries(Object.entries({...fields, ...known}).filter(([, value]) => value !== undefined)));

const document = fc.record({
	http: fc.array(httpRoute, {minLength: 1, maxLength: 3}),
	specExtra: extra,
	metadataExtra: fc.record({uid: fc.uuid(), creationTimestamp: fc.constant('2024-05-01T10:00:00Z')}),
	status: fc.jsonValue({maxDepth: 2}),
	resourceVersion: fc.integer({min: 1, max: 1_000_000}).map(String),
}).map(({http, specExtra, metadataExtra, status, resourceVersion}): VirtualService => ({
	apiVersion: 'networking.istio.io/v1',
	kind: 'VirtualService',
	metadata: {name: 'reviews', namespace: 'bookinfo', resourceVersion, annotations: {owner: 'team-a'}, ...metadataExtra},
	spec: {...specExtra, hosts: ['reviews'], gateways: ['mesh'], http},
	status,
}));

/** A document + one of its routes + a random split over that route's versions. */
const patchCase = document.chain(vs => {
	const routes = routesOf(vs, rules);
	return fc.nat(routes.length - 1).chain(index => {
		const route = routes[index]!;
		return fc.array(fc.nat(100), {minLength: route.destinations.length, maxLength: route.destinations.length})
			.filter(raw => raw.some(value => value > 0))
			.map(raw => {
				const split = normalizeWeights(raw);
				return {vs, route, weights: Object.fromEntries(route.destinations.map((destination, position) => [destination.key, split[position] ?? 0]))};
			});
	});
});

/** The document with every route destination's weight removed and appended destinations dropped. */
function withoutWeights(vs: VirtualService, routeIndex: number, keep: number): unknown {
	const copy = structuredClone(vs);
	const http = copy.spec['http'] as Json[];
	for (const [index, route] of http.entries()) {
		const entries = route['route'] as Json[];
		if (index === routeIndex) {
			entries.splice(keep);
			for (const entry of entries) {
				delete entry['weight'];
			}
		}
	}

	return copy;
}

describe('weightPatch properties', () => {
	test('only weights change (and destinations are appended); everything else survives byte for byte', () => {
		fc.assert(fc.property(patchCase, ({vs, route, weights}) => {
			const patch = weightPatch(vs, route, weights);
			assert.deepEqual(patch[0], {op: 'test', path: '/metadata/resourceVersion', value: vs.metadata.resourceVersion});
			const after = applyJsonPatch(vs, patch);
			const existing = ((vs.spec['http'] as Json[])[route.index]!['route'] as unknown[]).length;
			assert.equal(JSON.stringify(withoutWeights(after, route.index, existing)), JSON.stringify(withoutWeights(vs, route.index, existing)));
			const entries = (after.spec['http'] as Json[])[route.index]!['route'] as Json[];
			for (const destination of route.destinations.filter(item => item.index !== undefined)) {
				assert.equal(entries[destination.index!]!['weight'], weights[destination.key]);
			}

			const added = route.destinations.filter(item => item.index === undefined && (weights[item.key] ?? 0) > 0);
			assert.deepEqual(entries.slice(existing), added.map(item => ({destination: {host: item.host, subset: item.subset}, weight: weights[item.key]})));
			// Read back, the route carries exactly the requested split.
			const reread = routesOf(after, rules).find(item => item.kind === 'http' && item.index === route.index);
			assert.ok(reread);
			assert.deepEqual(Object.fromEntries(reread.destinations.map(item => [item.key, item.weight])), {...weights});
		}));
	});

	test('a patch never applies to a newer version of the object', () => {
		fc.assert(fc.property(patchCase, ({vs, route, weights}) => {
			const patch = weightPatch(vs, route, weights);
			const newer = {...vs, metadata: {...vs.metadata, resourceVersion: `${vs.metadata.resourceVersion ?? ''}1`}};
			assert.throws(() => applyJsonPatch(newer, patch), /resourceVersion/);
		}));
	});
});
