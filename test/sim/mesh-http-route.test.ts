/** The sim's mesh routes a Service by its HTTPRoute (Service parent) with the Gateway API's weights, and labels like Istio. */
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {ObjectStore, type KubeObject} from '../../source/sim/api/store.js';
import {seedBookinfo} from '../../source/sim/bookinfo.js';
import {createMesh} from '../../source/sim/mesh/mesh.js';
import type {RequestRecord} from '../../source/sim/mesh/request-record.js';
import {IstioMetrics} from '../../source/sim/metrics/istio-metrics.js';

const httpRoutes = 'gateway.networking.k8s.io/httproutes';

function reviewsRoute(backendRefs: unknown[], extraRules: unknown[] = []): KubeObject {
	return {
		apiVersion: 'gateway.networking.k8s.io/v1',
		kind: 'HTTPRoute',
		metadata: {name: 'reviews', namespace: 'bookinfo'},
		spec: {parentRefs: [{group: '', kind: 'Service', name: 'reviews', port: 9080}], rules: [...extraRules, {backendRefs}]},
	};
}

/** Share of reviews' requests per destination_service_name over `count` entry requests. */
function shares(backendRefs: unknown[], count = 2000, extraRules: unknown[] = []): Record<string, number> {
	const store = new ObjectStore();
	seedBookinfo(store);
	store.create(httpRoutes, reviewsRoute(backendRefs, extraRules), {replace: true});
	const records: RequestRecord[] = [];
	const mesh = createMesh({store, seed: 11, recorder: record => records.push(record)});
	mesh.sendRequests(count);
	mesh.stop();
	const reviews = records.filter(record => record.destination?.app === 'reviews');
	const counts: Record<string, number> = {};
	for (const record of reviews) {
		counts[record.service.name] = (counts[record.service.name] ?? 0) + 1;
	}

	return Object.fromEntries(Object.entries(counts).map(([name, value]) => [name, Math.round((value / reviews.length) * 100)]));
}

describe('mesh routing by an HTTPRoute with a Service parent', () => {
	it('a single backend without weight takes everything, labelled with its Service (destination_service_name reviews-v1)', () => {
		assert.deepEqual(shares([{name: 'reviews-v1', port: 9080}]), {'reviews-v1': 100});
	});

	it('omitted weights are 1 each: an even split', () => {
		const split = shares([{name: 'reviews-v1', port: 9080}, {name: 'reviews-v3', port: 9080}]);
		assert.ok(Math.abs((split['reviews-v1'] ?? 0) - 50) <= 5, JSON.stringify(split));
	});

	it('weights are relative (1:3) and 0 gets nothing', () => {
		const split = shares([{name: 'reviews-v1', port: 9080, weight: 1}, {name: 'reviews-v2', port: 9080, weight: 0}, {name: 'reviews-v3', port: 9080, weight: 3}]);
		assert.equal(split['reviews-v2'], undefined);
		assert.ok(Math.abs((split['reviews-v3'] ?? 0) - 75) <= 5, JSON.stringify(split));
	});

	it('a rule matching a header the generator never sends is skipped; the next rule routes', () => {
		const jason = {matches: [{headers: [{name: 'end-user', value: 'jason'}]}], backendRefs: [{name: 'reviews-v2', port: 9080}]};
		assert.deepEqual(shares([{name: 'reviews-v3', port: 9080}], 500, [jason]), {'reviews-v3': 100});
	});
});

describe('ambient metrics', () => {
	it('are reported once, by the waypoint, with the destination\'s labels', async () => {
		const store = new ObjectStore();
		seedBookinfo(store, undefined, {ambient: true});
		const metrics = new IstioMetrics({ambient: true});
		const mesh = createMesh({store, seed: 3, recorder: record => {
			metrics.record(record);
		}});
		mesh.sendRequests(50);
		mesh.stop();
		const reporters = new Set((await metrics.samples()).filter(sample => sample.name === 'istio_requests_total').map(sample => sample.labels['reporter']));
		assert.deepEqual([...reporters], ['waypoint']);
		const namespace = store.get('/namespaces', '', 'bookinfo');
		assert.equal((namespace?.metadata.labels ?? {})['istio.io/dataplane-mode'], 'ambient');
	});
});
