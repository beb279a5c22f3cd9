import assert from 'node:assert/strict';
import {createServer, type Server} from 'node:net';
import {PassThrough} from 'node:stream';
import {after, before, describe, test} from 'node:test';
import {
	ApiException,
	CustomObjectsApi,
	KubeConfig,
	ListWatch,
	PatchStrategy,
	PortForward,
	Watch,
	setHeaderOptions,
	type KubernetesListObject,
	type KubernetesObject,
} from '@kubernetes/client-node';
import {startApiServer, type ApiServer, type PortForwardTarget} from '../../source/sim/api/api-server.js';
import {ObjectStore, type KubeObject} from '../../source/sim/api/store.js';
import {readIstioYaml} from '../../source/sim/istio-data.js';
import {simKubeconfig} from '../../source/sim/kubeconfig.js';
import {trackConnections, type TrackedServer} from '../helpers/tracked-server.js';
import {waitFor} from '../helpers/wait-for.js';

const group = 'networking.istio.io';
const vsKey = 'networking.istio.io/virtualservices';
const vsPath = '/apis/networking.istio.io/v1/namespaces/bookinfo/virtualservices';

function seed(store: ObjectStore): void {
	store.create('/namespaces', {apiVersion: 'v1', kind: 'Namespace', metadata: {name: 'bookinfo'}});
	for (const object of readIstioYaml('bookinfo/virtual-service-all-v1.yaml') as KubeObject[]) {
		store.create(vsKey, {...object, metadata: {...object.metadata, namespace: 'bookinfo'}});
	}
	for (const name of ['echo', 'silent']) {
		store.create('/pods', {apiVersion: 'v1', kind: 'Pod', metadata: {name, namespace: 'bookinfo'}, spec: {containers: [{name}]}, status: {phase: 'Running'}});
	}
}

function kubeConfigFor(server: ApiServer): KubeConfig {
	const config = new KubeConfig();
	config.loadFromString(simKubeconfig({server: server.url}));
	return config;
}

function weights(object: KubeObject | undefined): Array<number | undefined> {
	const http = (object?.spec as {http?: Array<{route: Array<{weight?: number}>}>} | undefined)?.http;
	return (http?.[0]?.route ?? []).map(destination => destination.weight);
}

