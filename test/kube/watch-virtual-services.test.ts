import assert from 'node:assert/strict';
import {execFile} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import net from 'node:net';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {promisify} from 'node:util';
import {after, before, describe, test} from 'node:test';
import type {VirtualService} from '../../source/domain/virtual-service.js';
import {loadKubeTarget, type KubeTarget} from '../../source/kube/config.js';
import {IstioApi} from '../../source/kube/istio-api.js';
import {watchVirtualServices, type VirtualServiceFeed, type VirtualServiceFeedState} from '../../source/kube/watch-virtual-services.js';
import {startSimCluster, type SimCluster} from '../../source/sim/cluster.js';
import {simKubeconfig} from '../../source/sim/kubeconfig.js';
import {waitFor} from '../helpers/wait-for.js';
import {backends, type ClusterFixture} from '../helpers/cluster-fixture.js';
import {rawEndpoint} from '../helpers/raw-api.js';
import {trackConnections, type TrackedServer} from '../helpers/tracked-server.js';

const run = promisify(execFile);
const vsResource = 'networking.istio.io/virtualservices';
let cluster: SimCluster;
let kubeconfigFile: string;
const dir = mkdtempSync(path.join(tmpdir(), 'meshtop-watch-'));

/**
 * A TCP proxy in front of the API server, so a test can cut every connection (a network drop)
 * or hold watch requests of VirtualServices until released (time for the history to be compacted).
 */
class FlakyProxy {
	/** The listener, owning both sides of every proxied connection. */
	readonly tracked: TrackedServer;
	accepted = 0;
	heldWatches = 0;
	private hold: Promise<void> | undefined;
	private release: (() => void) | undefined;

	constructor(targetPort: number) {
		this.tracked = trackConnections(net.createServer(client => {
			this.accepted++;
			const upstream = this.tracked.track(net.connect(targetPort, '127.0.0.1'));
			let chain = Promise.resolve();
			client.on('data', (chunk: Buffer) => {
				const text = chunk.toString('latin1');
				const isVsWatch = text.includes('watch=true') && text.includes('/virtualservices?');
				const hold = isVsWatch ? this.hold : undefined;
				if (hold !== undefined) {
					this.heldWatches++;
				}

				chain = chain.then(async () => {
					await hold;
					upstream.write(chunk);
				});
			});
			upstream.pipe(client);
			const close = () => {
				client.destroy();
				upstream.destroy();
			};

			client.on('close', close);
			upstream.on('close', close);
			client.on('error', close);
			upstream.on('error', close);
		}));
	}

	async listen(): Promise<number> {
		await new Promise<void>(resolve => {
			this.tracked.server.listen(0, '127.0.0.1', resolve);
		});
		return (this.tracked.server.address() as net.AddressInfo).port;
	}

	dropAll(): void {
		this.tracked.destroyAll();
	}

	holdWatches(): void {
		this.hold = new Promise(resolve => {
			this.release = resolve;
		});
	}

	releaseWatches(): void {
		this.hold = undefined;
		this.release?.();
	}

	async close(): Promise<void> {
		this.releaseWatches();
		await this.tracked.close();
	}
}

/** Starts a feed and records every state it delivers; stopped by the test's cleanup. */
function follow(t: {after: (fn: () => void) => void}, target: KubeTarget, namespace: string): {feed: VirtualServiceFeed; states: VirtualServiceFeedState[]; latest: () => VirtualServiceFeedState | undefined} {
	const feed = watchVirtualServices(new IstioApi(target), target, namespace);
	const states: VirtualServiceFeedState[] = [];
	feed.subscribe(state => states.push(state));
	t.after(() => {
		feed.stop();
	});
	return {feed, states, latest: () => states.at(-1)};
}

function weightsOf(vs: VirtualService | undefined): unknown {
	const http = vs?.spec['http'] as Array<{route?: Array<{weight?: number; destination?: {subset?: string}}>}> | undefined;
	return http?.[0]?.route?.map(route => `${route.destination?.subset ?? '?'}=${route.weight ?? '-'}`).join(' ');
}

function virtualService(name: string, namespace: string): {apiVersion: string; kind: string; metadata: {name: string; namespace: string}; spec: Record<string, unknown>} {
	return {
		apiVersion: 'networking.istio.io/v1',
		kind: 'VirtualService',
		metadata: {name, namespace},
		spec: {hosts: [name], http: [{route: [{destination: {host: name, subset: 'v1'}, weight: 100}]}]},
	};
}

