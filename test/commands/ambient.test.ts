/**
 * Ambient mode on the simulated cluster (`meshtop sim --ambient`): the namespace is labelled
 * `istio.io/dataplane-mode=ambient`, the mesh reports with `reporter="waypoint"` only, and `status` reads that reporter
 * (reading `destination` would find no series at all). The test bed's mesh runs sidecar-style, so this is sim-only.
 */
import assert from 'node:assert/strict';
import {PassThrough, Readable} from 'node:stream';
import {after, before, describe, it} from 'node:test';
import type {Flags} from '../../source/commands/flags.js';
import {runStatus, type StatusReport} from '../../source/commands/status.js';
import {waitFor} from '../helpers/wait-for.js';
import {backends, type ClusterFixture} from '../helpers/cluster-fixture.js';

const sim = backends.find(backend => backend.name === 'sim')!;

describe('status in an ambient namespace (sim --ambient)', {timeout: 60_000}, () => {
	let cluster: ClusterFixture;
	before(async () => {
		cluster = await sim.start({prometheus: 'auto', ambient: true});
	});
	after(async () => {
		await cluster?.stop();
	});

	it('reads the waypoint\'s reports and sees reviews\' traffic', async () => {
		const flags: Flags = {kubeconfig: cluster.kubeconfig, namespace: 'bookinfo', readOnly: false, refresh: '1s', json: true, every: '30s', onFail: 'pause'};
		const report = await waitFor(async () => {
			const stdout = new PassThrough();
			let out = '';
			stdout.on('data', (chunk: Buffer) => {
				out += chunk.toString('utf8');
			});
			const code = await runStatus('reviews', flags, {stdout, stderr: new PassThrough(), stdin: Readable.from([])});
			assert.equal(code, 0);
			const parsed = JSON.parse(out) as StatusReport;
			return (parsed.routes[0]?.destinations[0]?.rps ?? 0) > 0 ? parsed : undefined;
		}, {timeout: 20_000, interval: 500, message: 'v1 traffic read from the waypoint'});
		assert.equal(report.reporter, 'waypoint');
		assert.equal(report.routes[0]?.destinations[0]?.observedShare, 100);
	});
});
