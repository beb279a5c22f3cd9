import assert from 'node:assert/strict';
import {after, before, describe, test} from 'node:test';
import {startApiServer, type ApiServer} from '../../source/sim/api/api-server.js';
import {ObjectStore, type KubeObject} from '../../source/sim/api/store.js';
import {readIstioYaml} from '../../source/sim/istio-data.js';
import {waitFor} from '../helpers/wait-for.js';

const vsPath = '/apis/networking.istio.io/v1/namespaces/bookinfo/virtualservices';
const vsKey = 'networking.istio.io/virtualservices';

function seed(store: ObjectStore): void {
	store.create('/namespaces', {apiVersion: 'v1', kind: 'Namespace', metadata: {name: 'bookinfo'}});
	for (const object of readIstioYaml('bookinfo/virtual-service-all-v1.yaml') as KubeObject[]) {
		store.create(vsKey, {...object, metadata: {...object.metadata, namespace: 'bookinfo'}});
	}
	for (const object of readIstioYaml('bookinfo/destination-rule-all.yaml') as KubeObject[]) {
		store.create('networking.istio.io/destinationrules', {...object, metadata: {...object.metadata, namespace: 'bookinfo'}});
	}
}

type Reply = {status: number; body: Record<string, unknown>; headers: Headers};

async function call(server: ApiServer, method: string, path: string, body?: unknown, contentType = 'application/json', accept = 'application/json'): Promise<Reply> {
	const response = await fetch(server.url + path, {
		method,
		headers: {'Content-Type': contentType, Accept: accept},
		...(body === undefined ? {} : {body: typeof body === 'string' ? body : JSON.stringify(body)}),
	});
	const text = await response.text();
	return {status: response.status, body: JSON.parse(text) as Record<string, unknown>, headers: response.headers};
}

/** Reads a watch stream in the background, collecting parsed events until closed. */
function openWatch(server: ApiServer, path: string): {events: Array<{type: string; object: Record<string, unknown>}>; done: Promise<void>; close: () => void} {
	const controller = new AbortController();
	const events: Array<{type: string; object: Record<string, unknown>}> = [];
	const done = (async () => {
		const response = await fetch(server.url + path, {signal: controller.signal});
		assert.equal(response.status, 200);
		const decoder = new TextDecoder();
		let buffer = '';
		try {
			for await (const chunk of response.body ?? []) {
				buffer += decoder.decode(chunk as Uint8Array, {stream: true});
				let newline = buffer.indexOf('\n');
				while (newline !== -1) {
					events.push(JSON.parse(buffer.slice(0, newline)) as {type: string; object: Record<string, unknown>});
					buffer = buffer.slice(newline + 1);
					newline = buffer.indexOf('\n');
				}
			}
		} catch (error) {
			if (!controller.signal.aborted) {
				throw error;
			}
		}
	})();
	return {events, done, close: () => controller.abort()};
}

