import assert from 'node:assert/strict';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {after, before, describe, test} from 'node:test';
import {loadKubeTarget, type KubeTarget} from '../../source/kube/config.js';
import {KubeError} from '../../source/kube/errors.js';
import {discoverPrometheus} from '../../source/kube/prometheus-discovery.js';
import type {KubeObject} from '../../source/sim/api/store.js';
import {startSimCluster, type SimCluster} from '../../source/sim/cluster.js';

let cluster: SimCluster;
let target: KubeTarget;
const dir = mkdtempSync(path.join(tmpdir(), 'meshtop-discovery-'));

before(async () => {
	cluster = await startSimCluster({prometheus: 'builtin', requestsPerSecond: 1});
	const kubeconfig = path.join(dir, 'kubeconfig');
	await cluster.writeKubeconfig(kubeconfig);
	target = loadKubeTarget({kubeconfig, env: {}});
});

after(async () => {
	await cluster?.stop();
	rmSync(dir, {recursive: true, force: true});
});

/** The sim's Prometheus pod, moved to another namespace with other labels and readiness. */
function prometheusPodIn(namespace: string, labels: Record<string, string>, ready: boolean): KubeObject {
	const [original] = cluster.store.list('/pods', 'istio-system', 'app.kubernetes.io/name=prometheus');
	assert.ok(original, 'the sim has a Prometheus pod');
	const pod = structuredClone(original);
	const status = pod['status'] as {conditions: Array<{type: string; status: string}>};
	status.conditions = status.conditions.map(condition => condition.type === 'Ready' ? {...condition, status: ready ? 'True' : 'False'} : condition);
	return {...pod, metadata: {name: `prometheus-${namespace}`, namespace, labels}, status};
}

function prometheusServiceIn(namespace: string): KubeObject {
	return {
		apiVersion: 'v1',
		kind: 'Service',
		metadata: {name: 'prometheus', namespace},
		spec: {selector: {app: 'prometheus'}, ports: [{name: 'http', port: 9090, targetPort: 'web'}]},
	};
}

function expectNotFound(error: unknown, ...patterns: RegExp[]): true {
	assert.ok(error instanceof KubeError);
	assert.equal(error.kind, 'not-found');
	for (const pattern of patterns) {
		assert.match(error.message, pattern);
	}

	return true;
}

describe('discoverPrometheus against the sim', () => {
	test('finds the Running+Ready pod of Istio\'s addon in istio-system', async () => {
		const found = await discoverPrometheus(target, {namespaces: ['istio-system', 'bookinfo']});
		assert.equal(found.kind, 'pod');
		assert.ok(found.kind === 'pod');
		assert.equal(found.namespace, 'istio-system');
		assert.match(found.pod, /^prometheus-/);
		assert.equal(found.port, 9090);
		assert.equal(found.selector, 'app.kubernetes.io/name=prometheus');
	});

	test('an explicit URL wins without any lookup', async () => {
		const unreachable = {...target, server: 'http://127.0.0.1:9'};
		assert.deepEqual(await discoverPrometheus(unreachable, {url: 'http://prom.example:9090', namespaces: ['istio-system']}), {kind: 'url', url: 'http://prom.example:9090'});
	});

	test('finds a pre-1.21 install labelled app=prometheus, resolving a named target port', async () => {
		const pod = prometheusPodIn('legacy', {app: 'prometheus'}, true);
		const spec = pod['spec'] as {containers: Array<{ports?: Array<{containerPort: number; name?: string}>}>};
		spec.containers = spec.containers.map(container => ({...container, ports: container.ports?.map(port => port.containerPort === 9090 ? {...port, containerPort: 9091, name: 'web'} : port)}));
		cluster.store.create('/pods', pod);
		cluster.store.create('/services', prometheusServiceIn('legacy'));
		const found = await discoverPrometheus(target, {namespaces: ['legacy']});
		assert.deepEqual(found, {kind: 'pod', namespace: 'legacy', pod: 'prometheus-legacy', port: 9091, selector: 'app=prometheus'});
	});

	test('not found: the message lists every place it looked and why', async () => {
		cluster.store.create('/pods', prometheusPodIn('starting', {'app.kubernetes.io/name': 'prometheus'}, false));
		await assert.rejects(discoverPrometheus(target, {namespaces: ['bookinfo', 'starting'], service: 'prom'}), (error: unknown) => expectNotFound(
			error,
			/looked for Service prom port 9090/,
			/bookinfo \(no Service prom; no pods app\.kubernetes\.io\/name=prometheus; no pods app=prometheus\)/,
			/starting \(no Service prom; pods app\.kubernetes\.io\/name=prometheus not Running\+Ready \(prometheus-starting Running, not Ready\)/,
			/--prometheus-url/,
		));
	});

	test('a namespace whose pods cannot be listed says so', async t => {
		cluster.apiServer.setDenyRules([{verb: 'list', group: '', resource: 'pods', namespace: 'istio-system'}]);
		t.after(() => {
			cluster.apiServer.setDenyRules([]);
		});
		await assert.rejects(discoverPrometheus(target, {namespaces: ['istio-system']}), (error: unknown) => expectNotFound(error, /forbidden: cannot list pods in namespace istio-system \(user sim-admin\)/));
	});

	test('an unreachable API server is not reported as "not found"', async () => {
		const stopped = await startSimCluster({prometheus: 'builtin', requestsPerSecond: 1});
		const file = path.join(dir, 'stopped');
		await stopped.writeKubeconfig(file);
		await stopped.stop();
		const unreachable = loadKubeTarget({kubeconfig: file, env: {}});
		await assert.rejects(discoverPrometheus(unreachable, {namespaces: ['istio-system']}), (error: unknown) => error instanceof KubeError && error.kind === 'unreachable');
	});
});
