import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {ObjectStore, type KubeObject} from '../../source/sim/api/store.js';
import {seedBookinfo} from '../../source/sim/bookinfo.js';
import {readIstioYaml} from '../../source/sim/istio-data.js';
import {createMesh, type Mesh} from '../../source/sim/mesh/mesh.js';
import type {RequestRecord} from '../../source/sim/mesh/request-record.js';

const virtualServices = 'networking.istio.io/virtualservices';
const destinationRules = 'networking.istio.io/destinationrules';

function bookinfoStore(): ObjectStore {
	const store = new ObjectStore();
	seedBookinfo(store);
	return store;
}

/** Replaces the reviews VirtualService with the one of a Bookinfo fixture. */
function applyReviews(store: ObjectStore, fixture: string): void {
	const object = readIstioYaml(`bookinfo/${fixture}`).find(document => (document as KubeObject).metadata.name === 'reviews') as KubeObject;
	object.metadata.namespace = 'bookinfo';
	store.create(virtualServices, object, {replace: true});
}

function reviewsVirtualService(route: unknown[]): KubeObject {
	return {
		apiVersion: 'networking.istio.io/v1',
		kind: 'VirtualService',
		metadata: {name: 'reviews', namespace: 'bookinfo'},
		spec: {hosts: ['reviews'], http: [{route}]},
	};
}

/** Requests each version of reviews received during `count` entry requests. */
function reviewsShares(mesh: Mesh, count: number): Record<string, number> {
	const before = mesh.stats().services['reviews'] ?? {};
	mesh.sendRequests(count);
	const after = mesh.stats().services['reviews'] ?? {};
	const shares: Record<string, number> = {};
	for (const [version, stats] of Object.entries(after)) {
		shares[version] = (stats.requests - (before[version]?.requests ?? 0)) / count;
	}

	return shares;
}

function recordingMesh(store: ObjectStore, seed = 7): {mesh: Mesh; records: RequestRecord[]} {
	const records: RequestRecord[] = [];
	const mesh = createMesh({store, seed, recorder: record => records.push(record)});
	return {mesh, records};
}

