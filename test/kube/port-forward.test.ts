import assert from 'node:assert/strict';
import {mkdtempSync, rmSync} from 'node:fs';
import net from 'node:net';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {after, before, describe, test} from 'node:test';
import type {Destination} from '../../source/domain/virtual-service.js';
import {loadKubeTarget, type KubeTarget} from '../../source/kube/config.js';
import {discoverPrometheus} from '../../source/kube/prometheus-discovery.js';
import {startPortForward, type PortForwardHandle, type PortForwardStatus} from '../../source/kube/port-forward.js';
import {PrometheusClient} from '../../source/prometheus/client.js';
import {fetchMetrics} from '../../source/prometheus/metrics-source.js';
import {rateWindow} from '../../source/prometheus/queries.js';
import {waitFor} from '../helpers/wait-for.js';
import {backends, type ClusterFixture} from '../helpers/cluster-fixture.js';

const dir = mkdtempSync(path.join(tmpdir(), 'meshtop-port-forward-'));
after(() => {
	rmSync(dir, {recursive: true, force: true});
});

const reviews = (version: string): Destination => ({key: version, host: 'reviews', subset: version, weight: version === 'v1' ? 100 : 0, metric: {service: 'reviews', namespace: 'bookinfo', version}});

for (const backend of backends) describe(`startPortForward to the Prometheus pod (${backend.name === 'sim' ? 'sim' : 'real API server → kwok → real Prometheus'})`, {skip: backend.skip, timeout: 120_000}, () => {
	let cluster: ClusterFixture;
	let target: KubeTarget;

	before(async () => {
		// CI has the real prometheus binary; 'auto' falls back to the sim's responder elsewhere.
		cluster = await backend.start({prometheus: 'auto', requestsPerSecond: 40});
		target = loadKubeTarget({kubeconfig: cluster.kubeconfig, env: {}});
	});

	after(async () => {
		await cluster?.stop();
	});

	async function forwardToPrometheus(t: {after: (fn: () => Promise<void>) => void}, options: {withSelector: boolean; as?: KubeTarget}): Promise<PortForwardHandle> {
		const found = await discoverPrometheus(target, {namespaces: ['istio-system']});
		assert.ok(found.kind === 'pod');
		const handle = await startPortForward(options.as ?? target, {namespace: found.namespace, pod: found.pod, port: found.port, ...(options.withSelector ? {selector: found.selector} : {})});
		t.after(async () => handle.stop());
		return handle;
	}

	/** Replaces the Prometheus pod by one with another name, as a Deployment does after a restart. */
	async function restartPrometheusPod(): Promise<{oldName: string; newName: string}> {
		if (cluster.sim === undefined) {
			// The real thing: delete the pod; its ReplicaSet makes another, the scheduler binds it, kwok runs it.
			const list = async () => (JSON.parse(await cluster.kubectl(['get', 'pods', '-n', 'istio-system', '-l', 'app.kubernetes.io/name=prometheus', '-o', 'json'])) as {items: Array<{metadata: {name: string; deletionTimestamp?: string}; status?: {conditions?: Array<{type: string; status: string}>}}>}).items;
			const [pod] = await list();
			assert.ok(pod);
			await cluster.kubectl(['delete', 'pod', '-n', 'istio-system', pod.metadata.name, '--wait=false']);
			const replacement = await waitFor(async () => (await list()).find(candidate => candidate.metadata.name !== pod.metadata.name && candidate.metadata.deletionTimestamp === undefined
				&& candidate.status?.conditions?.some(condition => condition.type === 'Ready' && condition.status === 'True')), {timeout: 60_000, interval: 250, message: 'a new Ready Prometheus pod'});
			return {oldName: pod.metadata.name, newName: replacement.metadata.name};
		}

		return restartSimPrometheusPod(cluster.sim);
	}

	describe('through the port-forward', () => {

	test('reaches Prometheus on 127.0.0.1, and its metrics flow through fetchMetrics', async t => {
		const handle = await forwardToPrometheus(t, {withSelector: true});
		assert.match(handle.url, /^http:\/\/127\.0\.0\.1:\d+$/);
		assert.equal(handle.status().state, 'ready');
		const client = new PrometheusClient(handle.url);
		assert.equal(await client.ready(), true);
		const window = rateWindow(await client.scrapeInterval());
		t.diagnostic(`Prometheus ${backend.name} ${cluster.sim?.prometheus.mode ?? 'real'}, rate window ${window}`);

		const samples = await waitFor(async () => {
			const result = await client.query(`sum by (destination_version) (rate(istio_requests_total{reporter="destination", destination_service_name="reviews"}[${window}]))`);
			return result.some(sample => sample.metric['destination_version'] === 'v1' && sample.value > 0) && result;
		}, {timeout: 20_000, interval: 250, message: 'a rate of reviews v1 requests'});
		assert.ok(samples.length > 0);

		const snapshot = await waitFor(async () => {
			const metrics = await fetchMetrics(client, [reviews('v1'), reviews('v3')], window);
			return (metrics.byVersion['v1']?.rps ?? 0) > 0 && metrics;
		}, {timeout: 20_000, interval: 250, message: 'fetchMetrics rps of v1'});
		assert.ok((snapshot.byVersion['v1']?.rps ?? 0) > 0);
		assert.equal(snapshot.byVersion['v1']?.successRate, 1);
		assert.ok((snapshot.byVersion['v1']?.p99Ms ?? 0) > 0);
		// All traffic goes to v1 (virtual-service-all-v1): v3 has no requests, so no rates.
		assert.deepEqual(snapshot.byVersion['v3'], {rps: 0, successRate: null, p50Ms: null, p99Ms: null});
	});

	test('after the pod is replaced, finds the new one by selector and keeps answering', async t => {
		const handle = await forwardToPrometheus(t, {withSelector: true});
		const statuses: PortForwardStatus[] = [];
		handle.onStatus(status => statuses.push(status));
		const client = new PrometheusClient(handle.url);
		assert.equal(await client.ready(), true);

		const {oldName, newName} = await restartPrometheusPod();
		await waitFor(async () => await client.ready() && handle.status().pod === newName, {timeout: 30_000, interval: 100, message: 'answering through the new pod'});
		assert.deepEqual(handle.status(), {state: 'ready', pod: newName});
		assert.ok(statuses.some(status => status.state === 'reconnecting'), 'reported the reconnect');
		assert.notEqual(oldName, newName);
	});

	test('without a selector, a deleted pod fails the forward', async t => {
		const handle = await forwardToPrometheus(t, {withSelector: false});
		const client = new PrometheusClient(handle.url, {timeoutMs: 2000});
		assert.equal(await client.ready(), true);
		await restartPrometheusPod();
		await waitFor(async () => !await client.ready() && handle.status().state === 'failed', {timeout: 30_000, interval: 100, message: 'forward failed'});
		assert.match(handle.status().error ?? '', /not found.*no selector/);
	});

	test('a port-forward denied by RBAC fails with a forbidden message', async t => {
		// The sim stands in for RBAC with deny rules; on the test bed a user bound to nothing is refused the upgrade.
		cluster.sim?.apiServer.setDenyRules([{verb: 'create', group: '', resource: 'pods/portforward', namespace: 'istio-system'}]);
		t.after(() => {
			cluster.sim?.apiServer.setDenyRules([]);
		});
		const outsider = cluster.sim === undefined ? loadKubeTarget({kubeconfig: cluster.kubeconfig, context: 'testbed-outsider', env: {}}) : undefined;
		const handle = await forwardToPrometheus(t, {withSelector: true, ...(outsider === undefined ? {} : {as: outsider})});
		assert.equal(await new PrometheusClient(handle.url, {timeoutMs: 2000}).ready(), false);
		assert.deepEqual(handle.status(), {state: 'failed', pod: handle.status().pod, error: `forbidden: cannot create pods/portforward in namespace istio-system (user ${outsider === undefined ? cluster.user : 'outsider'})`});
	});

	test('a port nothing listens on: the refusal from the other end reaches the status', async t => {
		const found = await discoverPrometheus(target, {namespaces: ['istio-system']});
		assert.ok(found.kind === 'pod');
		const handle = await startPortForward(target, {namespace: found.namespace, pod: found.pod, port: 9091});
		t.after(async () => handle.stop());
		assert.equal(await new PrometheusClient(handle.url, {timeoutMs: 3000}).ready(), false);
		const status = await waitFor(() => handle.status().error !== undefined && handle.status(), {timeout: 5000, message: 'the refusal in the status'});
		t.diagnostic(`${backend.name}: ${status.error ?? ''}`);
		assert.match(status.error ?? '', /9091/);
		assert.doesNotMatch(status.error ?? '', /other side closed/);
	});

	test('stop() closes the listener and every open connection', async t => {
		const handle = await forwardToPrometheus(t, {withSelector: true});
		const port = Number(new URL(handle.url).port);
		const socket = net.connect(port, '127.0.0.1');
		const closed = new Promise<void>(resolve => {
			socket.on('close', () => {
				resolve();
			});
		});
		socket.on('error', () => undefined);
		// One request over a kept-alive connection: the WebSocket behind it is open when the answer arrives.
		const answered = new Promise<string>(resolve => {
			socket.once('data', chunk => {
				resolve(chunk.toString('latin1'));
			});
		});
		socket.write('GET /-/ready HTTP/1.1\r\nHost: prometheus\r\nConnection: keep-alive\r\n\r\n');
		assert.match(await answered, /^HTTP\/1\.1 200/);

		await handle.stop();
		await closed;
		assert.equal(socket.destroyed, true);
		const refused = await new Promise<string>(resolve => {
			const again = net.connect(port, '127.0.0.1');
			again.on('connect', () => {
				again.destroy();
				resolve('connected');
			});
			again.on('error', (error: NodeJS.ErrnoException) => {
				resolve(error.code ?? 'error');
			});
		});
		assert.equal(refused, 'ECONNREFUSED');
	});

	test('connect() forwards an in-process stream as the listener forwards a socket; stop() ends it, and a later one at once', async t => {
		const handle = await forwardToPrometheus(t, {withSelector: true});
		const stream = handle.connect();
		const closed = new Promise<void>(resolve => {
			stream.on('close', () => {
				resolve();
			});
		});
		stream.on('error', () => undefined);
		const answered = new Promise<string>(resolve => {
			stream.once('data', (chunk: Buffer) => {
				resolve(chunk.toString('latin1'));
			});
		});
		stream.write('GET /-/ready HTTP/1.1\r\nHost: prometheus\r\nConnection: keep-alive\r\n\r\n');
		assert.match(await answered, /^HTTP\/1\.1 200/);

		await handle.stop();
		await closed;
		const late = handle.connect();
		await new Promise<void>(resolve => {
			late.on('close', () => {
				resolve();
			});
		});
		assert.equal(late.destroyed, true);
	});
});
});

let restarts = 0;

/** The sim: replaces the Prometheus pod in the store by one with another name. */
function restartSimPrometheusPod(sim: NonNullable<ClusterFixture['sim']>): {oldName: string; newName: string} {
	restarts++;
	const [pod] = sim.store.list('/pods', 'istio-system', 'app.kubernetes.io/name=prometheus');
	assert.ok(pod);
	const oldName = pod.metadata.name;
	const newName = `${oldName.slice(0, -5)}${'zxwvt'.slice(0, restarts)}${'bcdfg'.slice(restarts)}`;
	sim.store.delete('/pods', 'istio-system', oldName);
	const {resourceVersion: _resourceVersion, uid: _uid, creationTimestamp: _created, ...metadata} = pod.metadata;
	sim.store.create('/pods', {...pod, metadata: {...metadata, name: newName}});
	return {oldName, newName};
}
