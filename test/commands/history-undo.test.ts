/** `meshtop history` and `meshtop undo` on the simulated cluster (no Prometheus needed: the built-in responder starts fastest) and on the real API server of the test bed. */
import assert from 'node:assert/strict';
import {after, before, beforeEach, describe, it} from 'node:test';
import {connect} from '../../source/commands/connect.js';
import {runHistory} from '../../source/commands/history.js';
import {runUndo} from '../../source/commands/undo.js';
import {HistoryFile} from '../../source/trail/history-file.js';
import {changeEventReason} from '../../source/trail/record.js';
import {connectionWriter} from '../../source/write/split-writer.js';
import {CapturedOutput} from './shift-fixture.js';
import {backends, type ClusterFixture} from '../helpers/cluster-fixture.js';

for (const backend of backends) describe(`meshtop history and undo (${backend.name})`, {timeout: 60_000, skip: backend.skip}, () => {
	let sim: ClusterFixture;
	before(async () => {
		sim = await backend.start({prometheus: 'builtin'});
	});
	after(async () => {
		await sim?.stop();
	});
	beforeEach(async () => {
		sim.sim?.apiServer.setDenyRules([]);
		await sim.resetReviews();
	});

	const common = () => ({vs: 'reviews', namespace: 'bookinfo', kubeconfig: sim.kubeconfig, historyFile: sim.historyFile});

	/** A write through the same path `set` uses. */
	async function set(weights: Record<string, number>) {
		const connection = await connect({vs: 'reviews', namespace: 'bookinfo', kubeconfig: sim.kubeconfig});
		try {
			const writer = connectionWriter({
				api: connection.api,
				historyFile: new HistoryFile(sim.historyFile),
				writer: {user: connection.target.user, context: connection.target.contextName, namespace: connection.namespace},
			});
			const outcome = await writer.write({vs: connection.vs, route: connection.route, change: {weights}, reason: {source: 'set'}});
			assert.equal(outcome.kind, 'written', outcome.kind === 'written' ? '' : outcome.message);
			return outcome;
		} finally {
			await connection.close();
		}
	}

	it('undo after no other change restores the previous split exactly, and is itself recorded', async () => {
		assert.deepEqual(await sim.weights(), {v1: 100, v2: 0, v3: 0});
		await set({v1: 50, v3: 50});
		assert.deepEqual(await sim.weights(), {v1: 50, v2: 0, v3: 50});
		const output = new CapturedOutput();
		const code = await runUndo(common(), output);
		assert.equal(code, 0, output.err);
		assert.deepEqual(await sim.weights(), {v1: 100, v2: 0, v3: 0});
		assert.match(output.out, new RegExp(`^reviews http\\[0\\]: v1 50→100, v3 50→0 \\(reverted the set change of .* by ${sim.user}\\)\\n$`));
		const {records} = await new HistoryFile(sim.historyFile).read({vs: 'reviews'});
		const last = records.at(-1);
		assert.equal(last?.source, 'undo');
		assert.deepEqual(last?.after, records.at(-2)?.before);
		const events = await sim.api.listEvents('bookinfo', 'reviews');
		assert.ok(events.some(event => event.reason === changeEventReason && new RegExp(`v1 50→100, v3 50→0 by ${sim.user} \\(undo\\)`).test(event.message)));
	});

	it('undo after an external weight change refuses, explains, and writes nothing', async () => {
		await set({v1: 50, v3: 50});
		await sim.editReviews(spec => {
			const route = (spec['http'] as Array<{route: Array<{weight?: number}>}>)[0]!.route;
			route[0]!.weight = 80;
			route[1]!.weight = 20;
		});
		const before = await sim.api.getVirtualService('bookinfo', 'reviews');
		const output = new CapturedOutput();
		const code = await runUndo(common(), output);
		assert.equal(code, 1);
		assert.match(output.err, new RegExp(`refusing to undo: reviews changed since meshtop's last change \\(set by ${sim.user} at .*, resourceVersion \\d+; now \\d+\\)`));
		assert.match(output.err, /weights of http\[0\] changed since: v1 50→80, v3 50→20 \(now v1 80, v3 20, v2 0\)/);
		assert.match(output.err, /nothing was written/);
		assert.doesNotMatch(output.err, /later meshtop change/, 'our own earlier changes are not reported as someone else\'s');
		const after = await sim.api.getVirtualService('bookinfo', 'reviews');
		assert.equal(after.metadata.resourceVersion, before.metadata.resourceVersion);
	});

	it('undo after an edit elsewhere in the VirtualService refuses too', async () => {
		await set({v1: 50, v3: 50});
		await sim.editReviews(spec => {
			(spec['http'] as Array<Record<string, unknown>>)[0]!['timeout'] = '5s';
		});
		const output = new CapturedOutput();
		assert.equal(await runUndo(common(), output), 1);
		assert.match(output.err, /weights of http\[0\] are still as meshtop left them \(v1 50, v3 50, v2 0\), but another part of the VirtualService was edited/);
		assert.deepEqual(await sim.weights(), {v1: 50, v2: 0, v3: 50});
	});

	it('undo without a recorded change says there is nothing to undo', async () => {
		const output = new CapturedOutput();
		assert.equal(await runUndo({...common(), vs: 'ratings'}, output), 1);
		assert.match(output.err, new RegExp(`no change by meshtop recorded for ratings in namespace bookinfo \\(context ${sim.contextName}\\).*nothing to undo`));
	});

	it('warns before writing to a VirtualService Argo CD manages', async () => {
		const annotation = 'argocd.argoproj.io/tracking-id';
		const annotate = async (value: string | undefined) => sim.kubectl(['annotate', '--overwrite', 'virtualservice', 'reviews', value === undefined ? `${annotation}-` : `${annotation}=${value}`]);

		await annotate('bookinfo-app:networking.istio.io/VirtualService:bookinfo/reviews');
		try {
			await set({v1: 50, v3: 50});
			const output = new CapturedOutput();
			assert.equal(await runUndo(common(), output), 0, output.err);
			assert.match(output.err, /^warning: Argo CD application bookinfo-app manages this VirtualService: its next sync or self-heal reverts weights/);
		} finally {
			await annotate(undefined);
		}
	});

	it('a forbidden Event does not fail the write; the history notes it', {skip: backend.name === 'sim' ? false : 'every test bed user that may patch routes may create Events'}, async () => {
		sim.sim!.apiServer.setDenyRules([{verb: 'create', group: '', resource: 'events'}]);
		const result = await set({v1: 90, v3: 10});
		assert.deepEqual(await sim.weights(), {v1: 90, v2: 0, v3: 10});
		assert.match(result.warnings.join('\n'), /no Event recorded on reviews: .*forbidden/i);
		assert.match(result.change.note ?? '', /^no Event: /);
	});

	it('history lists the changes as a table and as JSON', async () => {
		const table = new CapturedOutput();
		assert.equal(await runHistory(common(), table), 0, table.err);
		const lines = table.lines;
		assert.match(lines[0] ?? '', /^TIME +USER +SOURCE +ROUTE +CHANGE +RESOURCEVERSION +NOTE$/);
		const {records} = await new HistoryFile(sim.historyFile).read({vs: 'reviews'});
		assert.equal(lines.length, records.length + 1);
		assert.match(lines[1] ?? '', new RegExp(`${sim.user} +set +http\\[0\\] +v1 100→50, v3 0→50 +\\d+→\\d+`));
		assert.ok(lines.some(line => /undo +http\[0\] +v1 50→100, v3 50→0 .*reverts set change of/.test(line)));
		const json = new CapturedOutput();
		assert.equal(await runHistory({...common(), json: true}, json), 0);
		assert.deepEqual(json.lines.map(line => JSON.parse(line) as unknown), records);
		const empty = new CapturedOutput();
		assert.equal(await runHistory({...common(), vs: 'ratings'}, empty), 0);
		assert.match(empty.out, new RegExp(`^no changes recorded for VirtualService ratings in namespace bookinfo \\(context ${sim.contextName}\\)`));
	});
});
