/**
 * HTTPRoute → split model → weight patch, on the Gateway API's semantics: relative weights, omitted = 1, 0 = nothing,
 * backends of another kind read-only, filters and every other field untouched by a write.
 */
import {describe, test} from 'node:test';
import assert from 'node:assert/strict';
import {applyJsonPatch, routesOf, serviceInfo, type Route, type RouteObject, type ServiceInfo} from '../../source/domain/virtual-service.js';
import {weightPatch} from '../../source/domain/weight-patch.js';
import {inverseWeightPatch} from '../../source/domain/undo-patch.js';
import {readIstioYaml} from '../../source/sim/istio-data.js';
import {initialPlanForm, planFromForm} from '../../source/state/plan-form.js';

/** The Services of Istio's bookinfo.yaml and bookinfo-versions.yaml, in namespace bookinfo. */
const services: ServiceInfo[] = [...readIstioYaml('platform/bookinfo.yaml'), ...readIstioYaml('platform/bookinfo-versions.yaml')]
	.filter(object => object['kind'] === 'Service')
	.flatMap(object => serviceInfo(object, 'bookinfo') ?? []);

function sample(file: string, resourceVersion = '7'): RouteObject {
	const object = readIstioYaml(`bookinfo-gateway-api/${file}`).find(document => document['kind'] === 'HTTPRoute' && (document['metadata'] as {name?: string}).name === 'reviews');
	assert.ok(object, file);
	const route = object as unknown as RouteObject;
	return {...route, metadata: {...route.metadata, namespace: 'bookinfo', resourceVersion}};
}

function httpRoute(rules: unknown[], parentRefs: unknown[] = [{group: '', kind: 'Service', name: 'reviews', port: 9080}]): RouteObject {
	return {
		apiVersion: 'gateway.networking.k8s.io/v1',
		kind: 'HTTPRoute',
		metadata: {name: 'reviews', namespace: 'bookinfo', resourceVersion: '7'},
		spec: {parentRefs, rules},
	};
}

/** Rule `index` of `route`, read with the Bookinfo Services (`offer: false`: without, so no versions are offered). */
function rule(route: RouteObject, index = 0, offer = true): Route {
	const found = routesOf(route, undefined, offer ? services : undefined)[index];
	assert.ok(found);
	return found;
}

const weightsOf = (route: Route) => Object.fromEntries(route.destinations.map(destination => [destination.key, destination.weight]));

describe('HTTPRoute weights are read as the Gateway API defines them', () => {
	const table: Array<{name: string; backendRefs: unknown[]; weights: Record<string, number>; problem?: RegExp}> = [
		{name: 'a single backend without weight gets everything', backendRefs: [{name: 'reviews-v1', port: 9080}], weights: {'reviews-v1': 100}},
		{name: 'omitted weights are 1 each, not 100 or 0', backendRefs: [{name: 'reviews-v1', port: 9080}, {name: 'reviews-v3', port: 9080}], weights: {'reviews-v1': 50, 'reviews-v3': 50}},
		{name: 'an omitted weight beside weight 3 is 1:3', backendRefs: [{name: 'reviews-v1', port: 9080}, {name: 'reviews-v3', port: 9080, weight: 3}], weights: {'reviews-v1': 25, 'reviews-v3': 75}},
		{name: '1:3 is 25/75', backendRefs: [{name: 'reviews-v1', port: 9080, weight: 1}, {name: 'reviews-v3', port: 9080, weight: 3}], weights: {'reviews-v1': 25, 'reviews-v3': 75}},
		{name: 'weight 0 gets nothing', backendRefs: [{name: 'reviews-v1', port: 9080, weight: 0}, {name: 'reviews-v3', port: 9080}], weights: {'reviews-v1': 0, 'reviews-v3': 100}},
		{name: 'all zero sends nowhere, and says so', backendRefs: [{name: 'reviews-v1', port: 9080, weight: 0}, {name: 'reviews-v3', port: 9080, weight: 0}], weights: {'reviews-v1': 0, 'reviews-v3': 0}, problem: /weight 0: the route answers 500/},
		{name: 'a single backend at weight 0 gets nothing', backendRefs: [{name: 'reviews-v1', port: 9080, weight: 0}], weights: {'reviews-v1': 0}, problem: /answers 500/},
		{name: 'sums other than 100 are relative (2:1:1)', backendRefs: [{name: 'reviews-v1', port: 9080, weight: 200}, {name: 'reviews-v2', port: 9080, weight: 100}, {name: 'reviews-v3', port: 9080, weight: 100}], weights: {'reviews-v1': 50, 'reviews-v2': 25, 'reviews-v3': 25}},
	];
	for (const row of table) {
		test(row.name, () => {
			const read = rule(httpRoute([{backendRefs: row.backendRefs}]), 0, false);
			assert.equal(read.editable, true);
			assert.deepEqual(weightsOf(read), row.weights);
			const problems = read.destinations.flatMap(destination => destination.problem ?? []);
			if (row.problem === undefined) {
				assert.deepEqual(problems, []);
			} else {
				assert.ok(problems.length > 0 && problems.every(problem => row.problem!.test(problem)), problems.join('; '));
			}
		});
	}
});

