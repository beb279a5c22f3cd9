import assert from 'node:assert/strict';
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {after, before, describe, test} from 'node:test';
import {envoyStatsFilter, parseEnvoyStats, seriesKey} from '../../source/domain/envoy-stats.js';
import type {Destination} from '../../source/domain/virtual-service.js';
import {startLiveStats} from '../../source/kube/live-stats.js';
import {waitFor} from '../helpers/wait-for.js';
import {loadKubeTarget} from '../../source/kube/config.js';
import {startPortForward} from '../../source/kube/port-forward.js';
import {ObjectStore, type KubeObject} from '../../source/sim/api/store.js';
import {seedBookinfo} from '../../source/sim/bookinfo.js';
import {startSimCluster, type SimCluster} from '../../source/sim/cluster.js';
import {createMesh} from '../../source/sim/mesh/mesh.js';
import {IstioMetrics} from '../../source/sim/metrics/istio-metrics.js';
import {PodEnvoyStats} from '../../source/sim/metrics/pod-stats.js';

const splitReviews: KubeObject = {
	apiVersion: 'networking.istio.io/v1',
	kind: 'VirtualService',
	metadata: {name: 'reviews', namespace: 'bookinfo'},
	spec: {hosts: ['reviews'], http: [{route: [
		{destination: {host: 'reviews', subset: 'v1'}, weight: 50},
		{destination: {host: 'reviews', subset: 'v3'}, weight: 50},
	]}]},
};

function podsOf(store: ObjectStore, app: string): Array<{name: string; version: string}> {
	return store.list('/pods', 'bookinfo')
		.map(pod => pod as {metadata: {name: string; labels: Record<string, string>}})
		.filter(pod => pod.metadata.labels['app'] === app)
		.map(pod => ({name: pod.metadata.name, version: pod.metadata.labels['version'] ?? ''}));
}

describe('each simulated sidecar serves its own Envoy stats', () => {
	test('a pod counts the requests it served (reporter=destination) and the calls it made (reporter=source), and the pods add up to what Prometheus scrapes', async () => {
		const store = new ObjectStore();
		seedBookinfo(store);
		store.create('networking.istio.io/virtualservices', splitReviews, {replace: true});
		const meshWide = new IstioMetrics();
		const pods = new PodEnvoyStats();
		const mesh = createMesh({store, seed: 3, recorder(record) {
			meshWide.record(record);
			pods.record(record);
		}, faults: [{service: 'reviews', version: 'v3', errorRate: 0.3}]});
		mesh.sendRequests(300);
		mesh.stop();

		const scraped = (await meshWide.samples()).filter(sample => sample.name === 'istio_requests_total' && sample.labels['reporter'] === 'destination' && sample.labels['destination_service_name'] === 'reviews');
		let podTotal = 0;
		for (const pod of podsOf(store, 'reviews')) {
			 
			const counters = parseEnvoyStats(await pods.exposition(pod.name), 'destination');
			// Only the version the pod runs.
			assert.deepEqual([...counters.keys()].filter(key => key.startsWith('reviews')), counters.size === 0 ? [] : [seriesKey('reviews', pod.version)]);
			const own = counters.get(seriesKey('reviews', pod.version));
			const prometheus = scraped.filter(sample => sample.labels['destination_version'] === pod.version);
			assert.equal(own?.requests ?? 0, prometheus.reduce((sum, sample) => sum + sample.value, 0), `${pod.name}: its own count = Prometheus' series`);
			assert.equal(own?.requests ?? 0, own?.buckets.get(Number.POSITIVE_INFINITY) ?? 0, 'every request is in the histogram');
			podTotal += own?.requests ?? 0;
		}

		const v3 = podsOf(store, 'reviews').find(pod => pod.version === 'v3')!;
		const v3Counters = parseEnvoyStats(await pods.exposition(v3.name), 'destination').get(seriesKey('reviews', 'v3'))!;
		assert.ok(v3Counters.requests > 50 && v3Counters.successes < v3Counters.requests * 0.85, `v3's 30% errors are in its own stats: ${JSON.stringify(v3Counters)}`);
		const served = mesh.stats().services['reviews'] ?? {};
		assert.equal(podTotal, (served['v1']?.requests ?? 0) + (served['v3']?.requests ?? 0));
		assert.ok(podTotal > 0);
		// The caller's sidecar reports its outgoing calls as source.
		const productpage = podsOf(store, 'productpage')[0]!;
		assert.ok(parseEnvoyStats(await pods.exposition(productpage.name), 'destination').size > 0, 'productpage served the entry requests');
		assert.ok((await pods.exposition(productpage.name)).includes('reporter="source"'));
	});
});

