import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import {ObjectStore, type KubeObject, type StoreEvent} from '../../source/sim/api/store.js';
import {StatusError} from '../../source/sim/api/status.js';

const vsKey = 'networking.istio.io/virtualservices';

function virtualService(name: string, weights: number[] = [100]): KubeObject {
	return {
		apiVersion: 'networking.istio.io/v1',
		kind: 'VirtualService',
		metadata: {name, namespace: 'bookinfo', labels: {app: name}},
		spec: {hosts: [name], http: [{route: weights.map((weight, index) => ({destination: {host: name, subset: `v${index + 1}`}, weight}))}]},
	};
}

function statusCode(error: unknown): number | undefined {
	return error instanceof StatusError ? error.code : undefined;
}

describe('ObjectStore', () => {
	test('create fills metadata and bumps one global resourceVersion', () => {
		const store = new ObjectStore();
		assert.equal(store.resourceVersion, '0');
		const created = store.create(vsKey, virtualService('reviews'));
		const pod = store.create('/pods', {apiVersion: 'v1', kind: 'Pod', metadata: {name: 'p', namespace: 'bookinfo'}});
		assert.equal(created.metadata.resourceVersion, '1');
		assert.equal(pod.metadata.resourceVersion, '2');
		assert.equal(store.resourceVersion, '2');
		assert.match(created.metadata.uid ?? '', /^[\da-f]{8}-[\da-f]{4}-/);
		assert.match(created.metadata.creationTimestamp ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
		assert.equal(created.metadata.generation, 1);
		assert.equal(pod.metadata.generation, undefined, 'core kinds carry no generation here');
	});

	test('create of an existing object is 409 AlreadyExists unless replacing', () => {
		const store = new ObjectStore();
		const first = store.create(vsKey, virtualService('reviews'));
		assert.throws(() => store.create(vsKey, virtualService('reviews')), (error: unknown) => {
			assert.equal(statusCode(error), 409);
			assert.equal((error as StatusError).status.reason, 'AlreadyExists');
			assert.equal((error as StatusError).message, 'virtualservices.networking.istio.io "reviews" already exists');
			return true;
		});
		const replaced = store.create(vsKey, virtualService('reviews', [50, 50]), {replace: true});
		assert.equal(replaced.metadata.uid, first.metadata.uid);
		assert.equal(replaced.metadata.generation, 2);
	});

	test('update checks resourceVersion, bumps generation only on spec change, and ignores no-op writes', () => {
		const store = new ObjectStore();
		const created = store.create(vsKey, virtualService('reviews'));
		const relabelled = store.update(vsKey, {...created, metadata: {...created.metadata, labels: {team: 'x'}}});
		assert.equal(relabelled.metadata.generation, 1);
		assert.equal(relabelled.metadata.resourceVersion, '2');
		const respec = store.update(vsKey, {...relabelled, spec: virtualService('reviews', [50, 50]).spec});
		assert.equal(respec.metadata.generation, 2);
		assert.equal(respec.metadata.resourceVersion, '3');
		const same = store.update(vsKey, respec);
		assert.equal(same.metadata.resourceVersion, '3', 'identical content is not a new revision');
		assert.equal(store.resourceVersion, '3');
		assert.throws(() => store.update(vsKey, created), (error: unknown) => {
			assert.equal(statusCode(error), 409);
			assert.equal((error as StatusError).message, 'Operation cannot be fulfilled on virtualservices.networking.istio.io "reviews": the object has been modified; please apply your changes to the latest version and try again');
			return true;
		});
		const {resourceVersion: _dropped, ...unconditional} = respec.metadata;
		const forced = store.update(vsKey, {...respec, metadata: unconditional, spec: virtualService('reviews').spec});
		assert.equal(forced.metadata.resourceVersion, '4', 'no resourceVersion means an unconditional update');
		assert.throws(() => store.update(vsKey, virtualService('missing')), (error: unknown) => statusCode(error) === 404);
	});

	test('list filters by namespace and label selector and sorts by name', () => {
		const store = new ObjectStore();
		for (const name of ['ratings', 'details', 'reviews']) {
			store.create(vsKey, virtualService(name));
		}
		store.create(vsKey, {...virtualService('other'), metadata: {name: 'other', namespace: 'default'}});
		assert.deepEqual(store.list(vsKey, 'bookinfo').map(object => object.metadata.name), ['details', 'ratings', 'reviews']);
		assert.deepEqual(store.list(vsKey).map(object => object.metadata.name), ['details', 'ratings', 'reviews', 'other']);
		assert.deepEqual(store.list(vsKey, 'bookinfo', 'app in (reviews,ratings)').map(object => object.metadata.name), ['ratings', 'reviews']);
		assert.deepEqual(store.list(vsKey, 'bookinfo', 'app!=reviews').map(object => object.metadata.name), ['details', 'ratings']);
		assert.deepEqual(store.list('/pods'), []);
	});

	test('returned objects are copies: mutating them does not change the store', () => {
		const store = new ObjectStore();
		const created = store.create(vsKey, virtualService('reviews'));
		created.metadata.name = 'changed';
		const fetched = store.get(vsKey, 'bookinfo', 'reviews');
		assert.ok(fetched);
		(fetched.spec as {hosts: string[]}).hosts.push('x');
		assert.deepEqual((store.get(vsKey, 'bookinfo', 'reviews')?.spec as {hosts: string[]}).hosts, ['reviews']);
	});

	test('subscribers see every change in order and can unsubscribe', () => {
		const store = new ObjectStore();
		const seen: StoreEvent[] = [];
		const unsubscribe = store.subscribe(event => seen.push(event));
		const created = store.create(vsKey, virtualService('reviews'));
		store.update(vsKey, {...created, spec: virtualService('reviews', [90, 10]).spec});
		const deleted = store.delete(vsKey, 'bookinfo', 'reviews');
		unsubscribe();
		store.create(vsKey, virtualService('reviews'));
		assert.deepEqual(seen.map(event => [event.type, event.resource, event.object.metadata.resourceVersion]), [
			['ADDED', vsKey, '1'],
			['MODIFIED', vsKey, '2'],
			['DELETED', vsKey, '3'],
		]);
		assert.equal(deleted.metadata.resourceVersion, '3', 'a deletion is a revision of its own');
	});

	test('a throwing subscriber does not break writes', () => {
		const store = new ObjectStore();
		let calls = 0;
		store.subscribe(() => {
			throw new Error('listener bug');
		});
		store.subscribe(() => {
			calls++;
		});
		store.create(vsKey, virtualService('reviews'));
		assert.equal(calls, 1);
	});

	test('eventsSince replays retained history and reports compaction', () => {
		const store = new ObjectStore({historyLimit: 3});
		for (const name of ['a', 'b', 'c', 'd', 'e']) {
			store.create(vsKey, virtualService(name));
		}
		assert.deepEqual(store.eventsSince(3)?.map(event => event.object.metadata.name), ['d', 'e']);
		assert.deepEqual(store.eventsSince(2)?.map(event => event.object.metadata.name), ['c', 'd', 'e']);
		assert.equal(store.eventsSince(1), undefined, 'revision 2 was dropped, so a watch from 1 is Gone');
		assert.equal(store.oldestResourceVersion, 2);
		assert.deepEqual(store.eventsSince(5), []);
	});

	test('deleting a namespace deletes what is in it', () => {
		const store = new ObjectStore();
		store.create('/namespaces', {apiVersion: 'v1', kind: 'Namespace', metadata: {name: 'bookinfo'}});
		store.create(vsKey, virtualService('reviews'));
		store.create('/pods', {apiVersion: 'v1', kind: 'Pod', metadata: {name: 'p', namespace: 'bookinfo'}});
		store.create('/pods', {apiVersion: 'v1', kind: 'Pod', metadata: {name: 'q', namespace: 'other'}});
		store.delete('/namespaces', undefined, 'bookinfo');
		assert.deepEqual(store.list(vsKey), []);
		assert.deepEqual(store.list('/pods').map(pod => pod.metadata.name), ['q']);
		assert.throws(() => store.delete('/namespaces', undefined, 'bookinfo'), (error: unknown) => {
			assert.equal((error as StatusError).message, 'namespaces "bookinfo" not found');
			return true;
		});
	});
});