describe('HTTPRoute versions', () => {
	test('the Istio sample route-reviews-v1: backends by Service name with the version label, the other versions offered at 0', () => {
		const read = rule(sample('route-reviews-v1.yaml'));
		assert.equal(read.name, 'rules[0]');
		assert.equal(read.match, 'default');
		assert.equal(read.parents, 'Service reviews (mesh)');
		assert.deepEqual(read.destinations.map(destination => [destination.key, destination.label, destination.weight, destination.index, destination.port]), [
			['reviews-v1', 'v1', 100, 0, 9080],
			['reviews-v2', 'v2', 0, undefined, 9080],
			['reviews-v3', 'v3', 0, undefined, 9080],
		]);
		// Service-per-version: the series of a version is its Service's (destination_service_name), any destination_version.
		assert.deepEqual(read.destinations[2]?.metric, {service: 'reviews-v3', namespace: 'bookinfo'});
		// Services of another workload (ratings-v1, productpage-v1) are not versions of reviews.
		assert.ok(!read.destinations.some(destination => destination.key.startsWith('ratings')));
	});

	test('a Gateway parent is named as such', () => {
		const read = rule(httpRoute([{backendRefs: [{name: 'productpage-v1', port: 9080}]}], [{name: 'bookinfo-gateway'}]));
		assert.equal(read.parents, 'Gateway bookinfo-gateway');
		assert.equal(read.attachment, 'gateway bookinfo-gateway');
		assert.equal(rule(sample('route-reviews-v1.yaml')).attachment, 'mesh');
	});

	test('several rules with matches: each is a route, with its matches summarised, and figures attributed only when exact', () => {
		const route = httpRoute([
			{matches: [{headers: [{name: 'end-user', value: 'jason'}]}], backendRefs: [{name: 'reviews-v2', port: 9080}]},
			{backendRefs: [{name: 'reviews-v1', port: 9080, weight: 50}, {name: 'reviews-v3', port: 9080, weight: 50}]},
		]);
		const [jason, rest] = routesOf(route, undefined, undefined);
		assert.equal(jason?.match, 'headers end-user exact jason');
		assert.equal(rest?.match, 'default');
		assert.equal(jason?.siblings, 2);
		// Distinct Services per rule: Istio's per-Service series are exactly each rule's.
		assert.equal(jason?.exactMetrics, true);
		assert.equal(rest?.exactMetrics, true);
		// With the candidate versions offered, the rules share Services: the figures are the whole service's.
		const [jasonWithCandidates] = routesOf(route, undefined, services);
		assert.equal(jasonWithCandidates?.exactMetrics, false);
	});
});