describe('simulated API server over HTTP', () => {
	let server: ApiServer;
	let store: ObjectStore;

	before(async () => {
		store = new ObjectStore();
		seed(store);
		server = await startApiServer({store, bookmarkIntervalMs: 50});
	});

	after(async () => {
		await server.stop();
	});

	test('binds to 127.0.0.1 on a free port', () => {
		assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
		assert.notEqual(server.port, 0);
	});

	test('unknown paths answer a 404 Status, never a crash', async () => {
		for (const path of ['/nope', '/apis/example.com/v1/things', '/api/v1/namespaces/bookinfo/secrets', '/openapi/v2']) {
			const reply = await call(server, 'GET', path);
			assert.equal(reply.status, 404, path);
			assert.deepEqual(reply.body, {kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'the server could not find the requested resource', reason: 'NotFound', details: {}, code: 404});
		}
	});

	test('discovery lists core v1, networking.istio.io and gateway.networking.k8s.io preferring v1', async () => {
		const groups = await call(server, 'GET', '/apis');
		assert.deepEqual(groups.body.groups, [{
			name: 'networking.istio.io',
			versions: [
				{groupVersion: 'networking.istio.io/v1', version: 'v1'},
				{groupVersion: 'networking.istio.io/v1beta1', version: 'v1beta1'},
				{groupVersion: 'networking.istio.io/v1alpha3', version: 'v1alpha3'},
			],
			preferredVersion: {groupVersion: 'networking.istio.io/v1', version: 'v1'},
		}, {
			name: 'gateway.networking.k8s.io',
			versions: [
				{groupVersion: 'gateway.networking.k8s.io/v1', version: 'v1'},
				{groupVersion: 'gateway.networking.k8s.io/v1beta1', version: 'v1beta1'},
			],
			preferredVersion: {groupVersion: 'gateway.networking.k8s.io/v1', version: 'v1'},
		}]);
		const gateway = await call(server, 'GET', '/apis/gateway.networking.k8s.io/v1');
		assert.deepEqual((gateway.body.resources as Array<{name: string}>).map(resource => resource.name), ['httproutes', 'httproutes/status', 'gateways', 'gateways/status']);
		const istio = await call(server, 'GET', '/apis/networking.istio.io/v1alpha3');
		const names = (istio.body.resources as Array<{name: string; shortNames?: string[]}>).map(resource => resource.name);
		assert.deepEqual(names, ['virtualservices', 'virtualservices/status', 'destinationrules', 'destinationrules/status']);
		const core = await call(server, 'GET', '/api/v1');
		assert.ok((core.body.resources as Array<{name: string}>).some(resource => resource.name === 'pods/portforward'));
		assert.equal((await call(server, 'GET', '/version')).body.major, '1');
		assert.equal((await fetch(`${server.url}/readyz`)).status, 200);
	});

	test('a VirtualService reads through every served version, with apiVersion rewritten', async () => {
		for (const version of ['v1', 'v1beta1', 'v1alpha3']) {
			const reply = await call(server, 'GET', `/apis/networking.istio.io/${version}/namespaces/bookinfo/virtualservices/reviews`);
			assert.equal(reply.status, 200);
			assert.equal(reply.body.apiVersion, `networking.istio.io/${version}`);
			assert.deepEqual((reply.body.spec as {hosts: string[]}).hosts, ['reviews']);
		}
		const list = await call(server, 'GET', vsPath);
		assert.equal(list.body.kind, 'VirtualServiceList');
		assert.equal((list.body.metadata as {resourceVersion: string}).resourceVersion, store.resourceVersion);
		assert.deepEqual((list.body.items as KubeObject[]).map(item => item.metadata.name), ['details', 'productpage', 'ratings', 'reviews']);
	});

	test('missing objects are 404 with the real message and details', async () => {
		const reply = await call(server, 'GET', `${vsPath}/x`);
		assert.deepEqual(reply.body, {
			kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure',
			message: 'virtualservices.networking.istio.io "x" not found', reason: 'NotFound',
			details: {name: 'x', group: 'networking.istio.io', kind: 'virtualservices'}, code: 404,
		});
	});

	test('merge patch changes weights, bumps resourceVersion and generation', async () => {
		const before = store.get(vsKey, 'bookinfo', 'ratings');
		const reply = await call(server, 'PATCH', `${vsPath}/ratings`, {metadata: {labels: {team: 'ratings'}}, spec: {http: [{route: [{destination: {host: 'ratings', subset: 'v1'}, weight: 100}]}]}}, 'application/merge-patch+json');
		assert.equal(reply.status, 200);
		const metadata = reply.body.metadata as {resourceVersion: string; generation: number; labels: Record<string, string>};
		assert.equal(metadata.labels.team, 'ratings');
		assert.equal(metadata.generation, (before?.metadata.generation ?? 0) + 1);
		assert.ok(Number(metadata.resourceVersion) > Number(before?.metadata.resourceVersion));
		assert.equal(store.get(vsKey, 'bookinfo', 'ratings')?.metadata.resourceVersion, metadata.resourceVersion);
	});

	test('JSON Patch with a resourceVersion test: applies when current, 422 (real body) when stale', async () => {
		const current = store.get(vsKey, 'bookinfo', 'reviews');
		const patch = (resourceVersion: string | undefined, weight: number) => [
			{op: 'test', path: '/metadata/resourceVersion', value: resourceVersion},
			{op: 'add', path: '/spec/http/0/route/0/weight', value: weight},
		];
		const ok = await call(server, 'PATCH', `${vsPath}/reviews`, patch(current?.metadata.resourceVersion, 100), 'application/json-patch+json');
		assert.equal(ok.status, 200);
		const stale = await call(server, 'PATCH', `${vsPath}/reviews`, patch(current?.metadata.resourceVersion, 90), 'application/json-patch+json');
		assert.equal(stale.status, 422);
		assert.deepEqual(stale.body, {kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'the server rejected our request due to an error in our request', reason: 'Invalid', details: {}, code: 422});
		const route = (store.get(vsKey, 'bookinfo', 'reviews')?.spec as {http: Array<{route: Array<{weight?: number}>}>}).http[0]?.route[0];
		assert.equal(route?.weight, 100);
	});

	test('strategic merge patch is 415 for custom resources but works on core kinds', async () => {
		const crd = await call(server, 'PATCH', `${vsPath}/reviews`, {metadata: {labels: {a: 'b'}}}, 'application/strategic-merge-patch+json');
		assert.equal(crd.status, 415);
		assert.equal(crd.body.reason, 'UnsupportedMediaType');
		const core = await call(server, 'PATCH', '/api/v1/namespaces/bookinfo', {metadata: {labels: {istio: 'on'}}}, 'application/strategic-merge-patch+json');
		assert.equal(core.status, 200);
		assert.deepEqual((core.body.metadata as {labels: Record<string, string>}).labels, {istio: 'on'});
	});

	test('PUT with a stale resourceVersion is 409 Conflict; without one on a custom resource is 422', async () => {
		const current = store.get(vsKey, 'bookinfo', 'details');
		assert.ok(current);
		const updated = await call(server, 'PUT', `${vsPath}/details`, {...current, metadata: {...current.metadata, labels: {x: '1'}}});
		assert.equal(updated.status, 200);
		const stale = await call(server, 'PUT', `${vsPath}/details`, {...current, metadata: {...current.metadata, labels: {x: '2'}}});
		assert.equal(stale.status, 409);
		assert.equal(stale.body.message, 'Operation cannot be fulfilled on virtualservices.networking.istio.io "details": the object has been modified; please apply your changes to the latest version and try again');
		const {resourceVersion: _unused, ...noVersion} = current.metadata;
		const unconditional = await call(server, 'PUT', `${vsPath}/details`, {...current, metadata: noVersion});
		assert.equal(unconditional.status, 422);
		assert.match(String(unconditional.body.message), /metadata\.resourceVersion: Invalid value: 0x0: must be specified for an update/);
	});

	test('invalid writes are 422 and leave the stored object unchanged', async () => {
		const before = store.get(vsKey, 'bookinfo', 'productpage');
		const reply = await call(server, 'PATCH', `${vsPath}/productpage`, [{op: 'add', path: '/spec/http/0/route/0/weight', value: -1}], 'application/json-patch+json');
		assert.equal(reply.status, 422);
		assert.deepEqual(store.get(vsKey, 'bookinfo', 'productpage'), before);
	});

	test('create: 201, 409 when it exists, 404 when the namespace does not', async () => {
		const vs = {apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: {name: 'extra'}, spec: {hosts: ['extra']}};
		const created = await call(server, 'POST', vsPath, vs);
		assert.equal(created.status, 201);
		assert.equal((created.body.metadata as {namespace: string}).namespace, 'bookinfo');
		assert.equal((await call(server, 'POST', vsPath, vs)).status, 409);
		const elsewhere = await call(server, 'POST', '/apis/networking.istio.io/v1/namespaces/nowhere/virtualservices', vs);
		assert.equal(elsewhere.status, 404);
		assert.equal(elsewhere.body.message, 'namespaces "nowhere" not found');
		const wrongVersion = await call(server, 'POST', vsPath.replace('/v1/', '/v1beta1/'), vs);
		assert.equal(wrongVersion.status, 400);
		const deleted = await call(server, 'DELETE', `${vsPath}/extra`);
		assert.equal(deleted.status, 200);
		assert.equal(store.get(vsKey, 'bookinfo', 'extra'), undefined);
	});

	test('status subresource: main writes keep status, /status writes change only status', async () => {
		const current = store.get(vsKey, 'bookinfo', 'details');
		assert.ok(current);
		const viaStatus = await call(server, 'PUT', `${vsPath}/details/status`, {...current, spec: {hosts: ['ignored']}, status: {observedGeneration: 1}});
		assert.equal(viaStatus.status, 200);
		assert.deepEqual(viaStatus.body.status, {observedGeneration: 1});
		assert.deepEqual((viaStatus.body.spec as {hosts: string[]}).hosts, ['details']);
		const viaMain = await call(server, 'PATCH', `${vsPath}/details`, {status: {observedGeneration: 99}, metadata: {labels: {k: 'v'}}}, 'application/merge-patch+json');
		assert.deepEqual(viaMain.body.status, {observedGeneration: 1});
		assert.equal((viaMain.body.metadata as {labels: Record<string, string>}).labels.k, 'v');
	});

	test('deletecollection honours the label selector', async () => {
		for (const name of ['tmp-a', 'tmp-b', 'keep']) {
			store.create('/pods', {apiVersion: 'v1', kind: 'Pod', metadata: {name, namespace: 'bookinfo', labels: {batch: name === 'keep' ? 'no' : 'yes'}}});
		}
		const reply = await call(server, 'DELETE', '/api/v1/namespaces/bookinfo/pods?labelSelector=batch%3Dyes');
		assert.deepEqual((reply.body.items as KubeObject[]).map(item => item.metadata.name), ['tmp-a', 'tmp-b']);
		assert.deepEqual(store.list('/pods', 'bookinfo', 'batch').map(pod => pod.metadata.name), ['keep']);
		store.delete('/pods', 'bookinfo', 'keep');
	});

	test('label selectors: =, ==, !=, in, notin, exists, !exists', async () => {
		for (const [name, labels] of [['a', {app: 'reviews', version: 'v1'}], ['b', {app: 'reviews', version: 'v2'}], ['c', {app: 'ratings'}]] as const) {
			store.create('/pods', {apiVersion: 'v1', kind: 'Pod', metadata: {name, namespace: 'bookinfo', labels}});
		}
		const names = async (selector: string) => {
			const reply = await call(server, 'GET', `/api/v1/namespaces/bookinfo/pods?labelSelector=${encodeURIComponent(selector)}`);
			return (reply.body.items as KubeObject[]).map(item => item.metadata.name);
		};
		assert.deepEqual(await names('app=reviews'), ['a', 'b']);
		assert.deepEqual(await names('app==reviews,version=v2'), ['b']);
		assert.deepEqual(await names('version!=v1'), ['b', 'c']);
		assert.deepEqual(await names('version in (v1, v2)'), ['a', 'b']);
		assert.deepEqual(await names('app notin (reviews)'), ['c']);
		assert.deepEqual(await names('version'), ['a', 'b']);
		assert.deepEqual(await names('!version'), ['c']);
		assert.equal((await call(server, 'GET', `/api/v1/namespaces/bookinfo/pods?labelSelector=${encodeURIComponent('a in b')}`)).status, 400);
	});

	test('events: create, list, and fieldSelector on involvedObject.name', async () => {
		const event = (name: string, about: string) => ({
			apiVersion: 'v1', kind: 'Event', metadata: {name}, involvedObject: {kind: 'VirtualService', name: about, namespace: 'bookinfo'},
			reason: 'WeightsChanged', message: `changed ${about}`, type: 'Normal', lastTimestamp: new Date().toISOString(),
		});
		assert.equal((await call(server, 'POST', '/api/v1/namespaces/bookinfo/events', event('e1', 'reviews'))).status, 201);
		assert.equal((await call(server, 'POST', '/api/v1/namespaces/bookinfo/events', event('e2', 'ratings'))).status, 201);
		const all = await call(server, 'GET', '/api/v1/namespaces/bookinfo/events');
		assert.deepEqual((all.body.items as KubeObject[]).map(item => item.metadata.name), ['e1', 'e2']);
		const about = await call(server, 'GET', '/api/v1/namespaces/bookinfo/events?fieldSelector=involvedObject.name%3Dreviews');
		assert.deepEqual((about.body.items as Array<{message: string}>).map(item => item.message), ['changed reviews']);
	});

	test('Table output for kubectl: printer columns of the CRD', async () => {
		const reply = await call(server, 'GET', `${vsPath}?limit=500`, undefined, 'application/json', 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json');
		assert.equal(reply.body.kind, 'Table');
		assert.deepEqual((reply.body.columnDefinitions as Array<{name: string}>).map(column => column.name), ['Name', 'Gateways', 'Hosts', 'Age']);
		const reviews = (reply.body.rows as Array<{cells: unknown[]; object: {kind: string}}>).find(row => row.cells[0] === 'reviews');
		assert.equal(reviews?.cells[1], null);
		assert.equal(reviews?.cells[2], '["reviews"]');
		assert.match(String(reviews?.cells[3]), /^\d+s$/);
		assert.equal(reviews?.object.kind, 'PartialObjectMetadata');
	});

	test('malformed JSON is 400 and the server keeps serving', async () => {
		const reply = await call(server, 'POST', vsPath, '{"kind": "VirtualService", ');
		assert.equal(reply.status, 400);
		assert.equal(reply.body.reason, 'BadRequest');
		const patch = await call(server, 'PATCH', `${vsPath}/reviews`, 'not json', 'application/json-patch+json');
		assert.equal(patch.status, 400);
		assert.equal((await call(server, 'GET', `${vsPath}/reviews`)).status, 200);
	});

	test('deny rules produce the RBAC 403 message', async () => {
		server.setDenyRules([{verb: 'patch', group: 'networking.istio.io', resource: 'virtualservices', namespace: 'bookinfo'}, {verb: 'list', group: '', resource: '*'}]);
		try {
			const denied = await call(server, 'PATCH', `${vsPath}/reviews`, {metadata: {labels: {a: 'b'}}}, 'application/merge-patch+json');
			assert.equal(denied.status, 403);
			assert.deepEqual(denied.body, {
				kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure',
				message: 'virtualservices.networking.istio.io "reviews" is forbidden: User "sim-admin" cannot patch resource "virtualservices" in API group "networking.istio.io" in the namespace "bookinfo"',
				reason: 'Forbidden', details: {name: 'reviews', group: 'networking.istio.io', kind: 'virtualservices'}, code: 403,
			});
			const list = await call(server, 'GET', '/api/v1/namespaces');
			assert.equal(list.body.message, 'namespaces is forbidden: User "sim-admin" cannot list resource "namespaces" in API group "" at the cluster scope');
			assert.equal((await call(server, 'GET', `${vsPath}/reviews`)).status, 200, 'other verbs still work');
		} finally {
			server.setDenyRules([]);
		}
		assert.equal((await call(server, 'GET', '/api/v1/namespaces')).status, 200);
	});

	test('watch: history after a resourceVersion, then live events, with bookmarks when allowed', async () => {
		const from = store.resourceVersion;
		const reviews = store.get(vsKey, 'bookinfo', 'reviews');
		assert.ok(reviews);
		store.update(vsKey, {...reviews, metadata: {...reviews.metadata, labels: {step: '1'}}});
		const watch = openWatch(server, `${vsPath}?watch=true&resourceVersion=${from}&allowWatchBookmarks=true&fieldSelector=metadata.name%3Dreviews`);
		try {
			await waitFor(() => watch.events.length >= 1, {message: 'replayed event'});
			const latest = store.get(vsKey, 'bookinfo', 'reviews');
			assert.ok(latest);
			store.update(vsKey, {...latest, metadata: {...latest.metadata, labels: {step: '2'}}});
			store.create('/pods', {apiVersion: 'v1', kind: 'Pod', metadata: {name: 'unrelated', namespace: 'bookinfo'}});
			await waitFor(() => watch.events.some(event => event.type === 'BOOKMARK') && watch.events.filter(event => event.type === 'MODIFIED').length >= 2, {message: 'live event and bookmark'});
			const modified = watch.events.filter(event => event.type === 'MODIFIED').map(event => (event.object.metadata as {labels: Record<string, string>}).labels.step);
			assert.deepEqual(modified, ['1', '2']);
			const bookmark = watch.events.find(event => event.type === 'BOOKMARK');
			assert.equal(bookmark?.object.kind, 'VirtualService');
			assert.ok(watch.events.every(event => event.type === 'BOOKMARK' || (event.object.metadata as {name: string}).name === 'reviews'));
		} finally {
			watch.close();
			await watch.done;
		}
	});

	test('a labelled watch sees an object entering the selection as ADDED and leaving it as DELETED', async () => {
		const from = store.resourceVersion;
		const watch = openWatch(server, `/api/v1/namespaces/bookinfo/pods?watch=true&labelSelector=app%3Dprometheus&resourceVersion=${from}`);
		try {
			store.create('/pods', {apiVersion: 'v1', kind: 'Pod', metadata: {name: 'prom-0', namespace: 'bookinfo', labels: {app: 'other'}}});
			const pod = store.get('/pods', 'bookinfo', 'prom-0');
			assert.ok(pod);
			const labelled = store.update('/pods', {...pod, metadata: {...pod.metadata, labels: {app: 'prometheus'}}});
			const ready = store.update('/pods', {...labelled, status: {phase: 'Running'}});
			store.update('/pods', {...ready, metadata: {...ready.metadata, labels: {app: 'gone'}}});
			store.delete('/pods', 'bookinfo', 'prom-0');
			await waitFor(() => watch.events.length >= 3, {message: 'three events'});
			assert.deepEqual(watch.events.map(event => event.type), ['ADDED', 'MODIFIED', 'DELETED']);
		} finally {
			watch.close();
			await watch.done;
		}
	});

	test('watch without resourceVersion starts with ADDED for current objects; timeoutSeconds ends it', async () => {
		const watch = openWatch(server, '/apis/networking.istio.io/v1beta1/namespaces/bookinfo/destinationrules?watch=1&timeoutSeconds=1');
		await watch.done;
		assert.deepEqual(watch.events.map(event => `${event.type} ${(event.object.metadata as {name: string}).name} ${String(event.object.apiVersion)}`), [
			'ADDED details networking.istio.io/v1beta1',
			'ADDED productpage networking.istio.io/v1beta1',
			'ADDED ratings networking.istio.io/v1beta1',
			'ADDED reviews networking.istio.io/v1beta1',
		]);
	});

	test('a handler exception is a 500 Status and the server keeps serving', async () => {
		const faulty = new ObjectStore();
		seed(faulty);
		let failures = 1;
		const originalList = faulty.list.bind(faulty);
		faulty.list = (...args: Parameters<ObjectStore['list']>) => {
			if (failures-- > 0) {
				throw new Error('disk on fire');
			}
			return originalList(...args);
		};
		const other = await startApiServer({store: faulty});
		try {
			const reply = await call(other, 'GET', vsPath);
			assert.equal(reply.status, 500);
			assert.equal(reply.body.reason, 'InternalError');
			assert.equal((await call(other, 'GET', vsPath)).status, 200);
		} finally {
			await other.stop();
		}
	});
});

describe('watch lifecycle', () => {
	test('a resourceVersion older than the retained history gets an ERROR 410 Expired event', async () => {
		const store = new ObjectStore({historyLimit: 2});
		seed(store);
		const server = await startApiServer({store});
		try {
			const watch = openWatch(server, `${vsPath}?watch=true&resourceVersion=1`);
			await watch.done;
			assert.equal(watch.events.length, 1);
			assert.equal(watch.events[0]?.type, 'ERROR');
			assert.equal(watch.events[0]?.object.code, 410);
			assert.equal(watch.events[0]?.object.reason, 'Expired');
		} finally {
			await server.stop();
		}
	});

	test('stop() ends open watches and resolves', async () => {
		const store = new ObjectStore();
		seed(store);
		const server = await startApiServer({store});
		const watch = openWatch(server, `${vsPath}?watch=true`);
		await waitFor(() => watch.events.length === 4, {message: 'initial events'});
		await server.stop();
		await watch.done;
		await assert.rejects(fetch(`${server.url}/version`));
	});
});
