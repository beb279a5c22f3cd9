/**
 * HTTPRoutes end to end, on the simulated cluster and on the real kube-apiserver of the test bed (whose Gateway API CRD
 * validates every write with its CEL rules): Istio's sample route-reviews-v1.yaml applied with kubectl, then `set`,
 * `status`, `history` and `undo` on `httproute/reviews`, everything read back through kubectl.
 */
import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';
import type {Flags} from '../../source/commands/flags.js';
import {runSet} from '../../source/commands/set.js';
import {runStatus, type StatusReport} from '../../source/commands/status.js';
import {runHistory} from '../../source/commands/history.js';
import {runUndo} from '../../source/commands/undo.js';
import {runShift} from '../../source/commands/shift.js';
import {istioDataDir} from '../../source/sim/istio-data.js';
import {waitFor} from '../helpers/wait-for.js';
import {backends, type ClusterFixture} from '../helpers/cluster-fixture.js';
import {setEnv} from '../helpers/env.js';
import {capture} from '../helpers/capture-io.js';

const sample = (file: string) => `${istioDataDir}bookinfo-gateway-api/${file}`;

for (const backend of backends) describe(`HTTPRoute reviews (${backend.name})`, {timeout: 120_000, skip: backend.skip}, () => {
	let cluster: ClusterFixture;
	let restoreHistory = (): void => undefined;
	const flags = (overrides: Partial<Flags> = {}): Flags => ({
		kubeconfig: cluster.kubeconfig, namespace: 'bookinfo', readOnly: false, refresh: '1s', json: false, every: '30s', onFail: 'pause', ...overrides,
	});
	const weights = async () => cluster.kubectl(['get', 'httproute', 'reviews', '-o', 'jsonpath={.spec.rules[0].backendRefs[*].weight}']);
	const route = async () => cluster.getObject('httproute', 'reviews');

	async function set(assignments: string[], address = 'httproute/reviews') {
		const output = capture();
		const code = await runSet(address, assignments, flags(), output.io);
		return {code, out: output.out(), err: output.err()};
	}

	before(async () => {
		cluster = await backend.start({prometheus: 'auto'});
		restoreHistory = setEnv('MESHTOP_HISTORY', cluster.historyFile);
		await cluster.kubectl(['delete', 'httproute', 'reviews', '--ignore-not-found']);
		await cluster.kubectl(['apply', '-f', sample('route-reviews-v1.yaml')]);
	});
	after(async () => {
		restoreHistory();
		// The test bed is shared: reviews' traffic goes back to its VirtualService for the other suites.
		await cluster?.kubectl(['delete', 'httproute', 'reviews', '--ignore-not-found']).catch(() => '');
		await cluster?.stop();
	});

	it('set httproute/reviews reviews-v1=10 reviews-v3=90: the weights are 10 90 and nothing else changed', async () => {
		const before = await route();
		const result = await set(['reviews-v1=10', 'reviews-v3=90']);
		assert.equal(result.code, 0, result.err);
		assert.match(result.out, /reviews-v1 100→10, reviews-v3 0→90/);
		assert.equal(await weights(), '10 90');
		const after = await route();
		assert.deepEqual(after.spec['parentRefs'], before.spec['parentRefs']);
		assert.deepEqual(after.spec['rules'], [{...(before.spec['rules'] as Array<Record<string, unknown>>)[0], backendRefs: [
			{...(before.spec['rules'] as Array<{backendRefs: Array<Record<string, unknown>>}>)[0]!.backendRefs[0], weight: 10},
			{group: '', kind: 'Service', name: 'reviews-v3', port: 9080, weight: 90},
		]}]);
	});

	it('status httproute/reviews --json: both backends by Service name and version label, with traffic within 15 s', async () => {
		const report = await waitFor(async () => {
			const output = capture();
			assert.equal(await runStatus('httproute/reviews', flags({json: true}), output.io), 0, output.err());
			const parsed = JSON.parse(output.out()) as StatusReport;
			const backends = parsed.routes[0]?.destinations.filter(destination => destination.weight > 0) ?? [];
			return backends.length === 2 && backends.every(destination => (destination.rps ?? 0) > 0) ? parsed : undefined;
		}, {timeout: 15_000, interval: 500, message: 'both backends of httproute/reviews observed'});
		assert.equal(report.kind, 'HTTPRoute');
		assert.equal(report.reporter, 'destination');
		const rule = report.routes[0]!;
		assert.equal(rule.parents, 'Service reviews (mesh)');
		assert.equal(rule.observed, 'route');
		assert.deepEqual(rule.destinations.map(destination => [destination.version, destination.label, destination.weight]), [
			['reviews-v1', 'v1', 10],
			['reviews-v3', 'v3', 90],
			['reviews-v2', 'v2', 0],
		]);
		// The mesh follows the route's weights: v3 gets most of reviews' traffic.
		const [v1, v3] = rule.destinations;
		assert.ok((v3!.observedShare ?? 0) > (v1!.observedShare ?? 100), `observed v1 ${String(v1?.observedShare)} v3 ${String(v3?.observedShare)}`);
	});

	it('set by version label: v1=100 is reviews-v1=100', async () => {
		const result = await set(['v1=100']);
		assert.equal(result.code, 0, result.err);
		assert.equal(await weights(), '100 0');
	});

	it('history and undo of httproute/reviews: the last change is reverted exactly', async () => {
		const history = capture();
		assert.equal(await runHistory({vs: 'httproute/reviews', kubeconfig: cluster.kubeconfig, namespace: 'bookinfo', historyFile: cluster.historyFile}, history.io), 0, history.err());
		assert.match(history.out(), /reviews-v1 10→100, reviews-v3 90→0/);
		const output = capture();
		assert.equal(await runUndo({vs: 'httproute/reviews', kubeconfig: cluster.kubeconfig, namespace: 'bookinfo', historyFile: cluster.historyFile}, output.io), 0, output.err());
		assert.equal(await weights(), '10 90');
		// The VirtualService of the same name was never touched.
		const events = await cluster.kubectl(['get', 'events', '--field-selector', 'involvedObject.kind=HTTPRoute,involvedObject.name=reviews', '-o', 'jsonpath={.items[*].reason}']);
		assert.match(events, /MeshtopWeightChange/);
	});

	it('a bare name with both a VirtualService and an HTTPRoute is refused, naming both spellings', async () => {
		const output = capture();
		assert.equal(await runStatus('reviews', flags({json: true}), output.io), 1);
		assert.match(output.err(), /both a VirtualService and an HTTPRoute are named reviews .*vs\/reviews or httproute\/reviews/);
	});
});

