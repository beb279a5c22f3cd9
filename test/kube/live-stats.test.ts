import assert from 'node:assert/strict';
import {after, before, describe, test} from 'node:test';
import type {LiveReading} from '../../source/domain/live-merge.js';
import type {Destination} from '../../source/domain/virtual-service.js';
import {loadKubeTarget, type KubeTarget} from '../../source/kube/config.js';
import {startLiveStats, type LiveStatsSource} from '../../source/kube/live-stats.js';
import type {KubeObject} from '../../source/sim/api/store.js';
import {backends, type ClusterFixture} from '../helpers/cluster-fixture.js';
import {waitFor} from '../helpers/wait-for.js';

const reviews = (version: string): Destination => ({key: version, host: 'reviews', subset: version, weight: 50, metric: {service: 'reviews', version}});
const destinations = [reviews('v1'), reviews('v3')];

const splitReviews = (spec: Record<string, unknown>) => {
	spec['http'] = [{route: [{destination: {host: 'reviews', subset: 'v1'}, weight: 50}, {destination: {host: 'reviews', subset: 'v3'}, weight: 50}]}];
};

/** Reads until `until` holds for a reading (each read is what the console gets at one refresh). */
async function readUntil(source: LiveStatsSource, until: (reading: LiveReading) => boolean, message: string): Promise<LiveReading> {
	let last: LiveReading | undefined;
	try {
		await waitFor(() => {
			last = source.read(destinations);
			return until(last);
		}, {timeout: 20_000, interval: 200, message});
	} catch (error) {
		throw new Error(`${String(error)}; last reading ${JSON.stringify(last)}`, {cause: error});
	}

	return last!;
}

for (const backend of backends) describe(`live Envoy stats through port-forward (${backend.name})`, {skip: backend.skip, timeout: 120_000}, () => {
	let cluster: ClusterFixture;
	let target: KubeTarget;
	const sources: LiveStatsSource[] = [];
	const start = (options: Partial<Parameters<typeof startLiveStats>[1]> = {}) => {
		const source = startLiveStats(target, {namespace: 'bookinfo', reporter: 'destination', reselectMs: 500, ...options});
		sources.push(source);
		return source;
	};

	before(async () => {
		cluster = await backend.start({prometheus: 'builtin', requestsPerSecond: 40});
		target = loadKubeTarget({kubeconfig: cluster.kubeconfig, env: {}, namespace: 'bookinfo'});
		await cluster.editReviews(splitReviews);
	});

	after(async () => {
		await Promise.all(sources.map(async source => source.stop()));
		await cluster?.resetReviews();
		await cluster?.control('clear all').catch(() => undefined);
		await cluster?.stop();
	});

	test('a refresh still under way when stop() runs, or one after it, opens no port-forward that outlives stop()', async () => {
		const listeners = () => process.getActiveResourcesInfo().filter(resource => resource === 'TCPServerWrap').length;
		const baseline = listeners();
		const source = startLiveStats(target, {namespace: 'bookinfo', reporter: 'destination'});
		await source.refresh(destinations, 5000);
		assert.ok(listeners() > baseline, 'the reads opened their port-forwards');
		// The console's quit: a refresh in flight while the services stop, and one arriving after (a read is due again).
		await new Promise(resolve => setTimeout(resolve, 600));
		const racing = source.refresh(destinations, 5000);
		await source.stop();
		await new Promise(resolve => setTimeout(resolve, 600));
		await Promise.all([racing, source.refresh(destinations, 5000)]);
		await new Promise(resolve => setTimeout(resolve, 1000));
		assert.equal(listeners(), baseline, 'every forward is closed');
	});

	test('v3\'s errors show in its live success rate within a few reads; v1 stays at 100%', async () => {
		const source = start();
		const healthy = await readUntil(source, reading => (reading.byVersion['v3']?.metrics?.rps ?? 0) > 0 && (reading.byVersion['v1']?.metrics?.rps ?? 0) > 0, 'both versions serve');
		assert.equal(healthy.status, 'live');
		assert.deepEqual(healthy.pods, {reporting: 2, sampled: 2, total: 2});
		assert.equal(healthy.byVersion['v3']?.metrics?.successRate, 1);
		await cluster.control('fault reviews:v3:errors=40%');
		const failing = await readUntil(source, reading => (reading.byVersion['v3']?.metrics?.successRate ?? 1) < 0.9, 'v3 failing');
		assert.equal(failing.byVersion['v1']?.metrics?.successRate, 1);
		await cluster.control('clear all');
	});

	test('more pods than --live-pods: a sample, its rate scaled to every pod; a pod gone leaves the sample', {skip: backend.name === 'testbed' ? 'pods are the sim\'s to add here' : false}, async () => {
		const sim = cluster.sim!;
		const v1 = sim.store.list('/pods', 'bookinfo').find(pod => (pod as {metadata: {labels: Record<string, string>}}).metadata.labels['version'] === 'v1' && (pod as {metadata: {labels: Record<string, string>}}).metadata.labels['app'] === 'reviews')!;
		const twin = structuredClone(v1) as KubeObject & {metadata: {name: string; resourceVersion?: string; uid?: string}};
		twin.metadata.name = `${twin.metadata.name}-twin`;
		delete twin.metadata.resourceVersion;
		delete twin.metadata.uid;
		sim.store.create('/pods', twin);
		const source = start({podsPerVersion: 1});
		const sampled = await readUntil(source, reading => reading.byVersion['v1']?.total === 2 && (reading.byVersion['v3']?.metrics?.rps ?? 0) > 0 && (reading.byVersion['v1']?.metrics?.rps ?? 0) > 0, 'v1 sampled');
		assert.deepEqual({sampled: sampled.byVersion['v1']?.sampled, total: sampled.byVersion['v1']?.total}, {sampled: 1, total: 2});
		// Both v1 pods share v1's half: one pod's rate, doubled, is about v3's (which has one pod, read whole).
		const ratio = sampled.byVersion['v1']!.metrics!.rps / sampled.byVersion['v3']!.metrics!.rps;
		assert.ok(ratio > 0.5 && ratio < 2, `v1 (scaled from 1 of 2 pods) ≈ v3: ratio ${ratio}`);
		sim.store.delete('/pods', 'bookinfo', twin.metadata.name);
		await readUntil(source, reading => reading.byVersion['v1']?.total === 1, 'the twin left');
	});

	test('pods/portforward refused by RBAC: the 403 is the reason, no figures', {skip: backend.name === 'testbed' ? 'the sim\'s deny rules stand in for a Role here' : false}, async () => {
		cluster.sim!.apiServer.setDenyRules([{verb: '*', group: '', resource: 'pods/portforward'}]);
		try {
			const source = start();
			const refused = await readUntil(source, reading => reading.status === 'error', 'the refusal');
			assert.match(refused.reason ?? '', /forbidden|403|pods\/portforward/i);
			assert.equal(refused.byVersion['v3']?.metrics, undefined);
			assert.equal(refused.pods.reporting, 0);
			// Once the Role allows it again, the reads come back by themselves.
			cluster.sim!.apiServer.setDenyRules([]);
			await readUntil(source, reading => reading.status === 'live' && reading.pods.reporting === 2, 'the reads back after the refusal');
		} finally {
			cluster.sim!.apiServer.setDenyRules([]);
		}
	});

	test('a pod whose 15090 refuses: the refusal is the reason shown, and no figures pretend to be live', async () => {
		// The Prometheus pod has no sidecar: nothing listens on its 15090.
		const source = startLiveStats(target, {namespace: 'istio-system', reporter: 'destination', reselectMs: 500});
		sources.push(source);
		const prometheus: Destination = {key: 'prometheus', host: 'prometheus', weight: 100, metric: {service: 'prometheus'}};
		let last: LiveReading | undefined;
		await waitFor(() => {
			last = source.read([prometheus]);
			return last.status === 'error';
		}, {timeout: 20_000, interval: 200, message: 'the refusal'});
		assert.match(last!.reason ?? '', /15090/);
		assert.equal(last!.byVersion['prometheus']?.metrics, undefined);
	});
});

