/**
 * The sim's mesh routes a Service by its HTTPRoute (Service parent), and entry traffic at the ingress gateway by the
 * HTTPRoutes attached to a Gateway, with the Gateway API's weights, and labels like Istio.
 */
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {ObjectStore, type KubeObject} from '../../source/sim/api/store.js';
import {seedBookinfo} from '../../source/sim/bookinfo.js';
import {createMesh} from '../../source/sim/mesh/mesh.js';
import type {RequestRecord} from '../../source/sim/mesh/request-record.js';
import {IstioMetrics} from '../../source/sim/metrics/istio-metrics.js';
import {readIstioYaml} from '../../source/sim/istio-data.js';

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

describe('mesh routing of entry traffic by an HTTPRoute with a Gateway parent (bookinfo-gateway.yaml)', () => {
	/** Istio's sample HTTPRoute `bookinfo` (parentRef the Gateway bookinfo-gateway), its rule's backendRefs replaced when given. */
	function gatewayRoute(backendRefs?: unknown[]): KubeObject {
		const sample = readIstioYaml('bookinfo-gateway-api/bookinfo-gateway.yaml').find(document => document['kind'] === 'HTTPRoute') as unknown as KubeObject;
		const route = structuredClone({...sample, metadata: {...sample.metadata, namespace: 'bookinfo'}});
		if (backendRefs !== undefined) {
			(route as unknown as {spec: {rules: Array<Record<string, unknown>>}}).spec.rules[0]!['backendRefs'] = backendRefs;
		}

		return route;
	}

	/** Entry requests (source: the ingress gateway) per destination_service_name over `count` of them. */
	function entryCounts(route: KubeObject | undefined, count = 2000): Record<string, number> {
		const store = new ObjectStore();
		seedBookinfo(store);
		if (route !== undefined) {
			store.create(httpRoutes, route, {replace: true});
		}

		const records: RequestRecord[] = [];
		const mesh = createMesh({store, seed: 12, recorder: record => records.push(record)});
		mesh.sendRequests(count);
		mesh.stop();
		const counts: Record<string, number> = {};
		for (const record of records.filter(record => record.source.workload === 'istio-ingressgateway')) {
			counts[`${record.service.name} ${record.responseCode}`] = (counts[`${record.service.name} ${record.responseCode}`] ?? 0) + 1;
		}

		return counts;
	}

	it('the sample as it is: every entry request goes through its one backend, productpage', () => {
		assert.deepEqual(entryCounts(gatewayRoute(), 500), {'productpage 200': 500});
	});

	it('weights split the entry traffic: productpage 1 : productpage-v1 3, each labelled with its Service, and the call tree follows', () => {
		const counts = entryCounts(gatewayRoute([{name: 'productpage', port: 9080, weight: 1}, {name: 'productpage-v1', port: 9080, weight: 3}]));
		assert.equal((counts['productpage 200'] ?? 0) + (counts['productpage-v1 200'] ?? 0), 2000, JSON.stringify(counts));
		const share = (counts['productpage-v1 200'] ?? 0) / 2000;
		assert.ok(Math.abs(share - 0.75) < 0.04, `productpage-v1 share ${share}`);
	});

	it('a rule whose path does not match the entry path leaves the entry Service called directly', () => {
		const route = gatewayRoute([{name: 'productpage-v1', port: 9080}]);
		(route as unknown as {spec: {rules: Array<Record<string, unknown>>}}).spec.rules[0]!['matches'] = [{path: {type: 'Exact', value: '/login'}}];
		assert.deepEqual(entryCounts(route, 200), {'productpage 200': 200});
	});
});

describe('ambient metrics', () => {
	async function reporters(metrics: IstioMetrics): Promise<Map<string, number>> {
		const counts = new Map<string, number>();
		for (const sample of (await metrics.samples()).filter(sample => sample.name === 'istio_requests_total')) {
			const reporter = sample.labels['reporter'] ?? '';
			counts.set(reporter, (counts.get(reporter) ?? 0) + sample.value);
		}

		return counts;
	}

	it('are reported once, by the waypoint, with the destination\'s labels', async () => {
		const store = new ObjectStore();
		seedBookinfo(store, undefined, {ambient: true});
		const metrics = new IstioMetrics();
		const mesh = createMesh({store, seed: 3, recorder: record => {
			metrics.record(record);
		}});
		mesh.sendRequests(50);
		mesh.stop();
		assert.deepEqual([...(await reporters(metrics)).keys()], ['waypoint']);
		const namespace = store.get('/namespaces', '', 'bookinfo');
		assert.equal((namespace?.metadata.labels ?? {})['istio.io/dataplane-mode'], 'ambient');
	});

	it('follow the namespace label live: labelled, the waypoint reports; unlabelled, the sidecars again', async () => {
		const store = new ObjectStore();
		seedBookinfo(store);
		const metrics = new IstioMetrics();
		const mesh = createMesh({store, seed: 4, recorder: record => {
			metrics.record(record);
		}});
		const relabel = (labels: Record<string, string>) => {
			const namespace = store.get('/namespaces', '', 'bookinfo')!;
			store.update('/namespaces', {...namespace, metadata: {...namespace.metadata, labels}});
		};

		mesh.sendRequests(10);
		assert.deepEqual([...(await reporters(metrics)).keys()].sort(), ['destination', 'source']);
		relabel({'istio.io/dataplane-mode': 'ambient'});
		const before = await reporters(metrics);
		mesh.sendRequests(10);
		const during = await reporters(metrics);
		// Each entry request makes several hops (productpage, details, reviews…): all of them now reported by the waypoint only.
		assert.ok((during.get('waypoint') ?? 0) >= 10 * 3, `waypoint reports ${String(during.get('waypoint'))}`);
		assert.equal(during.get('destination'), before.get('destination'));
		relabel({'istio-injection': 'enabled'});
		mesh.sendRequests(10);
		const after = await reporters(metrics);
		assert.equal(after.get('waypoint'), during.get('waypoint'));
		assert.ok((after.get('destination') ?? 0) > (during.get('destination') ?? 0));
		mesh.stop();
	});
});