for (const backend of backends) describe(`HTTPRoute with a backend of another kind (${backend.name})`, {timeout: 120_000, skip: backend.skip}, () => {
	let cluster: ClusterFixture;
	let restoreHistory = (): void => undefined;
	const flags = (overrides: Partial<Flags> = {}): Flags => ({
		kubeconfig: cluster.kubeconfig, namespace: 'bookinfo', readOnly: false, refresh: '1s', json: false, every: '30s', onFail: 'pause', ...overrides,
	});
	const serviceImport = {group: 'multicluster.x-k8s.io', kind: 'ServiceImport', name: 'reviews-remote', port: 9080, weight: 20};
	const manifest = JSON.stringify({
		apiVersion: 'gateway.networking.k8s.io/v1',
		kind: 'HTTPRoute',
		metadata: {name: 'reviews-mixed', namespace: 'bookinfo'},
		spec: {
			parentRefs: [{group: '', kind: 'Service', name: 'reviews', port: 9080}],
			rules: [{backendRefs: [{group: '', kind: 'Service', name: 'reviews-v1', port: 9080, weight: 80}, serviceImport]}],
		},
	});
	const backendRefs = async () => (await cluster.getObject('httproute', 'reviews-mixed')).spec['rules'] as Array<{backendRefs: Array<Record<string, unknown>>}>;

	before(async () => {
		cluster = await backend.start({prometheus: 'auto'});
		restoreHistory = setEnv('MESHTOP_HISTORY', cluster.historyFile);
		await cluster.kubectl(['delete', 'httproute', 'reviews-mixed', '--ignore-not-found']);
		await cluster.kubectl(['apply', '-f', '-'], {input: manifest});
	});
	after(async () => {
		restoreHistory();
		await cluster?.kubectl(['delete', 'httproute', 'reviews-mixed', '--ignore-not-found']).catch(() => '');
		await cluster?.stop();
	});

	it('status shows the ServiceImport read-only with its reason and its share; the rule stays editable', async () => {
		const output = capture();
		assert.equal(await runStatus('httproute/reviews-mixed', flags({json: true}), output.io), 0, output.err());
		const rule = (JSON.parse(output.out()) as StatusReport).routes[0]!;
		assert.equal(rule.editable, true);
		const remote = rule.destinations.find(destination => destination.version === 'reviews-remote');
		assert.equal(remote?.weight, 20);
		assert.equal(remote?.readOnly, 'a multicluster.x-k8s.io/ServiceImport, not a Service: its weight is kept as is');
		assert.ok(rule.destinations.filter(destination => destination.version !== 'reviews-remote').every(destination => destination.readOnly === undefined));
	});

	it('set v1=30 v3=50: the Services are written around the ServiceImport, whose entry is untouched', async () => {
		const output = capture();
		const code = await runSet('httproute/reviews-mixed', ['v1=30', 'v3=50'], flags(), output.io);
		assert.equal(code, 0, output.err());
		assert.match(output.out(), /reviews-v1 80→30, reviews-v3 0→50/);
		const [rule] = await backendRefs();
		assert.deepEqual(rule?.backendRefs, [
			{group: '', kind: 'Service', name: 'reviews-v1', port: 9080, weight: 30},
			serviceImport,
			{group: '', kind: 'Service', name: 'reviews-v3', port: 9080, weight: 50},
		]);
	});

	it('shift on the rule is refused with the reason and writes nothing: its target could never reach 100%', async () => {
		const before = await cluster.getObject('httproute', 'reviews-mixed');
		const output = capture();
		assert.equal(await runShift({vs: 'httproute/reviews-mixed', to: 'reviews-v3', steps: '50,100', every: '1s', kubeconfig: cluster.kubeconfig, namespace: 'bookinfo'}, output.io), 1);
		assert.match(output.err(), /meshtop shift: route rules\[0\] has a backend meshtop keeps as it is \(reviews-remote: a multicluster\.x-k8s\.io\/ServiceImport/);
		assert.equal((await cluster.getObject('httproute', 'reviews-mixed')).metadata.resourceVersion, before.metadata.resourceVersion);
	});

	it('set giving the ServiceImport another weight is refused with the reason, and nothing is written', async () => {
		const before = await cluster.getObject('httproute', 'reviews-mixed');
		const output = capture();
		assert.equal(await runSet('httproute/reviews-mixed', ['reviews-v1=50', 'reviews-remote=0', 'reviews-v3=50'], flags(), output.io), 2);
		assert.match(output.err(), /reviews-remote is read-only \(a multicluster\.x-k8s\.io\/ServiceImport, not a Service: its weight is kept as is\): its weight stays 20/);
		assert.equal((await cluster.getObject('httproute', 'reviews-mixed')).metadata.resourceVersion, before.metadata.resourceVersion);
	});
});
