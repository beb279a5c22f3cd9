/**
 * Ambient mode, on the simulated cluster and on the real API server of the test bed: a namespace labelled
 * `istio.io/dataplane-mode=ambient` has no sidecars, its mesh reports with `reporter="waypoint"` only, and `status`
 * reads that reporter (reading `destination` would find no series at all). The mesh of both backends follows the
 * namespace label live (the test bed through its mirror of the API server), so `kubectl label` switches it both ways.
 */
import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';
import type {Flags} from '../../source/commands/flags.js';
import {runStatus, type StatusReport} from '../../source/commands/status.js';
import {createConsoleServices} from '../../source/app/console-services.js';
import {loadKubeTarget} from '../../source/kube/config.js';
import {initialState} from '../../source/state/app-state.js';
import {ConsoleController} from '../../source/state/controller.js';
import {createStore} from '../../source/state/store.js';
import {waitFor} from '../helpers/wait-for.js';
import {backends, type ClusterFixture} from '../helpers/cluster-fixture.js';
import {capture} from '../helpers/capture-io.js';

const sim = backends.find(backend => backend.name === 'sim')!;

function flags(cluster: ClusterFixture, json: boolean): Flags {
	return {kubeconfig: cluster.kubeconfig, namespace: 'bookinfo', readOnly: false, refresh: '1s', json, every: '30s', onFail: 'pause'};
}

/** `status reviews --json` once reviews' v1 shows traffic read with `reporter`. */
async function statusWithTraffic(cluster: ClusterFixture, reporter: string): Promise<StatusReport> {
	return waitFor(async () => {
		const output = capture();
		assert.equal(await runStatus('reviews', flags(cluster, true), output.io), 0, output.err());
		const parsed = JSON.parse(output.out()) as StatusReport;
		return parsed.reporter === reporter && (parsed.routes[0]?.destinations[0]?.rps ?? 0) > 0 ? parsed : undefined;
	}, {timeout: 30_000, interval: 500, message: `reviews' v1 traffic read with reporter="${reporter}"`});
}

/** reviews is all-v1: v1 has the whole observed share (a ratio of rates, so within rounding of 100%). */
function assertAllTraffic(report: StatusReport): void {
	const share = report.routes[0]?.destinations[0]?.observedShare ?? 0;
	assert.ok(Math.abs(share - 100) < 1e-6, `v1 observed share ${share}`);
}

/** Series of reviews reported by `reporter` with a rate above 0 now, asked of Prometheus directly. */
async function reportedRate(cluster: ClusterFixture, reporter: string): Promise<number> {
	const query = `sum(rate(istio_requests_total{reporter="${reporter}",destination_service_name="reviews"}[4s]))`;
	const response = await fetch(`${cluster.prometheusUrl}/api/v1/query?query=${encodeURIComponent(query)}`);
	const body = await response.json() as {data?: {result?: Array<{value: [number, string]}>}};
	return Number(body.data?.result?.[0]?.value[1] ?? 0);
}

for (const backend of backends) describe(`ambient namespace labelled live (${backend.name})`, {timeout: 120_000, skip: backend.skip}, () => {
	let cluster: ClusterFixture;
	const unlabel = async () => cluster.kubectl(['label', 'namespace', 'bookinfo', 'istio.io/dataplane-mode-', 'istio-injection=enabled', '--overwrite']);
	before(async () => {
		cluster = await backend.start({prometheus: 'auto'});
		await cluster.resetReviews();
		await cluster.waitForMetrics();
	});
	after(async () => {
		// The test bed is shared: the namespace goes back to sidecars for the other suites.
		await unlabel().catch(() => '');
		await cluster?.stop();
	});

	it('labelled istio.io/dataplane-mode=ambient: the waypoint reports, and status reads reporter="waypoint"', async () => {
		await cluster.kubectl(['label', 'namespace', 'bookinfo', 'istio.io/dataplane-mode=ambient', 'istio-injection-']);
		const report = await statusWithTraffic(cluster, 'waypoint');
		assert.equal(report.routes[0]?.destinations[0]?.version, 'v1');
		assertAllTraffic(report);
		// The sidecars are gone: once the window has passed, nothing is reported by a destination proxy any more.
		await waitFor(async () => (await reportedRate(cluster, 'destination')) === 0, {timeout: 20_000, interval: 500, message: 'no destination-reported traffic in an ambient namespace'});
		assert.ok(await reportedRate(cluster, 'waypoint') > 0);
		const text = capture();
		assert.equal(await runStatus('reviews', flags(cluster, false), text.io), 0, text.err());
		assert.match(text.out(), /reporter waypoint/);
	});

	it('the console in the labelled namespace: its header names reporter=waypoint and the metrics it reads have reviews\' traffic', async t => {
		const target = loadKubeTarget({kubeconfig: cluster.kubeconfig, namespace: 'bookinfo'});
		const services = createConsoleServices(target, {prometheus: {url: cluster.prometheusUrl}, historyFile: cluster.historyFile});
		const store = createStore(initialState({connection: {contextName: target.contextName, namespace: 'bookinfo', user: target.user, server: target.server}, vsName: 'reviews'}));
		const controller = new ConsoleController(store, services, {refreshMs: 500});
		t.after(async () => {
			await controller.stop();
			await services.close();
		});
		controller.start();
		await waitFor(() => store.getState().prometheusLabel.endsWith('· reporter=waypoint') && (store.getState().metrics?.byVersion['v1']?.rps ?? 0) > 0, {
			timeout: 20_000, interval: 200, message: 'the console reads reviews\' v1 traffic with reporter=waypoint',
		});
	});

	it('unlabelled again: the sidecars report, and status reads reporter="destination"', async () => {
		await unlabel();
		assertAllTraffic(await statusWithTraffic(cluster, 'destination'));
	});
});

describe('status in an ambient namespace (sim --ambient)', {timeout: 60_000}, () => {
	let cluster: ClusterFixture;
	before(async () => {
		cluster = await sim.start({prometheus: 'auto', ambient: true});
	});
	after(async () => {
		await cluster?.stop();
	});

	it('reads the waypoint\'s reports and sees reviews\' traffic', async () => {
		assertAllTraffic(await statusWithTraffic(cluster, 'waypoint'));
	});
});