describe('@kubernetes/client-node against the simulated API server', () => {
	let server: ApiServer;
	let store: ObjectStore;
	let config: KubeConfig;
	let api: CustomObjectsApi;
	let echo: TrackedServer<Server>;
	let echoTarget: PortForwardTarget;

	before(async () => {
		echo = trackConnections(createServer(socket => {
			socket.pipe(socket);
		}));
		await new Promise<void>(resolve => {
			echo.server.listen(0, '127.0.0.1', resolve);
		});
		echoTarget = {host: '127.0.0.1', port: (echo.server.address() as {port: number}).port};
		store = new ObjectStore();
		seed(store);
		server = await startApiServer({store, resolvePortForward: (_namespace, pod) => (pod === 'echo' ? echoTarget : undefined)});
		config = kubeConfigFor(server);
		api = config.makeApiClient(CustomObjectsApi);
	});

	after(async () => {
		await server.stop();
		await echo.close();
	});

	test('CustomObjectsApi get and list', async () => {
		const reviews = await api.getNamespacedCustomObject({group, version: 'v1', namespace: 'bookinfo', plural: 'virtualservices', name: 'reviews'}) as KubeObject;
		assert.equal(reviews.kind, 'VirtualService');
		assert.deepEqual((reviews.spec as {hosts: string[]}).hosts, ['reviews']);
		const list = await api.listNamespacedCustomObject({group, version: 'v1alpha3', namespace: 'bookinfo', plural: 'virtualservices'}) as KubernetesListObject<KubernetesObject>;
		assert.deepEqual(list.items.map(item => item.metadata?.name), ['details', 'productpage', 'ratings', 'reviews']);
		assert.equal(list.items[0]?.apiVersion, 'networking.istio.io/v1alpha3');
		await assert.rejects(
			api.getNamespacedCustomObject({group, version: 'v1', namespace: 'bookinfo', plural: 'virtualservices', name: 'nope'}),
			(error: unknown) => error instanceof ApiException && error.code === 404,
		);
	});

	test('JSON Patch with a resourceVersion test: applied when current, 422 when stale', async () => {
		const current = store.get(vsKey, 'bookinfo', 'reviews');
		const resourceVersion = current?.metadata.resourceVersion;
		const body = (weight: number) => [
			{op: 'test', path: '/metadata/resourceVersion', value: resourceVersion},
			{op: 'replace', path: '/spec/http/0/route', value: [{destination: {host: 'reviews', subset: 'v1'}, weight}, {destination: {host: 'reviews', subset: 'v3'}, weight: 100 - weight}]},
		];
		const patchOptions = setHeaderOptions('Content-Type', PatchStrategy.JsonPatch);
		const patched = await api.patchNamespacedCustomObject({group, version: 'v1', namespace: 'bookinfo', plural: 'virtualservices', name: 'reviews', body: body(70)}, patchOptions) as KubeObject;
		assert.deepEqual(weights(patched), [70, 30]);
		assert.notEqual(patched.metadata.resourceVersion, resourceVersion);
		await assert.rejects(
			api.patchNamespacedCustomObject({group, version: 'v1', namespace: 'bookinfo', plural: 'virtualservices', name: 'reviews', body: body(10)}, patchOptions),
			(error: unknown) => {
				assert.ok(error instanceof ApiException);
				assert.equal(error.code, 422);
				assert.match(String(error.body), /the server rejected our request due to an error in our request/);
				return true;
			},
		);
		assert.deepEqual(weights(store.get(vsKey, 'bookinfo', 'reviews')), [70, 30]);
	});

	test('merge patch through setHeaderOptions', async () => {
		const patched = await api.patchNamespacedCustomObject(
			{group, version: 'v1', namespace: 'bookinfo', plural: 'virtualservices', name: 'details', body: {metadata: {labels: {owner: 'sre'}}}},
			setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
		) as KubeObject;
		assert.equal(patched.metadata.labels?.owner, 'sre');
	});

	test('Watch sees MODIFIED for a change made through the store', async t => {
		const events: Array<{type: string; object: KubeObject}> = [];
		const controller = await new Watch(config).watch(vsPath, {resourceVersion: store.resourceVersion}, (type, object) => {
			events.push({type, object: object as KubeObject});
		}, () => undefined);
		t.after(() => controller.abort());
		const ratings = store.get(vsKey, 'bookinfo', 'ratings');
		assert.ok(ratings);
		store.update(vsKey, {...ratings, metadata: {...ratings.metadata, labels: {changed: 'yes'}}});
		const event = await waitFor(() => events.find(candidate => candidate.type === 'MODIFIED'), {message: 'MODIFIED event'});
		assert.equal(event.object.metadata.name, 'ratings');
		assert.equal(event.object.metadata.labels?.changed, 'yes');
	});

	test('ListWatch (informer) gets add, update and delete', async t => {
		const informer = new ListWatch<KubernetesObject>(
			vsPath,
			new Watch(config),
			async () => await api.listNamespacedCustomObject({group, version: 'v1', namespace: 'bookinfo', plural: 'virtualservices'}) as KubernetesListObject<KubernetesObject>,
			false,
		);
		const seen: string[] = [];
		informer.on('add', object => seen.push(`add ${object.metadata?.name}`));
		informer.on('update', object => seen.push(`update ${object.metadata?.name}`));
		informer.on('delete', object => seen.push(`delete ${object.metadata?.name}`));
		t.after(async () => informer.stop());
		await informer.start();
		await waitFor(() => seen.includes('add reviews'), {message: 'initial adds'});
		store.create(vsKey, {apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: {name: 'canary', namespace: 'bookinfo'}, spec: {hosts: ['canary']}});
		const canary = await waitFor(() => store.get(vsKey, 'bookinfo', 'canary'));
		store.update(vsKey, {...canary, spec: {hosts: ['canary', 'canary.example']}});
		store.delete(vsKey, 'bookinfo', 'canary');
		await waitFor(() => seen.includes('delete canary'), {message: 'delete event'});
		assert.deepEqual(seen.filter(entry => entry.endsWith('canary')), ['add canary', 'update canary', 'delete canary']);
		assert.equal(informer.get('canary', 'bookinfo'), undefined);
		assert.ok(informer.get('reviews', 'bookinfo'));
	});

	test('a watch from a too-old resourceVersion gets a 410 ERROR event and ends', async () => {
		const small = new ObjectStore({historyLimit: 2});
		seed(small);
		const other = await startApiServer({store: small});
		try {
			const events: Array<{type: string; object: {code?: number; reason?: string}}> = [];
			let ended = false;
			await new Watch(kubeConfigFor(other)).watch(vsPath, {resourceVersion: '1'}, (type, object) => {
				events.push({type, object: object as {code?: number}});
			}, () => {
				ended = true;
			});
			await waitFor(() => ended, {message: 'watch end'});
			assert.deepEqual(events.map(event => [event.type, event.object.code, event.object.reason]), [['ERROR', 410, 'Expired']]);
		} finally {
			await other.stop();
		}
	});

	test('PortForward round-trips bytes to the pod\'s target and half-closes on input end', async () => {
		const input = new PassThrough();
		const output = new PassThrough();
		const errors = new PassThrough();
		let received = '';
		output.on('data', (chunk: Buffer) => {
			received += chunk.toString();
		});
		const socket = await new PortForward(config).portForward('bookinfo', 'echo', [8080], output, errors, input) as {protocol: string; readyState: number; close: () => void};
		assert.equal(socket.protocol, 'v5.channel.k8s.io');
		input.write('hello through the mesh');
		await waitFor(() => received === 'hello through the mesh', {message: 'echo'});
		input.write(Buffer.from([0, 1, 2, 255]));
		await waitFor(() => received.length === 'hello through the mesh'.length + 4, {message: 'binary echo'});
		input.end();
		// v5 close signal → the sim half-closes TCP → the echo server ends → the WebSocket closes.
		await waitFor(() => socket.readyState === 3, {message: 'WebSocket closed after the pod side ended'});
	});

	test('PortForward to a pod with nothing listening reports on the error channel', async () => {
		const input = new PassThrough();
		const errors = new PassThrough();
		let errorText = '';
		errors.on('data', (chunk: Buffer) => {
			errorText += chunk.toString();
		});
		const socket = await new PortForward(config).portForward('bookinfo', 'silent', [9090], new PassThrough(), errors, input) as {readyState: number};
		await waitFor(() => socket.readyState === 3, {message: 'WebSocket closed'});
		assert.match(errorText, /error forwarding port 9090 to pod silent/);
		input.destroy();
	});

	test('PortForward to a missing pod fails the handshake with 404', async () => {
		await assert.rejects(new PortForward(config).portForward('bookinfo', 'ghost', [80], new PassThrough(), null, new PassThrough()), (error: unknown) => {
			// client-node rejects with the WebSocket's ErrorEvent.
			assert.match(String((error as {message?: string}).message), /Unexpected server response: 404/);
			return true;
		});
	});
});
