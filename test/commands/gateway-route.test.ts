/**
 * North–south HTTPRoutes, on the simulated cluster and on the real API server of the test bed: Istio's sample
 * `bookinfo-gateway.yaml` (a Gateway and the HTTPRoute `bookinfo` attached to it) applied with kubectl, the ingress
 * traffic of the mesh routed by that route's weights, observed by `status`, and split with `set`.
 */
import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';
import type {Flags} from '../../source/commands/flags.js';
import {runSet} from '../../source/commands/set.js';
import {runStatus, type StatusReport} from '../../source/commands/status.js';
import {istioDataDir} from '../../source/sim/istio-data.js';
import {waitFor} from '../helpers/wait-for.js';
import {backends, type ClusterFixture} from '../helpers/cluster-fixture.js';
import {setEnv} from '../helpers/env.js';
import {capture} from '../helpers/capture-io.js';

const sample = `${istioDataDir}bookinfo-gateway-api/bookinfo-gateway.yaml`;

for (const backend of backends) describe(`HTTPRoute bookinfo on the Gateway bookinfo-gateway (${backend.name})`, {timeout: 120_000, skip: backend.skip}, () => {
	let cluster: ClusterFixture;
	let restoreHistory = (): void => undefined;
	const flags = (overrides: Partial<Flags> = {}): Flags => ({
		kubeconfig: cluster.kubeconfig, namespace: 'bookinfo', readOnly: false, refresh: '1s', json: false, every: '30s', onFail: 'pause', ...overrides,
	});
	/** `status httproute/bookinfo --json` once every backend with weight has traffic. */
	const statusWithTraffic = async (what: string) => waitFor(async () => {
		const output = capture();
		assert.equal(await runStatus('httproute/bookinfo', flags({json: true}), output.io), 0, output.err());
		const parsed = JSON.parse(output.out()) as StatusReport;
		const weighted = parsed.routes[0]?.destinations.filter(destination => destination.weight > 0) ?? [];
		return weighted.length > 0 && weighted.every(destination => (destination.rps ?? 0) > 0) ? parsed : undefined;
	}, {timeout: 20_000, interval: 500, message: what});

	before(async () => {
		cluster = await backend.start({prometheus: 'auto'});
		restoreHistory = setEnv('MESHTOP_HISTORY', cluster.historyFile);
		await cluster.kubectl(['apply', '-f', sample]);
	});
	after(async () => {
		restoreHistory();
		// The test bed is shared: entry traffic goes straight to productpage again for the other suites.
		await cluster?.kubectl(['delete', '-f', sample, '--ignore-not-found']).catch(() => '');
		await cluster?.stop();
	});

	it('status httproute/bookinfo: attached to the Gateway, its backend productpage carries the ingress traffic', async () => {
		const report = await statusWithTraffic('ingress traffic observed on productpage');
		const rule = report.routes[0]!;
		assert.equal(rule.parents, 'Gateway bookinfo-gateway');
		assert.equal(rule.destinations[0]?.version, 'productpage');
		assert.equal(rule.destinations[0]?.weight, 100);
		assert.ok((rule.destinations[0]?.rps ?? 0) > 0);
		// productpage's per-version Service is offered, at 0, to shift the ingress traffic to.
		assert.deepEqual(rule.destinations.map(destination => [destination.version, destination.weight]), [['productpage', 100], ['productpage-v1', 0]]);
	});

	it('set productpage=25 productpage-v1=75: the ingress traffic splits by the weights, seen by status', async () => {
		const output = capture();
		assert.equal(await runSet('httproute/bookinfo', ['productpage=25', 'productpage-v1=75'], flags(), output.io), 0, output.err());
		assert.equal(await cluster.kubectl(['get', 'httproute', 'bookinfo', '-o', 'jsonpath={.spec.rules[0].backendRefs[*].weight}']), '25 75');
		const report = await waitFor(async () => {
			const parsed = await statusWithTraffic('both backends of httproute/bookinfo observed');
			const [main, v1] = parsed.routes[0]!.destinations;
			// The window still holds traffic from before the write for a few seconds: wait for the new split to dominate.
			return (v1?.observedShare ?? 0) > (main?.observedShare ?? 100) ? parsed : undefined;
		}, {timeout: 30_000, interval: 500, message: 'productpage-v1 observed with most of the ingress traffic'});
		const [main, v1] = report.routes[0]!.destinations;
		process.stderr.write(`[gateway-route ${backend.name}] productpage ${String(main?.rps)} rps (${String(main?.observedShare)}%), productpage-v1 ${String(v1?.rps)} rps (${String(v1?.observedShare)}%)\n`);
	});
});