describe('mesh routing by the live VirtualService', () => {
	it('sends everything to v1 with virtual-service-all-v1', () => {
		const {mesh} = recordingMesh(bookinfoStore());
		const shares = reviewsShares(mesh, 500);
		assert.deepEqual(shares, {v1: 1});
		mesh.stop();
	});

	it('splits 50/50 between v1 and v3, and follows a later change to all-v1 without restarting', () => {
		const store = bookinfoStore();
		const {mesh} = recordingMesh(store);
		applyReviews(store, 'virtual-service-reviews-50-v3.yaml');
		const split = reviewsShares(mesh, 4000);
		assert.deepEqual(Object.keys(split).sort(), ['v1', 'v3']);
		assert.ok(Math.abs(split['v1']! - 0.5) < 0.03, `v1 share ${split['v1']}`);
		assert.ok(Math.abs(split['v3']! - 0.5) < 0.03, `v3 share ${split['v3']}`);

		applyReviews(store, 'virtual-service-all-v1.yaml');
		const allV1 = reviewsShares(mesh, 1000);
		assert.equal(allV1['v1'], 1);
		assert.equal(allV1['v3'] ?? 0, 0);
		mesh.stop();
	});

	it('treats weights as relative (Istio 1.15+): 10 and 30 give 25% and 75%', () => {
		const store = bookinfoStore();
		store.create(virtualServices, reviewsVirtualService([
			{destination: {host: 'reviews', subset: 'v2'}, weight: 10},
			{destination: {host: 'reviews', subset: 'v3'}, weight: 30},
		]), {replace: true});
		const {mesh} = recordingMesh(store);
		const shares = reviewsShares(mesh, 4000);
		assert.ok(Math.abs(shares['v2']! - 0.25) < 0.03, `v2 share ${shares['v2']}`);
		assert.ok(Math.abs(shares['v3']! - 0.75) < 0.03, `v3 share ${shares['v3']}`);
		mesh.stop();
	});

	it('ignores header-matched routes: the generator is not user jason', () => {
		const store = bookinfoStore();
		applyReviews(store, 'virtual-service-reviews-test-v2.yaml');
		const {mesh} = recordingMesh(store);
		assert.deepEqual(reviewsShares(mesh, 300), {v1: 1});
		mesh.stop();
	});

	it('evaluates uri and sourceLabels matches, and answers 404 NR when no route matches', () => {
		const store = bookinfoStore();
		const routeTo = (subset: string) => [{destination: {host: 'reviews', subset}}];
		store.create(virtualServices, {
			...reviewsVirtualService([]),
			spec: {hosts: ['reviews'], http: [
				{match: [{sourceLabels: {app: 'details'}}], route: routeTo('v1')},
				{match: [{uri: {prefix: '/ratings'}}], route: routeTo('v2')},
				{match: [{uri: {regex: '/REVIEWS/[0-9]+'}, ignoreUriCase: true, sourceLabels: {app: 'productpage'}}], route: routeTo('v3')},
			]},
		}, {replace: true});
		const {mesh, records} = recordingMesh(store);
		assert.deepEqual(reviewsShares(mesh, 100), {v3: 1});

		store.create(virtualServices, {
			...reviewsVirtualService([]),
			spec: {hosts: ['reviews'], http: [{match: [{uri: {exact: '/other'}}], route: routeTo('v1')}]},
		}, {replace: true});
		const from = records.length;
		mesh.sendRequests(10);
		const unmatched = records.slice(from).filter(record => record.service.name === 'reviews');
		assert.equal(unmatched.length, 10);
		assert.ok(unmatched.every(record => record.responseCode === 404 && record.responseFlags === 'NR' && !record.destination));
		mesh.stop();
	});

	it('answers 503 NR from the caller when the subset is missing from the DestinationRule', () => {
		const store = bookinfoStore();
		store.create(virtualServices, reviewsVirtualService([
			{destination: {host: 'reviews', subset: 'v1'}, weight: 50},
			{destination: {host: 'reviews', subset: 'v4'}, weight: 50},
		]), {replace: true});
		const {mesh, records} = recordingMesh(store);
		mesh.sendRequests(1000);
		const toReviews = records.filter(record => record.service.name === 'reviews');
		const failed = toReviews.filter(record => record.destination === undefined);
		assert.ok(failed.length > 400 && failed.length < 600, `${failed.length} of 1000 unrouted`);
		for (const record of failed) {
			assert.equal(record.responseCode, 503);
			assert.equal(record.responseFlags, 'NR');
			assert.equal(record.source.workload, 'productpage-v1');
		}

		const served = toReviews.filter(record => record.destination !== undefined);
		assert.ok(served.every(record => record.destination?.version === 'v1' && record.responseFlags === '-'));
		const stats = mesh.stats().services['reviews']!;
		assert.equal(stats['unknown']?.responseFlags['NR'], failed.length);
		assert.equal(stats['unknown']?.errors, failed.length);
		mesh.stop();
	});

	it('answers 503 UH when the subset exists but no pod carries its labels', () => {
		const store = bookinfoStore();
		// ratings v2 is declared in destination-rule-all.yaml, but Bookinfo only runs ratings-v1.
		store.create(virtualServices, {
			apiVersion: 'networking.istio.io/v1',
			kind: 'VirtualService',
			metadata: {name: 'ratings', namespace: 'bookinfo'},
			spec: {hosts: ['ratings'], http: [{route: [{destination: {host: 'ratings', subset: 'v2'}}]}]},
		}, {replace: true});
		applyReviews(store, 'virtual-service-reviews-v3.yaml');
		const {mesh, records} = recordingMesh(store);
		mesh.sendRequests(100);
		const toRatings = records.filter(record => record.service.name === 'ratings');
		assert.equal(toRatings.length, 100);
		assert.ok(toRatings.every(record => record.responseCode === 503 && record.responseFlags === 'UH' && !record.destination));
		mesh.stop();
	});

	it('balances round-robin over every version when the host has no VirtualService', () => {
		const store = bookinfoStore();
		store.delete(virtualServices, 'bookinfo', 'reviews');
		const {mesh} = recordingMesh(store);
		const shares = reviewsShares(mesh, 300);
		assert.deepEqual(shares, {v1: 1 / 3, v2: 1 / 3, v3: 1 / 3});
		mesh.stop();
	});

	it('routes by subset labels, so a DestinationRule edit moves traffic', () => {
		const store = bookinfoStore();
		const rule = store.get(destinationRules, 'bookinfo', 'reviews')!;
		const spec = rule['spec'] as {subsets: Array<{name: string; labels: Record<string, string>}>};
		spec.subsets[0]!.labels = {version: 'v2'};
		store.update(destinationRules, rule);
		const {mesh} = recordingMesh(store);
		assert.deepEqual(reviewsShares(mesh, 200), {v2: 1});
		mesh.stop();
	});

	it('only calls ratings from reviews v2 and v3, as Bookinfo does', () => {
		const store = bookinfoStore();
		applyReviews(store, 'virtual-service-reviews-v2-v3.yaml');
		const {mesh, records} = recordingMesh(store);
		mesh.sendRequests(400);
		const ratingsCallers = new Set(records.filter(record => record.service.name === 'ratings').map(record => record.source.workload));
		assert.deepEqual([...ratingsCallers].sort(), ['reviews-v2', 'reviews-v3']);
		const entry = records.filter(record => record.source.workload === 'istio-ingressgateway');
		assert.equal(entry.length, 400);
		assert.ok(entry.every(record => record.service.name === 'productpage'));
		mesh.stop();
	});

	it('replays exactly from the same seed', () => {
		const store = bookinfoStore();
		applyReviews(store, 'virtual-service-reviews-80-20.yaml');
		const first = recordingMesh(store, 42);
		const second = recordingMesh(store, 42);
		const third = recordingMesh(store, 43);
		for (const {mesh} of [first, second, third]) {
			mesh.sendRequests(200);
			mesh.stop();
		}

		assert.deepEqual(second.records, first.records);
		assert.notDeepEqual(third.records, first.records);
	});

	it('stops following the store after stop()', () => {
		let listeners = 0;
		const store = bookinfoStore();
		const counting = {
			list: (resource: string, namespace?: string) => store.list(resource, namespace),
			subscribe(listener: (event: {resource: string}) => void) {
				listeners++;
				const unsubscribe = store.subscribe(listener);
				return () => {
					listeners--;
					unsubscribe();
				};
			},
		};
		const mesh = createMesh({store: counting});
		// The routing table and the data plane modes (namespace labels) each follow the store.
		assert.equal(listeners, 2);
		mesh.stop();
		assert.equal(listeners, 0);
	});
});