describe('HTTPRoute backends of another kind are read-only, one by one', () => {
	const serviceImport = (weight?: number) => ({group: 'multicluster.x-k8s.io', kind: 'ServiceImport', name: 'reviews-remote', port: 9080, ...(weight === undefined ? {} : {weight})});
	const table: Array<{
		name: string;
		backendRefs: unknown[];
		/** Percentages as read, by key. */
		read: Record<string, number>;
		/** What is staged (percentages, sum 100). */
		staged: Record<string, number>;
		/** The weights of spec.rules[0].backendRefs after the write, in order (undefined = omitted). */
		written: Array<number | undefined>;
		/** Percentages read back from the written route. */
		readBack: Record<string, number>;
	}> = [
		{
			name: 'weights summing to 100: the Services are written as staged around the ServiceImport\'s 20',
			backendRefs: [{name: 'reviews-v1', port: 9080, weight: 80}, serviceImport(20)],
			read: {'reviews-v1': 80, 'reviews-remote': 20, 'reviews-v2': 0, 'reviews-v3': 0},
			staged: {'reviews-v1': 30, 'reviews-remote': 20, 'reviews-v2': 0, 'reviews-v3': 50},
			written: [30, 20, 50],
			readBack: {'reviews-v1': 30, 'reviews-remote': 20, 'reviews-v3': 50},
		},
		{
			name: 'omitted weights (1 each): the Services share the other 2 units, so the ServiceImport keeps exactly 1/3',
			backendRefs: [{name: 'reviews-v1', port: 9080}, serviceImport(), {name: 'reviews-v3', port: 9080}],
			read: {'reviews-v1': 34, 'reviews-remote': 33, 'reviews-v3': 33, 'reviews-v2': 0},
			staged: {'reviews-v1': 0, 'reviews-remote': 33, 'reviews-v3': 67, 'reviews-v2': 0},
			written: [0, undefined, 2],
			readBack: {'reviews-v1': 0, 'reviews-remote': 33, 'reviews-v3': 67},
		},
		{
			name: 'relative weights (2:1:1 in hundreds): the Services keep the route\'s units, the ServiceImport its 100 of 400',
			backendRefs: [{name: 'reviews-v1', port: 9080, weight: 200}, serviceImport(100), {name: 'reviews-v3', port: 9080, weight: 100}],
			read: {'reviews-v1': 50, 'reviews-remote': 25, 'reviews-v3': 25, 'reviews-v2': 0},
			staged: {'reviews-v1': 25, 'reviews-remote': 25, 'reviews-v3': 50, 'reviews-v2': 0},
			written: [100, 100, 200],
			readBack: {'reviews-v1': 25, 'reviews-remote': 25, 'reviews-v3': 50},
		},
		{
			name: 'a ServiceImport at weight 0 stays at 0 and out of the way',
			backendRefs: [{name: 'reviews-v1', port: 9080, weight: 100}, serviceImport(0)],
			read: {'reviews-v1': 100, 'reviews-remote': 0, 'reviews-v2': 0, 'reviews-v3': 0},
			staged: {'reviews-v1': 50, 'reviews-remote': 0, 'reviews-v2': 0, 'reviews-v3': 50},
			written: [50, 0, 50],
			readBack: {'reviews-v1': 50, 'reviews-remote': 0, 'reviews-v3': 50},
		},
	];
	for (const row of table) {
		test(row.name, () => {
			const before = httpRoute([{backendRefs: row.backendRefs}]);
			const read = rule(before);
			assert.equal(read.editable, true);
			assert.deepEqual(weightsOf(read), row.read);
			const remote = read.destinations.find(destination => destination.key === 'reviews-remote');
			assert.match(remote?.readOnly ?? '', /a multicluster\.x-k8s\.io\/ServiceImport, not a Service: its weight is kept as is/);
			assert.deepEqual(read.destinations.filter(destination => destination.key !== 'reviews-remote').map(destination => destination.readOnly), read.destinations.slice(1).map(() => undefined));
			const patch = weightPatch(before, read, row.staged);
			// The write never touches the ServiceImport's entry: no operation on its path at all.
			assert.ok(!patch.some(operation => operation.path.startsWith('/spec/rules/0/backendRefs/1')), JSON.stringify(patch));
			const after = applyJsonPatch(before, patch);
			const entries = (after.spec['rules'] as Array<{backendRefs: Array<Record<string, unknown>>}>)[0]!.backendRefs;
			assert.deepEqual(entries[1], row.backendRefs[1]);
			assert.deepEqual(entries.map(entry => entry['weight']), row.written);
			assert.deepEqual(weightsOf(rule(after, 0, false)), row.readBack);
		});
	}

	test('staging the ServiceImport at another weight is refused, naming why', () => {
		const before = httpRoute([{backendRefs: [{name: 'reviews-v1', port: 9080, weight: 80}, serviceImport(20)]}]);
		assert.throws(() => weightPatch(before, rule(before), {'reviews-v1': 100, 'reviews-remote': 0, 'reviews-v2': 0, 'reviews-v3': 0}), /reviews-remote is read-only \(a multicluster\.x-k8s\.io\/ServiceImport.*its weight stays 20/);
	});

	test('a split whose kept share would need a weight past the schema\'s 1,000,000 is refused, naming the limit', () => {
		// 900,000 + 700,000 units of Services beside the ServiceImport's 800,000: keeping its third, the Services share
		// 1,600,000 units, which one backend alone cannot hold.
		const before = httpRoute([{backendRefs: [{name: 'reviews-v1', port: 9080, weight: 900_000}, serviceImport(800_000), {name: 'reviews-v3', port: 9080, weight: 700_000}]}]);
		const read = rule(before);
		const remote = read.destinations.find(destination => destination.key === 'reviews-remote')!.weight;
		assert.throws(() => weightPatch(before, read, {'reviews-v1': 100 - remote, 'reviews-remote': remote, 'reviews-v2': 0, 'reviews-v3': 0}), /needs a weight of 1600000 on a Service backend, above the Gateway API's maximum of 1000000/);
		// Within the range it is written.
		const split = Math.floor((100 - remote) / 2);
		assert.doesNotThrow(() => weightPatch(before, read, {'reviews-v1': split, 'reviews-remote': remote, 'reviews-v2': 0, 'reviews-v3': 100 - remote - split}));
	});

	test('a progressive plan on such a rule is refused with the reason (its target could never reach 100%); without one it is made', () => {
		const mixed = rule(httpRoute([{backendRefs: [{name: 'reviews-v1', port: 9080, weight: 80}, serviceImport(20)]}]));
		const refused = planFromForm({...initialPlanForm(mixed, 'reviews-v3'), steps: '50,100'}, mixed);
		assert.equal(refused.ok, false);
		assert.match(refused.ok ? '' : refused.error, /rules\[0\] has a backend meshtop keeps as it is \(reviews-remote: a multicluster\.x-k8s\.io\/ServiceImport/);
		const plain = rule(sample('route-reviews-v1.yaml'));
		assert.equal(planFromForm({...initialPlanForm(plain, 'reviews-v3'), steps: '50,100'}, plain).ok, true);
	});

	test('a rule whose backends are all of another kind is read-only as a whole, with the reason', () => {
		const read = rule(httpRoute([{backendRefs: [serviceImport(1), {group: 'networking.istio.io', kind: 'Hostname', name: 'reviews.example.com'}]}]));
		assert.equal(read.editable, false);
		assert.match(read.readOnlyReason ?? '', /no Service backend/);
		assert.throws(() => weightPatch(sample('route-reviews-v1.yaml'), read, {'reviews-remote': 100}), /read-only/);
	});
});

describe('HTTPRoute weight patch', () => {
	test('route-reviews-v1 + {reviews-v1: 10, reviews-v3: 90}: the weight added, the backendRef appended, nothing else', () => {
		const before = sample('route-reviews-v1.yaml');
		const read = rule(before);
		const patch = weightPatch(before, read, {'reviews-v1': 10, 'reviews-v3': 90});
		assert.deepEqual(patch, [
			{op: 'test', path: '/metadata/resourceVersion', value: '7'},
			{op: 'test', path: '/spec/rules/0/backendRefs/0/name', value: 'reviews-v1'},
			{op: 'add', path: '/spec/rules/0/backendRefs/0/weight', value: 10},
			{op: 'add', path: '/spec/rules/0/backendRefs/-', value: {name: 'reviews-v3', port: 9080, weight: 90}},
		]);
		const after = applyJsonPatch(before, patch);
		assert.deepEqual(after.spec['parentRefs'], before.spec['parentRefs']);
		assert.deepEqual(after.spec['rules'], [{backendRefs: [{name: 'reviews-v1', port: 9080, weight: 10}, {name: 'reviews-v3', port: 9080, weight: 90}]}]);
		// Undo gives the sample back byte for byte (the weight absent again, the appended backend removed).
		const undone = applyJsonPatch(after, inverseWeightPatch(before, patch));
		assert.deepEqual(undone.spec, before.spec);
	});

	test('route-reviews-50-v3 → 0/100 replaces both weights and keeps both backends', () => {
		const before = sample('route-reviews-50-v3.yaml');
		const read = rule(before);
		assert.deepEqual(weightsOf(read), {'reviews-v1': 50, 'reviews-v3': 50, 'reviews-v2': 0});
		const after = applyJsonPatch(before, weightPatch(before, read, {'reviews-v1': 0, 'reviews-v3': 100}));
		assert.deepEqual(rule(after, 0, false).destinations.map(destination => [destination.key, destination.weight]), [['reviews-v1', 0], ['reviews-v3', 100]]);
	});

	test('RequestMirror filters, matches, timeouts and unknown fields of the rule stay as they were', () => {
		const mirror = {type: 'RequestMirror', requestMirror: {backendRef: {name: 'reviews-v2', port: 9080}, percent: 10}};
		const before = httpRoute([
			{matches: [{headers: [{name: 'end-user', value: 'jason'}]}], backendRefs: [{name: 'reviews-v2', port: 9080}]},
			{name: 'main', filters: [mirror], timeouts: {request: '2s'}, 'x-unknown': {keep: true}, backendRefs: [{name: 'reviews-v1', port: 9080, filters: [{type: 'RequestHeaderModifier', requestHeaderModifier: {add: [{name: 'x-v', value: '1'}]}}]}]},
		]);
		const read = rule(before, 1);
		assert.equal(read.name, 'main');
		const after = applyJsonPatch(before, weightPatch(before, read, {'reviews-v1': 50, 'reviews-v3': 50}));
		const [first, second] = after.spec['rules'] as Array<Record<string, unknown>>;
		assert.deepEqual(first, (before.spec['rules'] as unknown[])[0]);
		assert.deepEqual(second?.['filters'], [mirror]);
		assert.deepEqual(second?.['timeouts'], {request: '2s'});
		assert.deepEqual(second?.['x-unknown'], {keep: true});
		assert.deepEqual(second?.['backendRefs'], [
			{name: 'reviews-v1', port: 9080, filters: [{type: 'RequestHeaderModifier', requestHeaderModifier: {add: [{name: 'x-v', value: '1'}]}}], weight: 50},
			{name: 'reviews-v3', port: 9080, weight: 50},
		]);
		// The mirror target is not a version: mirrored copies are not routed traffic.
		assert.deepEqual(read.destinations.filter(destination => destination.index !== undefined).map(destination => destination.key), ['reviews-v1']);
	});

	test('a route that moved on (another backend at that position) is refused, not written', () => {
		const before = sample('route-reviews-50-v3.yaml');
		const read = rule(before);
		const moved = applyJsonPatch(before, [{op: 'replace', path: '/spec/rules/0/backendRefs/0/name', value: 'reviews-v2'}]);
		assert.throws(() => weightPatch(moved, read, {'reviews-v1': 10, 'reviews-v3': 90}), /re-read/);
	});

	test('weights that do not sum to 100 are refused', () => {
		const before = sample('route-reviews-v1.yaml');
		assert.throws(() => weightPatch(before, rule(before), {'reviews-v1': 1, 'reviews-v3': 3}), /sum to 100/);
	});
});
