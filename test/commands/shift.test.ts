/**
 * Acceptance of `meshtop shift` on the simulated cluster with the real Prometheus (1 s scrape, 4 s rate window).
 * Steps hold 5 s as in the issue: a hold shorter than the rate window would judge v3 partly on traffic of the previous
 * step, and the first hold must cover at least two scrapes of v3's new series.
 */
import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';
import {runShift, type ShiftOptions} from '../../source/commands/shift.js';
import {parseFaultFlag} from '../../source/sim/mesh/faults.js';
import {HistoryFile} from '../../source/trail/history-file.js';
import {changeEventReason} from '../../source/trail/record.js';
import {waitFor} from '../helpers/wait-for.js';
import {CapturedOutput, startFixture, type SimFixture} from './shift-fixture.js';

const gates = ['success>=99.5', 'p99<=500ms', 'min-rps=1'];

describe('meshtop shift on the sim', {timeout: 120_000}, () => {
	let sim: SimFixture;
	let history: HistoryFile;
	before(async () => {
		// 60 req/s: a gate judges ~60 of v3's requests per 4 s window at 25%, so 20% errors cannot hide in a lucky
		// streak (at 20 req/s, 0 errors in ~17 requests happens 2% of the time, and the sim's seeded RNG repeats it).
		sim = await startFixture({waitForMetrics: true, requestsPerSecond: 60});
		history = new HistoryFile(sim.historyFile);
	});
	after(async () => {
		await sim?.stop();
	});

	function options(overrides: Partial<ShiftOptions> = {}): ShiftOptions {
		return {vs: 'reviews', namespace: 'bookinfo', kubeconfig: sim.kubeconfig, historyFile: sim.historyFile, to: 'v3', step: 25, every: '5s', gates, ...overrides};
	}

	async function shiftRecords(from: number) {
		const {records} = await history.read({vs: 'reviews', namespace: 'bookinfo'});
		return records.slice(from);
	}

	it('healthy v3: 0 → 100 in steps of 25 every 5 s, exit 0, every step in the history and the Events', async () => {
		const seen = (await history.read()).records.length;
		const output = new CapturedOutput();
		const code = await runShift(options(), output);
		assert.equal(code, 0, output.out + output.err);
		assert.deepEqual(await sim.weights(), {v1: 0, v2: 0, v3: 100});
		assert.deepEqual(output.lines.filter(line => / step \d\/4 /.test(line)).map(line => /step (\d\/4) +(.*?) +gates/.exec(line)?.slice(1, 3).join(' ')), [
			'1/4 v1 75 → v3 25',
			'2/4 v1 50 → v3 50',
			'3/4 v1 25 → v3 75',
			'4/4 v1 0 → v3 100',
		]);
		assert.match(output.lines.find(line => line.includes('step 2/4')) ?? '', /gates: success 100\.0% ≥ 99\.5 ✓ {2}p99 \d+ms ≤ 500ms ✓ {2}rps \d+\.\d ≥ 1 ✓/);
		assert.match(output.lines.at(-1) ?? '', /^done: v1 0 → v3 100/);

		const records = await shiftRecords(seen);
		assert.deepEqual(records.map(record => [record.source, record.after['v3'], record.note]), [
			['shift', 25, 'shift step 1/4'],
			['shift', 50, 'shift step 2/4'],
			['shift', 75, 'shift step 3/4'],
			['shift', 100, 'shift step 4/4'],
		]);
		for (const [index, record] of records.entries()) {
			assert.equal(record.user, 'sim-admin');
			assert.equal(record.context, 'meshtop-sim');
			if (index > 0) {
				assert.equal(record.resourceVersionBefore, records[index - 1]?.resourceVersionAfter, 'each step is written on top of the previous one');
				assert.deepEqual(record.before, records[index - 1]?.after);
			}
		}

		const current = await sim.api.getVirtualService('bookinfo', 'reviews');
		assert.equal(current.metadata.resourceVersion, records.at(-1)?.resourceVersionAfter);
		const events = (await sim.api.listEvents('bookinfo', 'reviews')).filter(event => event.reason === changeEventReason);
		const expected = ['v1 100→75, v3 0→25', 'v1 75→50, v3 25→50', 'v1 50→25, v3 50→75', 'v1 25→0, v3 75→100']
			.map((change, index) => `reviews http[0]: ${change} by sim-admin (shift); shift step ${index + 1}/4`);
		assert.deepEqual(events.map(event => event.message), expected);
	});

	it('v3 at 20% errors, pause mode: stops at the first failing gate, names it, leaves the split, exit 1', async () => {
		sim.resetReviews();
		sim.cluster.mesh.setFault(parseFaultFlag('reviews:v3:errors=20%'));
		const seen = (await history.read()).records.length;
		const output = new CapturedOutput();
		const code = await runShift(options(), output);
		assert.equal(code, 1, output.out + output.err);
		assert.deepEqual(await sim.weights(), {v1: 75, v2: 0, v3: 25});
		assert.match(output.out, /gate failed at step 1\/4 .*success \d+\.\d% < 99\.5 ✗/);
		assert.match(output.lines.at(-1) ?? '', /^stopped at step 1\/4, split left at v1 75 → v3 25: gate failed at 25%: success>=99\.5: \d+\.\d% < 99\.5/);
		assert.deepEqual((await shiftRecords(seen)).map(record => record.after), [{v1: 75, v2: 0, v3: 25}]);
	});

	it('v3 at 20% errors, rollback mode: returns to the start split, exit 1', async () => {
		sim.resetReviews();
		const seen = (await history.read()).records.length;
		const output = new CapturedOutput();
		const code = await runShift(options({onFail: 'rollback'}), output);
		assert.equal(code, 1, output.out + output.err);
		assert.deepEqual(await sim.weights(), {v1: 100, v2: 0, v3: 0});
		assert.match(output.lines.at(-1) ?? '', /^rolled back to the start split v1 100 → v3 0: gate failed at 25%: success>=99\.5/);
		assert.deepEqual((await shiftRecords(seen)).map(record => [record.after, record.note]), [
			[{v1: 75, v2: 0, v3: 25}, 'shift step 1/4'],
			[{v1: 100, v2: 0, v3: 0}, 'shift rollback to the start split'],
		]);
	});

	it('warns when Flux manages the VirtualService; a plan with nothing to do exits 0 without writing', async () => {
		const current = sim.cluster.store.get('networking.istio.io/virtualservices', 'bookinfo', 'reviews')!;
		const labelled = sim.cluster.store.update('networking.istio.io/virtualservices', {...current, metadata: {...current.metadata, labels: {'kustomize.toolkit.fluxcd.io/name': 'apps', 'kustomize.toolkit.fluxcd.io/namespace': 'flux-system'}}});
		try {
			const output = new CapturedOutput();
			assert.equal(await runShift(options({to: 'v1'}), output), 0, output.err);
			assert.match(output.err, /^warning: Flux Kustomization flux-system\/apps manages this VirtualService/);
			assert.match(output.lines.at(-1) ?? '', /^done: .*v1 already has 100%/);
			const after = await sim.api.getVirtualService('bookinfo', 'reviews');
			assert.equal(after.metadata.resourceVersion, labelled.metadata.resourceVersion, 'nothing written');
		} finally {
			const labelledNow = sim.cluster.store.get('networking.istio.io/virtualservices', 'bookinfo', 'reviews')!;
			const metadata = {...labelledNow.metadata};
			delete metadata.labels;
			sim.cluster.store.update('networking.istio.io/virtualservices', {...labelledNow, metadata});
		}
	});

	it('an external edit mid-plan stops the plan without overwriting it', async () => {
		sim.resetReviews();
		const output = new CapturedOutput();
		const running = runShift(options({every: '1s', gates: []}), output);
		await waitFor(() => output.lines.some(line => line.includes('step 1/4')), {timeout: 10_000, message: 'step 1 written'});
		sim.editReviews(spec => {
			const route = (spec['http'] as Array<{route: Array<{weight?: number}>}>)[0]!.route;
			route[0]!.weight = 90;
			route[1]!.weight = 10;
		});
		assert.equal(await running, 1, output.out + output.err);
		assert.deepEqual(await sim.weights(), {v1: 90, v3: 10, v2: 0}, 'the other writer\'s split stays');
		assert.match(output.lines.at(-1) ?? '', /^stopped after step 1\/4: write failed: conflict: .*changed by someone else.*; the VirtualService now has v1 90 → v3 10$/);
	});

	it('SIGINT mid-plan (AbortSignal): exit 130, a valid split that is the last recorded one, a complete history, JSON events', async () => {
		sim.cluster.mesh.clearFault('reviews', 'v3');
		sim.resetReviews();
		const seen = (await history.read()).records.length;
		const output = new CapturedOutput();
		const controller = new AbortController();
		// Without gates the plan moves on time alone, so a 1 s hold is enough to be mid-plan quickly.
		const running = runShift(options({every: '1s', gates: [], json: true, signal: controller.signal}), output);
		await waitFor(() => output.lines.some(line => (JSON.parse(line) as {step?: number}).step === 2), {timeout: 10_000, message: 'step 2 written'});
		controller.abort();
		const code = await running;
		assert.equal(code, 130, output.out + output.err);
		const events = output.lines.map(line => JSON.parse(line) as {event: string; weights?: Record<string, number>; step?: number});
		assert.equal(events[0]?.event, 'plan');
		const last = events.at(-1);
		assert.equal(last?.event, 'interrupted');
		const weights = await sim.weights();
		assert.equal(Object.values(weights).reduce((sum, weight) => sum + weight, 0), 100);
		assert.deepEqual(last?.weights, weights, 'the reported split is the one in the cluster');
		const records = await shiftRecords(seen);
		assert.ok(records.length >= 2 && records.length < 4, `stopped mid-plan after ${records.length} steps`);
		assert.deepEqual(records.map(record => record.note), records.map((_, index) => `shift step ${index + 1}/4`));
		assert.deepEqual(records.at(-1)?.after, weights);
		const current = await sim.api.getVirtualService('bookinfo', 'reviews');
		assert.equal(current.metadata.resourceVersion, records.at(-1)?.resourceVersionAfter, 'no write after the last recorded one');
		assert.deepEqual(events.filter(event => event.event === 'step').map(event => event.step), records.map((_, index) => index + 1));
	});
});
