import assert from 'node:assert/strict';
import {existsSync} from 'node:fs';
import {mkdtemp, readFile, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import net from 'node:net';
import {PassThrough} from 'node:stream';
import {after, before, describe, it} from 'node:test';
import {KubeConfig, PortForward} from '@kubernetes/client-node';
import {startSimCluster, type SimCluster} from '../../source/sim/cluster.js';
import {readIstioYaml} from '../../source/sim/istio-data.js';
import {findOnPath} from '../../source/sim/prometheus/real-prometheus.js';
import {runSim} from '../../source/sim/run-sim.js';
import {trackConnections} from '../helpers/tracked-server.js';
import {waitFor} from '../helpers/wait-for.js';

const hasPrometheus = (await findOnPath('prometheus')) !== undefined;
const rateQuery = 'sum by (destination_version)(rate(istio_requests_total{reporter="destination",destination_service_name="reviews"}[10s]))';

interface VectorBody {
	status: string;
	data: {result: Array<{metric: Record<string, string>; value: [number, string]}>};
}

async function query(baseUrl: string, promql: string): Promise<Record<string, number>> {
	const response = await fetch(`${baseUrl}/api/v1/query?query=${encodeURIComponent(promql)}`);
	const body = await response.json() as VectorBody;
	assert.equal(body.status, 'success');
	return Object.fromEntries(body.data.result.map(element => [element.metric['destination_version'] ?? '', Number(element.value[1])]));
}

/** Replaces the reviews VirtualService's spec through the API server, as `kubectl apply` of the fixture would. */
async function applyReviewsFixture(cluster: SimCluster, fixture: string): Promise<void> {
	const document = readIstioYaml(`bookinfo/${fixture}`).find(object => (object['metadata'] as {name: string}).name === 'reviews');
	assert.ok(document);
	const response = await fetch(`${cluster.server}/apis/networking.istio.io/v1/namespaces/bookinfo/virtualservices/reviews`, {
		method: 'PATCH',
		headers: {'content-type': 'application/merge-patch+json', authorization: 'Bearer meshtop-sim:sim-admin'},
		body: JSON.stringify({spec: document['spec']}),
	});
	assert.equal(response.status, 200, await response.text());
}

/** Shares of v1 and v3 once both have a rate, polled until they settle within `low`..`high`. */
async function waitForSplit(baseUrl: string, low: number, high: number): Promise<Record<string, number>> {
	return waitFor(async () => {
		const rates = await query(baseUrl, rateQuery);
		const total = Object.values(rates).reduce((sum, rate) => sum + rate, 0);
		const shares = Object.fromEntries(Object.entries(rates).map(([version, rate]) => [version, rate / total]));
		const settled = ['v1', 'v3'].every(version => (shares[version] ?? 0) >= low && (shares[version] ?? 0) <= high);
		return settled && shares;
	}, {timeout: 30_000, interval: 500, message: `v1 and v3 shares within ${low}..${high}`});
}

/**
 * A local port forwarded to the Prometheus pod through client-node's PortForward (one WebSocket per
 * connection, the pattern of client-node's own example), like meshtop reaches Prometheus in a real cluster.
 */
async function forwardToPrometheusPod(cluster: SimCluster): Promise<{url: string; close: () => Promise<void>}> {
	const [pod] = cluster.store.list('/pods', 'istio-system', 'app.kubernetes.io/name=prometheus');
	assert.ok(pod);
	const config = new KubeConfig();
	config.loadFromString(cluster.kubeconfig);
	const forward = new PortForward(config);
	const tracked = trackConnections(net.createServer(socket => {
		forward.portForward('istio-system', pod.metadata.name, [9090], socket, null, socket).catch(() => socket.destroy());
	}));
	await new Promise<void>(resolve => {
		tracked.server.listen(0, '127.0.0.1', resolve);
	});
	const {port} = tracked.server.address() as net.AddressInfo;
	return {
		url: `http://127.0.0.1:${port}`,
		close: tracked.close,
	};
}

function isRunning(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch {
		return false;
	}
}

describe('startSimCluster with the real Prometheus', {skip: hasPrometheus ? false : 'prometheus binary not on PATH: install it (CI does) to run the acceptance test'}, () => {
	let cluster: SimCluster;

	before(async () => {
		cluster = await startSimCluster({prometheus: 'real'});
	});

	after(async () => {
		await cluster?.stop();
	});

	it('runs Prometheus as a child process and serves Bookinfo', () => {
		assert.equal(cluster.prometheus.mode, 'prometheus');
		assert.ok(cluster.prometheus.pid !== undefined && isRunning(cluster.prometheus.pid));
		assert.match(cluster.kubeconfig, new RegExp(`server: ${cluster.server}`));
		const pods = cluster.store.list('/pods', 'bookinfo').map(pod => `${pod.metadata.labels?.['app']}-${pod.metadata.labels?.['version']}`);
		assert.deepEqual(pods.sort(), ['details-v1', 'productpage-v1', 'ratings-v1', 'reviews-v1', 'reviews-v2', 'reviews-v3']);
	});

	it('acceptance: traffic follows 50/50 v1/v3, then all-v1 takes v3 to zero', async () => {
		await applyReviewsFixture(cluster, 'virtual-service-reviews-50-v3.yaml');
		const shares = await waitForSplit(cluster.prometheus.url, 0.35, 0.65);
		assert.deepEqual(Object.keys(shares).sort(), ['v1', 'v3']);

		await applyReviewsFixture(cluster, 'virtual-service-all-v1.yaml');
		await waitFor(async () => {
			const rates = await query(cluster.prometheus.url, rateQuery);
			return (rates['v1'] ?? 0) > 0 && (rates['v3'] ?? 0) === 0;
		}, {timeout: 30_000, interval: 500, message: 'v3 rate back to 0 after all-v1'});
	});

	it('reaches Prometheus through client-node\'s PortForward to the prometheus pod', async t => {
		const forwarded = await forwardToPrometheusPod(cluster);
		t.after(async () => forwarded.close());
		const ready = await fetch(`${forwarded.url}/-/ready`);
		assert.equal(ready.status, 200);
		assert.match(await ready.text(), /Ready/);
		const rates = await query(forwarded.url, rateQuery);
		assert.ok((rates['v1'] ?? 0) > 0, JSON.stringify(rates));
	});

	it('stop() leaves no prometheus process and removes its directory', async () => {
		const {pid, directory} = cluster.prometheus;
		assert.ok(directory !== undefined && existsSync(directory));
		await cluster.stop();
		await cluster.stop();
		assert.equal(isRunning(pid!), false);
		assert.equal(existsSync(directory), false);
	});
});

describe('startSimCluster with the built-in Prometheus', () => {
	let cluster: SimCluster;

	before(async () => {
		cluster = await startSimCluster({prometheus: 'builtin', requestsPerSecond: 40});
	});

	after(async () => {
		await cluster?.stop();
	});

	it('answers meshtop\'s queries from the mesh counters, also through the pod\'s port-forward', async t => {
		assert.equal(cluster.prometheus.mode, 'builtin');
		await applyReviewsFixture(cluster, 'virtual-service-reviews-50-v3.yaml');
		const forwarded = await forwardToPrometheusPod(cluster);
		t.after(async () => forwarded.close());
		const buildinfo = await (await fetch(`${forwarded.url}/api/v1/status/buildinfo`)).json() as {data: {version: string}};
		assert.equal(buildinfo.data.version, 'builtin-sim');
		await waitForSplit(forwarded.url, 0.35, 0.65);
	});

	it('a fault set at run time shows up as failed requests of that version', async () => {
		cluster.mesh.setFault({service: 'reviews', version: 'v3', errorRate: 1});
		const successQuery = 'sum by (destination_version)(rate(istio_requests_total{reporter="destination",destination_service_name="reviews",response_code!~"5.."}[3s]))';
		await waitFor(async () => {
			const successes = await query(cluster.prometheus.url, successQuery);
			return (successes['v1'] ?? 0) > 0 && (successes['v3'] ?? 0) === 0;
		}, {timeout: 30_000, interval: 250, message: 'v3 without successful requests'});
		const stats = cluster.mesh.stats().services['reviews']?.['v3'];
		assert.ok(stats && stats.errors > 0);
	});

	it('the port-forward refuses ports nothing listens on', async () => {
		const [pod] = cluster.store.list('/pods', 'bookinfo', 'app=details');
		const config = new KubeConfig();
		config.loadFromString(cluster.kubeconfig);
		const errors = new PassThrough();
		let errorText = '';
		errors.on('data', (chunk: Buffer) => {
			errorText += chunk.toString();
		});
		const output = new PassThrough();
		const input = new PassThrough();
		const socket = await new PortForward(config).portForward('bookinfo', pod!.metadata.name, [9080], output, errors, input);
		input.write('GET / HTTP/1.0\r\n\r\n');
		await waitFor(() => errorText !== '', {timeout: 5000, message: 'an error on the port-forward error channel'});
		// What a real kubelet says for a port nothing listens on, not just any error.
		assert.match(errorText, new RegExp(`^error forwarding port 9080 to pod ${pod!.metadata.name}, uid : failed to connect to localhost:9080 inside the pod: connect: connection refused`));
		if (typeof socket !== 'function') {
			socket.close();
		}

		input.end();
	});
});

describe('runSim (the meshtop sim command)', () => {
	it('prints how to use the cluster, takes fault commands on stdin, and cleans up on quit', async () => {
		const stdin = new PassThrough();
		const stdout = new PassThrough();
		let output = '';
		stdout.on('data', (chunk: Buffer) => {
			output += chunk.toString();
		});
		const running = runSim({faults: [{service: 'reviews', version: 'v1', extraLatencyMs: 50}], prometheus: 'builtin', stdout, stdin});
		const kubeconfigPath = await waitFor(() => /kubeconfig: +(\S+)/.exec(output)?.[1], {timeout: 10_000, message: 'the kubeconfig path in the banner'});
		const kubeconfig = await readFile(kubeconfigPath, 'utf8');
		const server = /API server: +(\S+)/.exec(output)?.[1];
		assert.ok(server && kubeconfig.includes(server));
		assert.match(output, /built-in Prometheus/);
		assert.match(output, /faults: +reviews:v1:latency=\+50ms/);
		assert.ok(output.includes(`kubectl --kubeconfig ${kubeconfigPath} get vs -n bookinfo`));
		assert.ok(output.includes(`meshtop --kubeconfig ${kubeconfigPath} reviews -n bookinfo`));

		stdin.write('fault reviews:v3:errors=20%,latency=+300ms\nfaults\n');
		await waitFor(() => output.includes('reviews:v3:errors=20%,latency=+300ms\n'), {timeout: 5000, message: 'the faults listing'});
		assert.match(output, /^reviews:v1:latency=\+50ms$/m);
		stdin.write('clear reviews:v1\nfaults\n');
		await waitFor(() => output.includes('fault cleared: reviews:v1'), {timeout: 5000, message: 'the clear reply'});
		stdin.write('quit\n');
		await running;
		assert.match(output, /stopped\n$/);
		assert.equal(existsSync(kubeconfigPath), false, 'temporary kubeconfig removed');
		const refused = await fetch(`${server}/api`).then(() => false, () => true);
		assert.ok(refused, 'API server stopped');
	});

	it('stops when its abort signal fires, keeping a kubeconfig written where asked', async t => {
		const controller = new AbortController();
		const stdout = new PassThrough();
		let output = '';
		stdout.on('data', (chunk: Buffer) => {
			output += chunk.toString();
		});
		const directory = await mkdtemp(join(tmpdir(), 'meshtop-run-sim-test-'));
		t.after(async () => rm(directory, {recursive: true, force: true}));
		const path = join(directory, 'kubeconfig.yaml');
		const running = runSim({faults: [], prometheus: 'builtin', stdout, kubeconfigOut: path, signal: controller.signal});
		await waitFor(() => output.includes('Ctrl-C'), {timeout: 10_000, message: 'the banner'});
		assert.ok(!output.includes('Commands on stdin'), 'no control channel without stdin');
		assert.ok(output.includes(`kubeconfig:  ${path}`));
		controller.abort();
		await running;
		assert.match(output, /stopped\n$/);
		assert.equal(existsSync(path), true, 'a kubeconfig written where asked stays');
	});
});