describe('a pod\'s port 15090 through the simulated API server\'s port-forward', () => {
	let cluster: SimCluster;
	let dir: string;

	before(async () => {
		cluster = await startSimCluster({prometheus: 'builtin', requestsPerSecond: 40});
		cluster.store.create('networking.istio.io/virtualservices', splitReviews, {replace: true});
		dir = mkdtempSync(path.join(tmpdir(), 'meshtop-pod-stats-'));
	});

	after(async () => {
		await cluster?.stop();
		rmSync(dir, {recursive: true, force: true});
	});

	/** A target of the sim's API server from a kubeconfig file, as a user's. */
	function kubeTarget(namespace?: string) {
		const kubeconfig = path.join(dir, 'kubeconfig');
		writeFileSync(kubeconfig, cluster.kubeconfig);
		return loadKubeTarget({kubeconfig, env: {}, ...(namespace === undefined ? {} : {namespace})});
	}

	/** A port-forward to port 15090 of the reviews pod of `version`; the caller stops it. */
	async function forwardToReviews(version: string) {
		const pod = podsOf(cluster.store, 'reviews').find(candidate => candidate.version === version)!;
		return startPortForward(kubeTarget(), {namespace: 'bookinfo', pod: pod.name, port: 15_090});
	}

	test('GET /stats/prometheus answers that pod\'s counters, growing with its traffic; other paths 404', async () => {
		const forward = await forwardToReviews('v3');
		try {
			await new Promise(resolve => setTimeout(resolve, 500));
			const first = parseEnvoyStats(await (await fetch(`${forward.url}/stats/prometheus`)).text(), 'destination');
			await new Promise(resolve => setTimeout(resolve, 300));
			const second = parseEnvoyStats(await (await fetch(`${forward.url}/stats/prometheus`)).text(), 'destination');
			assert.deepEqual([...second.keys()], [seriesKey('reviews', 'v3')]);
			assert.ok(second.get(seriesKey('reviews', 'v3'))!.requests > (first.get(seriesKey('reviews', 'v3'))?.requests ?? 0), 'the counters grow with the traffic');
			assert.equal((await fetch(`${forward.url}/metrics`)).status, 404);
		} finally {
			await forward.stop();
		}
	});

	test('?filter= answers only the stats whose name the regex finds, as Envoy does; a bad regex is a 400', async () => {
		const forward = await forwardToReviews('v1');
		try {
			const families = async (query: string) => [...(await (await fetch(`${forward.url}/stats/prometheus${query}`)).text()).matchAll(/^# TYPE (\S+)/gm)].map(match => match[1]).sort();
			await new Promise(resolve => setTimeout(resolve, 300));
			assert.deepEqual(await families(''), ['envoy_cluster_upstream_rq_total', 'envoy_server_live', 'istio_request_duration_milliseconds', 'istio_requests_total']);
			assert.deepEqual(await families(`?filter=${envoyStatsFilter}`), ['istio_request_duration_milliseconds', 'istio_requests_total']);
			assert.deepEqual(await families('?filter=^istio_requests_total$'), ['istio_requests_total']);
			const bad = await fetch(`${forward.url}/stats/prometheus?filter=(`);
			assert.equal(bad.status, 400);
			assert.match(await bad.text(), /Invalid regex/);
		} finally {
			await forward.stop();
		}
	});

	test('live reads ask each pod for Istio\'s request metrics only (?filter=istio_request…), not all of its stats', async () => {
		const source = startLiveStats(kubeTarget('bookinfo'), {namespace: 'bookinfo', reporter: 'destination', periodMs: 200});
		try {
			const reviews = (version: string): Destination => ({key: version, host: 'reviews', subset: version, weight: 50, metric: {service: 'reviews', version}});
			await waitFor(() => source.read([reviews('v1'), reviews('v3')]).status === 'live', {timeout: 20_000, interval: 100, message: 'live figures'});
			for (const pod of podsOf(cluster.store, 'reviews').filter(pod => pod.version !== 'v2')) {
				assert.equal(cluster.podStats.lastAsked(pod.name), `/stats/prometheus?filter=${envoyStatsFilter}`, pod.name);
			}
		} finally {
			await source.stop();
		}
	});

	test('a quiet pod (v2, no traffic at weight 0) is read every quiet period, not every period; its figures stay live; new weights wake it', async () => {
		const source = startLiveStats(kubeTarget('bookinfo'), {namespace: 'bookinfo', reporter: 'destination', periodMs: 200, quietPeriodMs: 2000});
		const reviews = (version: string, weight: number): Destination => ({key: version, host: 'reviews', subset: version, weight, metric: {service: 'reviews', version}});
		const pod = (version: string) => podsOf(cluster.store, 'reviews').find(candidate => candidate.version === version)!.name;
		const reads = () => ({v1: cluster.podStats.answeredCount(pod('v1')), v2: cluster.podStats.answeredCount(pod('v2'))});
		try {
			const split = [reviews('v1', 50), reviews('v2', 0), reviews('v3', 50)];
			await waitFor(() => source.read(split).byVersion['v2']?.metrics !== undefined, {timeout: 20_000, interval: 100, message: 'live figures for v2'});
			// Past the first reads' wake-up (two quiet periods from the first weights seen).
			await new Promise(resolve => setTimeout(resolve, 4200));
			const before = reads();
			await waitFor(() => reads().v1 - before.v1 >= 15, {timeout: 20_000, interval: 50, message: 'v1 read 15 times'});
			const quiet = reads().v2 - before.v2;
			assert.ok(quiet >= 1 && quiet <= 3, `v2 read ${quiet} times while v1 was read 15 times (one read every 2 s expected)`);
			const reading = source.read(split);
			assert.equal(reading.byVersion['v2']?.metrics?.rps, 0, 'v2 still has live figures: 0 requests per second');
			assert.equal(reading.status, 'live');
			// A new split (v2 at 10): every pod is read at every poll for two quiet periods.
			const woken = [reviews('v1', 40), reviews('v2', 10), reviews('v3', 50)];
			source.read(woken);
			const after = reads();
			await waitFor(() => reads().v1 - after.v1 >= 8, {timeout: 20_000, interval: 50, message: 'v1 read 8 times after the new split'});
			assert.ok(reads().v2 - after.v2 >= 6, `v2 read ${reads().v2 - after.v2} times while v1 was read 8 times after the weights changed`);
		} finally {
			await source.stop();
		}
	});
});