before(async () => {
	cluster = await startSimCluster({prometheus: 'builtin', requestsPerSecond: 1});
	kubeconfigFile = path.join(dir, 'kubeconfig');
	await cluster.writeKubeconfig(kubeconfigFile);
});

after(async () => {
	await cluster?.stop();
	rmSync(dir, {recursive: true, force: true});
});

describe('watchVirtualServices against the sim', () => {
	test('lists the namespace, then delivers a change made with the real kubectl', async t => {
		const target = loadKubeTarget({kubeconfig: kubeconfigFile, env: {}});
		const {latest} = follow(t, target, 'bookinfo');
		const live = await waitFor(() => latest()?.status === 'live' && latest(), {timeout: 5000, message: 'feed live'});
		assert.deepEqual([...live.items.keys()].sort(), ['details', 'productpage', 'ratings', 'reviews']);
		assert.deepEqual(live.destinationRules.map(rule => rule.host).sort(), ['details', 'productpage', 'ratings', 'reviews']);
		assert.equal(live.error, undefined);

		const patch = {spec: {http: [{route: [
			{destination: {host: 'reviews', subset: 'v1'}, weight: 70},
			{destination: {host: 'reviews', subset: 'v3'}, weight: 30},
		]}]}};
		await run('kubectl', ['--kubeconfig', kubeconfigFile, 'patch', 'vs', 'reviews', '-n', 'bookinfo', '--type=merge', '-p', JSON.stringify(patch)], {timeout: 20_000});
		const changed = await waitFor(() => weightsOf(latest()?.items.get('reviews')) === 'v1=70 v3=30' && latest(), {timeout: 5000, message: 'kubectl change delivered'});
		// Delivered maps are snapshots: the one seen before the change still holds the old object.
		assert.notEqual(changed.items, live.items);
		assert.equal(weightsOf(live.items.get('reviews')), 'v1=-');

		await run('kubectl', ['--kubeconfig', kubeconfigFile, 'delete', 'vs', 'details', '-n', 'bookinfo'], {timeout: 20_000});
		await waitFor(() => latest()?.items.has('details') === false, {timeout: 5000, message: 'deletion delivered'});
	});

	test('reconnects after the watch connection drops, and delivers what changed meanwhile', async t => {
		const proxy = new FlakyProxy(cluster.apiServer.port);
		const port = await proxy.listen();
		t.after(async () => proxy.close());
		const file = path.join(dir, 'proxied');
		writeFileSync(file, simKubeconfig({server: `http://127.0.0.1:${port}`}));
		const {latest} = follow(t, loadKubeTarget({kubeconfig: file, env: {}}), 'bookinfo');
		await waitFor(() => latest()?.status === 'live', {timeout: 5000, message: 'feed live'});
		const acceptedBefore = proxy.accepted;

		proxy.dropAll();
		cluster.store.create(vsResource, virtualService('during-drop', 'bookinfo'));
		const state = await waitFor(() => latest()?.items.has('during-drop') === true && latest(), {timeout: 5000, message: 'change after the drop delivered'});
		assert.ok(proxy.accepted > acceptedBefore, 'the feed opened new connections');
		assert.ok(state.items.has('reviews'), 'kept the data it had');
		await waitFor(() => latest()?.status === 'live', {timeout: 5000, message: 'live again'});
	});

	test('relists when the watch resourceVersion is too old (410 Gone)', async t => {
		const proxy = new FlakyProxy(cluster.apiServer.port);
		const port = await proxy.listen();
		t.after(async () => proxy.close());
		const file = path.join(dir, 'held');
		writeFileSync(file, simKubeconfig({server: `http://127.0.0.1:${port}`}));
		proxy.holdWatches();
		const {latest, states} = follow(t, loadKubeTarget({kubeconfig: file, env: {}}), 'bookinfo');
		// The list went through; the watch from its resourceVersion is held while more than the
		// retained history (1,000 events) is written, so the server answers it with 410 Expired.
		await waitFor(() => proxy.heldWatches > 0, {timeout: 5000, message: 'watch request held'});
		for (let index = 0; index < 1100; index++) {
			cluster.store.create('/configmaps', {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: `filler-${index}`, namespace: 'filler'}});
		}

		cluster.store.create(vsResource, virtualService('after-compaction', 'bookinfo'));
		proxy.releaseWatches();
		await waitFor(() => latest()?.items.has('after-compaction') === true && latest()?.status === 'live', {timeout: 5000, message: 'relisted after 410'});
		assert.ok(states.some(state => state.status === 'reconnecting' && state.error?.kind === 'gone'), 'reported the expired watch while relisting');
	});

	test('a namespace of 1,000 VirtualServices: list + watch, then a change', async t => {
		const count = 1000;
		for (let index = 0; index < count; index++) {
			cluster.store.create(vsResource, virtualService(`svc-${String(index).padStart(4, '0')}`, 'scale'));
		}

		const target = loadKubeTarget({kubeconfig: kubeconfigFile, env: {}});
		const started = performance.now();
		const {latest, states} = follow(t, target, 'scale');
		await waitFor(() => latest()?.status === 'live' && latest()?.items.size === count, {timeout: 10_000, message: '1,000 VirtualServices live'});
		const listed = performance.now() - started;

		const stored = cluster.store.get(vsResource, 'scale', 'svc-0500');
		assert.ok(stored);
		const changeStarted = performance.now();
		cluster.store.update(vsResource, {...stored, metadata: {...stored.metadata, labels: {touched: 'yes'}}});
		await waitFor(() => latest()?.items.get('svc-0500')?.metadata.labels?.['touched'] === 'yes', {timeout: 5000, message: 'change delivered'});
		const changed = performance.now() - changeStarted;
		t.diagnostic(`1,000 VirtualServices: list+watch live in ${listed.toFixed(0)} ms, one change delivered in ${changed.toFixed(1)} ms`);

		// A burst touching every object: events read together are delivered together (one map copy per delivery).
		const deliveriesBefore = states.length;
		const burstStarted = performance.now();
		for (const object of cluster.store.list(vsResource, 'scale')) {
			cluster.store.update(vsResource, {...object, metadata: {...object.metadata, labels: {burst: 'yes'}}});
		}

		await waitFor(() => {
			const items = latest()?.items;
			return items !== undefined && [...items.values()].every(vs => vs.metadata.labels?.['burst'] === 'yes');
		}, {timeout: 10_000, message: 'burst delivered'});
		t.diagnostic(`1,000 changes in a burst delivered in ${(performance.now() - burstStarted).toFixed(0)} ms as ${states.length - deliveriesBefore} deliveries`);
		assert.equal(latest()?.items.size, count);
	});

	test('a namespace it may not list reports a forbidden error', async t => {
		cluster.apiServer.setDenyRules([{verb: 'list', group: 'networking.istio.io', resource: 'virtualservices', namespace: 'bookinfo'}]);
		t.after(() => {
			cluster.apiServer.setDenyRules([]);
		});
		const target = loadKubeTarget({kubeconfig: kubeconfigFile, env: {}});
		const {latest} = follow(t, target, 'bookinfo');
		const failed = await waitFor(() => latest()?.status === 'error' && latest(), {timeout: 5000, message: 'feed error'});
		assert.equal(failed.error?.kind, 'forbidden');
		assert.equal(failed.error?.message, 'forbidden: cannot list virtualservices.networking.istio.io in namespace bookinfo (user sim-admin)');
		assert.equal(failed.items.size, 0);
	});

	test('stop() ends delivery', async t => {
		const target = loadKubeTarget({kubeconfig: kubeconfigFile, env: {}});
		const {feed, latest, states} = follow(t, target, 'bookinfo');
		await waitFor(() => latest()?.status === 'live', {timeout: 5000, message: 'feed live'});
		feed.stop();
		const delivered = states.length;
		cluster.store.create(vsResource, virtualService('after-stop', 'bookinfo'));
		// A second feed seeing the change proves it was delivered to watchers; the stopped one must not have heard.
		const control = follow(t, target, 'bookinfo');
		await waitFor(() => control.latest()?.items.has('after-stop') === true, {timeout: 5000, message: 'control feed saw the change'});
		assert.equal(states.length, delivered);
	});
});