const sim = backends.find(backend => backend.name === 'sim')!;

describe('live Envoy stats in an ambient namespace (sim --ambient): the waypoint\'s', {timeout: 60_000}, () => {
	let cluster: ClusterFixture;
	let source: LiveStatsSource | undefined;

	before(async () => {
		cluster = await sim.start({prometheus: 'builtin', ambient: true, requestsPerSecond: 40});
		await cluster.editReviews(splitReviews);
	});

	after(async () => {
		await source?.stop();
		await cluster?.stop();
	});

	test('the waypoint pod is read for every version, its reporter="waypoint" series split by version', async () => {
		source = startLiveStats(loadKubeTarget({kubeconfig: cluster.kubeconfig, env: {}, namespace: 'bookinfo'}), {namespace: 'bookinfo', reporter: 'waypoint', reselectMs: 500});
		await cluster.control('fault reviews:v3:errors=50%');
		const reading = await readUntil(source, reading => (reading.byVersion['v1']?.metrics?.rps ?? 0) > 0 && (reading.byVersion['v3']?.metrics?.successRate ?? 1) < 0.9, 'both versions through the waypoint');
		assert.deepEqual(reading.pods, {reporting: 1, sampled: 1, total: 1});
		assert.equal(reading.byVersion['v1']?.metrics?.successRate, 1);
		// A sidecar reporter finds nothing in an ambient namespace's waypoint: the reporter is what tells them apart.
		const sidecars = startLiveStats(loadKubeTarget({kubeconfig: cluster.kubeconfig, env: {}, namespace: 'bookinfo'}), {namespace: 'bookinfo', reporter: 'destination', reselectMs: 500});
		try {
			const refused = await readUntil(sidecars, reading => reading.status === 'error', 'no sidecar stats in ambient mode');
			assert.match(refused.reason ?? '', /15090/);
		} finally {
			await sidecars.stop();
		}
	});
});
