import assert from 'node:assert/strict';
import {createServer, request, type Server} from 'node:http';
import type {AddressInfo} from 'node:net';
import {after, before, describe, test} from 'node:test';
import {createConsoleServices, type ClusterConsoleServices} from '../../source/app/console-services.js';
import type {MetricsSnapshot} from '../../source/domain/metrics.js';
import type {Destination} from '../../source/domain/virtual-service.js';
import {loadKubeTarget} from '../../source/kube/config.js';
import {backends, type ClusterFixture} from '../helpers/cluster-fixture.js';
import {waitFor} from '../helpers/wait-for.js';

const sim = backends.find(backend => backend.name === 'sim')!;
const reviews = (version: string): Destination => ({key: version, host: 'reviews', subset: version, weight: 50, metric: {service: 'reviews', namespace: 'bookinfo', version}});

/** A proxy in front of Prometheus that notes the `query` of every instant query it passes on. */
async function recordingProxy(upstream: string): Promise<{url: string; queries: string[]; close: () => Promise<void>}> {
	const queries: string[] = [];
	const server: Server = createServer((incoming, outgoing) => {
		const url = new URL(incoming.url ?? '/', upstream);
		if (url.pathname === '/api/v1/query') {
			queries.push(url.searchParams.get('query') ?? '');
		}

		const forwarded = request(url, {method: incoming.method, headers: {...incoming.headers, host: url.host}}, answer => {
			outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
			answer.pipe(outgoing);
		});
		forwarded.on('error', () => outgoing.destroy());
		incoming.pipe(forwarded);
	});
	await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
	return {
		url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
		queries,
		close: async () => new Promise<void>(resolve => {
			server.closeAllConnections();
			server.close(() => resolve());
		}),
	};
}

describe('the console\'s refresh while live reads cover every version (sim)', {timeout: 90_000}, () => {
	let cluster: ClusterFixture;
	before(async () => {
		cluster = await sim.start({prometheus: 'builtin', requestsPerSecond: 40});
		await cluster.editReviews(spec => {
			spec['http'] = [{route: [{destination: {host: 'reviews', subset: 'v1'}, weight: 50}, {destination: {host: 'reviews', subset: 'v3'}, weight: 50}]}];
		});
		await cluster.waitForMetrics();
	});

	after(async () => {
		await cluster?.resetReviews();
		await cluster?.stop();
	});

	/** Console services through a recording proxy; each refresh as the controller makes it. */
	const open = async (t: {after: (fn: () => Promise<void>) => void}, live: boolean) => {
		const proxy = await recordingProxy(cluster.prometheusUrl);
		const target = loadKubeTarget({kubeconfig: cluster.kubeconfig, namespace: 'bookinfo'});
		const services: ClusterConsoleServices = createConsoleServices(target, {prometheus: {url: proxy.url}, historyFile: cluster.historyFile, resolveInterrupted: false, ...(live ? {} : {live: false})});
		t.after(async () => {
			await services.close();
			await proxy.close();
		});
		return {proxy, refresh: async (destinations: readonly Destination[]): Promise<MetricsSnapshot> => services.fetchMetrics(destinations)};
	};

	test('Prometheus is asked only whether it answers (`1`) once the pods\' figures cover every version; they are what is shown', async t => {
		const {proxy, refresh} = await open(t, true);
		const destinations = [reviews('v1'), reviews('v3')];
		let snapshot: MetricsSnapshot | undefined;
		await waitFor(async () => {
			snapshot = await refresh(destinations);
			return snapshot.live?.liveKeys.length === 2;
		}, {timeout: 30_000, interval: 300, message: 'live figures for v1 and v3'});
		const before = proxy.queries.length;
		for (let index = 0; index < 3; index++) {
			snapshot = await refresh(destinations);
		}

		assert.deepEqual(proxy.queries.slice(before), ['1', '1', '1'], 'three refreshes, three probes, no metric query');
		assert.ok((snapshot?.byVersion['v1']?.rps ?? 0) > 0 && (snapshot?.byVersion['v3']?.rps ?? 0) > 0, `live figures shown: ${JSON.stringify(snapshot?.byVersion)}`);
		assert.ok(Date.now() - (snapshot?.at ?? 0) < 5000, 'the snapshot is dated by the probe: Prometheus answered just now');
	});

	test('a version without live figures (no pods) or --no-live: the full query at every refresh', async t => {
		const withPodless = await open(t, true);
		const destinations = [reviews('v1'), reviews('v9')];
		await waitFor(async () => (await withPodless.refresh(destinations)).live?.liveKeys.includes('v1') === true, {timeout: 30_000, interval: 300, message: 'live figures for v1'});
		const before = withPodless.proxy.queries.length;
		await withPodless.refresh(destinations);
		await withPodless.refresh(destinations);
		assert.equal(withPodless.proxy.queries.length - before, 2);
		assert.ok(withPodless.proxy.queries.slice(before).every(query => query.includes('istio_requests_total')), 'v9 has no pods: Prometheus answers for it');

		const off = await open(t, false);
		await off.refresh(destinations);
		assert.ok(off.proxy.queries.length === 1 && off.proxy.queries[0]!.includes('istio_requests_total'));
	});
});