const testbed = backends.find(backend => backend.name === 'testbed')!;

describe('watchVirtualServices against the real API server (test bed)', {skip: testbed.skip, timeout: 60_000}, () => {
	let fixture: ClusterFixture;
	before(async () => {
		fixture = await testbed.start();
		await fixture.kubectl(['delete', 'virtualservice', 'during-drop', 'watch-probe', '--ignore-not-found']);
	});
	after(async () => {
		await fixture?.kubectl(['delete', 'virtualservice', 'during-drop', 'watch-probe', '--ignore-not-found']);
		await fixture?.resetReviews();
		await fixture?.stop();
	});

	const apply = async (name: string) => fixture.kubectl(['apply', '-f', '-'], {input: JSON.stringify(virtualService(name, 'bookinfo'))});

	test('lists the namespace, then delivers a kubectl patch, a create and a delete', async t => {
		const target = loadKubeTarget({kubeconfig: fixture.kubeconfig, env: {}});
		const {latest} = follow(t, target, 'bookinfo');
		const live = await waitFor(() => latest()?.status === 'live' && latest(), {timeout: 10_000, message: 'feed live'});
		for (const name of ['details', 'productpage', 'ratings', 'reviews']) {
			assert.ok(live.items.has(name), `${name} listed`);
		}

		assert.deepEqual(live.destinationRules.map(rule => rule.host).sort(), ['details', 'productpage', 'ratings', 'reviews']);
		const patch = {spec: {http: [{route: [
			{destination: {host: 'reviews', subset: 'v1'}, weight: 70},
			{destination: {host: 'reviews', subset: 'v3'}, weight: 30},
		]}]}};
		await fixture.kubectl(['patch', 'vs', 'reviews', '--type=merge', '-p', JSON.stringify(patch)]);
		await waitFor(() => weightsOf(latest()?.items.get('reviews')) === 'v1=70 v3=30', {timeout: 5000, message: 'kubectl change delivered'});
		await apply('watch-probe');
		await waitFor(() => latest()?.items.has('watch-probe') === true, {timeout: 5000, message: 'creation delivered'});
		await fixture.kubectl(['delete', 'vs', 'watch-probe']);
		await waitFor(() => latest()?.items.has('watch-probe') === false, {timeout: 5000, message: 'deletion delivered'});
	});

	test('reconnects after the connection to the API server drops (TLS through a TCP proxy), and delivers what changed meanwhile', async t => {
		const server = new URL(rawEndpoint(fixture.kubeconfig).server);
		const proxy = new FlakyProxy(Number(server.port));
		const port = await proxy.listen();
		t.after(async () => proxy.close());
		// The same kubeconfig with the proxy as server: the serving certificate is for 127.0.0.1, so TLS still verifies.
		const file = path.join(dir, 'testbed-proxied');
		writeFileSync(file, readFileSync(fixture.kubeconfig, 'utf8').replace(server.origin, `https://127.0.0.1:${port}`));
		const {latest} = follow(t, loadKubeTarget({kubeconfig: file, env: {}}), 'bookinfo');
		await waitFor(() => latest()?.status === 'live', {timeout: 10_000, message: 'feed live'});
		const acceptedBefore = proxy.accepted;

		proxy.dropAll();
		await apply('during-drop');
		const state = await waitFor(() => latest()?.items.has('during-drop') === true && latest(), {timeout: 10_000, message: 'change after the drop delivered'});
		assert.ok(proxy.accepted > acceptedBefore, 'the feed opened new connections');
		assert.ok(state.items.has('reviews'), 'kept the data it had');
		await waitFor(() => latest()?.status === 'live', {timeout: 5000, message: 'live again'});
	});

	test('a namespace it may not list reports the real server\'s 403 plainly', async t => {
		const {latest} = follow(t, loadKubeTarget({kubeconfig: fixture.kubeconfig, context: 'testbed-outsider', env: {}}), 'bookinfo');
		// Every list of the feed (VirtualServices, DestinationRules, Services) is refused, in whatever order the answers come;
		// once the VirtualServices' refusal is in, it is the one shown.
		const failed = await waitFor(() => latest()?.status === 'error' && latest()?.error?.message.includes('virtualservices') === true && latest(), {timeout: 10_000, message: 'feed error about virtualservices'});
		assert.equal(failed.error?.kind, 'forbidden');
		assert.equal(failed.error?.message, 'forbidden: cannot list virtualservices.networking.istio.io in namespace bookinfo (user outsider)');
		assert.equal(failed.items.size, 0);
	});
});
