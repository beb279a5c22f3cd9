/**
 * Acceptance of `meshtop shift` on the simulated cluster with the real Prometheus (1 s scrape) at the sim's own
 * 20 req/s, and on the real API server of the test bed (its mesh at 20 req/s, Prometheus 3.x at 1 s). Nothing here races a timer or depends on a lucky streak of traffic: a healthy version completes because
 * every step may wait (--max-wait) until its evidence is conclusive, a version failing 30% of requests is stopped
 * because the evidence against it is overwhelming within seconds, and the mid-plan interventions happen synchronously
 * on the line that announces a step. Each test sets its own faults and split, so the order of tests does not matter.
 */
import assert from 'node:assert/strict';
import {after, before, beforeEach, describe, it} from 'node:test';
import {runShift, type ShiftOptions} from '../../source/commands/shift.js';
import {compareToThreshold} from '../../source/domain/binomial.js';
import {gatePolicy, lookSchedule, perLookAlpha} from '../../source/domain/gate-policy.js';
import {HistoryFile} from '../../source/trail/history-file.js';
import {changeEventReason} from '../../source/trail/record.js';
import {CapturedOutput} from './shift-fixture.js';
import {backends, type ClusterFixture} from '../helpers/cluster-fixture.js';

/** Gates a healthy v3 can prove at 20 req/s within a test's patience, and a failing one cannot hide from. */
const gates = ['success>=90', 'p99<=500ms', 'min-rps=1'];
const judging = {every: '5s', maxWait: '60s', minRequests: 50};

for (const backend of backends) describe(`meshtop shift (${backend.name})`, {timeout: 300_000, skip: backend.skip}, () => {
	let sim: ClusterFixture;
	let history: HistoryFile;
	before(async () => {
		sim = await backend.start();
		await sim.waitForMetrics();
		history = new HistoryFile(sim.historyFile);
	});
	after(async () => {
		await sim?.stop();
	});
	beforeEach(async () => {
		await sim.control('clear all');
		await sim.resetReviews();
	});

	function options(overrides: Partial<ShiftOptions> = {}): ShiftOptions {
		return {vs: 'reviews', namespace: 'bookinfo', kubeconfig: sim.kubeconfig, historyFile: sim.historyFile, to: 'v3', step: 25, gates, ...judging, ...overrides};
	}

	async function shiftRecords(from: number) {
		const {records} = await history.read({vs: 'reviews', namespace: 'bookinfo'});
		return records.slice(from);
	}

	it('healthy v3: 0 → 100 in steps of 25, each judged on its own traffic with the evidence shown, exit 0, every step in the trail', async () => {
		const seen = (await history.read()).records.length;
		const output = new CapturedOutput();
		const code = await runShift(options(), output);
		assert.equal(code, 0, output.out + output.err);
		assert.deepEqual(await sim.weights(), {v1: 0, v2: 0, v3: 100});
		assert.deepEqual(output.lines.filter(line => /^[\d:]+ step \d\/4 /.test(line)).map(line => /step (\d\/4) +(.*?) +gates/.exec(line)?.slice(1, 3).join(' ')), [
			'1/4 v1 75 → v3 25',
			'2/4 v1 50 → v3 50',
			'3/4 v1 25 → v3 75',
			'4/4 v1 0 → v3 100',
		]);
		assert.match(output.lines.find(line => line.includes('step 2/4')) ?? '', /gates: success 100\.0% \(n=[\d,]+, 95% \d+\.\d+–100\.0%\) ≥ 90 ✓ {2}p99 \d+(\.\d)? ms \(n=[\d,]+\) ≤ 500 ms ✓ {2}rps \d+\.\d \(n=[\d,]+ in \d+ s\) ≥ 1 ✓/);
		assert.match(output.lines.at(-1) ?? '', /^done: v1 0 → v3 100 \(v3 reached 100% with every gate passing\)/);

		const records = await shiftRecords(seen);
		assert.deepEqual(records.map(record => [record.source, record.after['v3'], record.note?.split(';')[0]]), [
			['shift', 25, 'shift step 1/4'],
			['shift', 50, 'shift step 2/4'],
			['shift', 75, 'shift step 3/4'],
			['shift', 100, 'shift step 4/4'],
		]);
		// The trail says why each step was taken: the evidence of the step before it.
		assert.match(records[1]?.note ?? '', /^shift step 2\/4; gates at 25%: success 100\.0% \(n=[\d,]+, 95% [\d.]+–100\.0%\) ≥ 90 ✓; p99 /);
		for (const [index, record] of records.entries()) {
			assert.equal(record.user, sim.user);
			assert.equal(record.context, sim.contextName);
			if (index > 0) {
				assert.equal(record.resourceVersionBefore, records[index - 1]?.resourceVersionAfter, 'each step is written on top of the previous one');
				assert.deepEqual(record.before, records[index - 1]?.after);
			}
		}

		const current = await sim.api.getVirtualService('bookinfo', 'reviews');
		assert.equal(current.metadata.resourceVersion, records.at(-1)?.resourceVersionAfter);
		const events = (await sim.api.listEvents('bookinfo', 'reviews')).filter(event => event.reason === changeEventReason).slice(-4);
		const expected = ['v1 100→75, v3 0→25', 'v1 75→50, v3 25→50', 'v1 50→25, v3 50→75', 'v1 25→0, v3 75→100']
			.map((change, index) => `reviews http[0]: ${change} by ${sim.user} (shift); shift step ${index + 1}/4`);
		assert.deepEqual(events.map(event => event.message?.split('; gates')[0]), expected);
	});

	/** The failing success line must carry enough evidence: re-judged from its own printed numbers, it is below the threshold. */
	function assertEvidenceOfFailure(line: string): void {
		const match = /success (\d+\.\d)% \(n=([\d,]+), 95% ([\d.]+)–([\d.]+)%\) < 90 ✗/.exec(line);
		assert.ok(match, `a failing success line with its evidence: ${line}`);
		const n = Number(match[2]!.replaceAll(',', ''));
		const successes = Math.round((Number(match[1]) / 100) * n);
		assert.ok(Number(match[4]) < 90, 'the interval printed lies below the threshold');
		const policy = gatePolicy({intervalMs: 5000, maxWaitMs: 60_000});
		// Re-judged from the printed numbers alone, with the same error per look: the line shows enough requests.
		assert.equal(compareToThreshold(successes, n, perLookAlpha(policy, lookSchedule(policy, 5000)), 0.9), 'below', `n=${n} is enough to fail`);
	}

	it('v3 at 30% errors, pause mode: stops at the first step with the evidence on the failing line, leaves the split, exit 1', async () => {
		await sim.control('fault reviews:v3:errors=30%');
		const seen = (await history.read()).records.length;
		const output = new CapturedOutput();
		const code = await runShift(options(), output);
		assert.equal(code, 1, output.out + output.err);
		assert.deepEqual(await sim.weights(), {v1: 75, v2: 0, v3: 25});
		const failing = output.lines.find(line => / gate failed at step 1\/4 /.test(line)) ?? '';
		assertEvidenceOfFailure(failing);
		assert.match(output.lines.at(-1) ?? '', /^stopped at step 1\/4, split left at v1 75 → v3 25: gate failed at 25%: success>=90: \d+\.\d% \(n=[\d,]+, 95% [\d.]+–[\d.]+%\) < 90 ✗/);
		assert.deepEqual((await shiftRecords(seen)).map(record => record.after), [{v1: 75, v2: 0, v3: 25}]);
	});

	it('v3 at 30% errors, rollback mode: returns to the start split with the evidence in the trail, exit 1', async () => {
		await sim.control('fault reviews:v3:errors=30%');
		const seen = (await history.read()).records.length;
		const output = new CapturedOutput();
		const code = await runShift(options({onFail: 'rollback', json: true}), output);
		assert.equal(code, 1, output.out + output.err);
		assert.deepEqual(await sim.weights(), {v1: 100, v2: 0, v3: 0});
		const events = output.lines.map(line => JSON.parse(line) as {event: string; reason?: string; gates?: Array<{gate: string; outcome: string; n: number; interval: [number, number] | null; reason: string}>});
		const failed = events.find(event => event.event === 'gate-failed');
		const success = failed?.gates?.find(gate => gate.gate === 'success>=90');
		assert.equal(success?.outcome, 'fail');
		assert.ok((success?.interval?.[1] ?? 100) < 90, 'JSON carries the interval');
		assertEvidenceOfFailure(`success ${success?.reason ?? ''}`);
		assert.match(events.at(-1)?.reason ?? '', /^gate failed at 25%: success>=90: /);
		const records = await shiftRecords(seen);
		assert.deepEqual(records.map(record => [record.after, record.note?.split(';')[0]]), [
			[{v1: 75, v2: 0, v3: 25}, 'shift step 1/4'],
			[{v1: 100, v2: 0, v3: 0}, 'shift rollback to the start split'],
		]);
		assert.match(records[1]?.note ?? '', /; gate failed at 25%: success>=90: \d+\.\d% \(n=[\d,]+, 95% /);
	});

	it('warns when Flux manages the VirtualService; a plan with nothing to do exits 0 without writing', async () => {
		await sim.kubectl(['label', 'virtualservice', 'reviews', 'kustomize.toolkit.fluxcd.io/name=apps', 'kustomize.toolkit.fluxcd.io/namespace=flux-system']);
		try {
			const labelled = await sim.getObject('virtualservice', 'reviews');
			const output = new CapturedOutput();
			assert.equal(await runShift(options({to: 'v1'}), output), 0, output.err);
			assert.match(output.err, /^warning: Flux Kustomization flux-system\/apps manages this VirtualService/);
			assert.match(output.lines.at(-1) ?? '', /^done: .*v1 already has 100%/);
			const after = await sim.api.getVirtualService('bookinfo', 'reviews');
			assert.equal(after.metadata.resourceVersion, labelled.metadata.resourceVersion, 'nothing written');
		} finally {
			await sim.kubectl(['label', 'virtualservice', 'reviews', 'kustomize.toolkit.fluxcd.io/name-', 'kustomize.toolkit.fluxcd.io/namespace-']);
		}
	});

	it('an external edit mid-plan stops the plan without overwriting it', async () => {
		const output = new CapturedOutput();
		// The edit is sent as step 1 is announced, a second before the next write (on the sim it lands synchronously).
		output.onLine = line => {
			if (line.includes('step 1/4')) {
				output.onLine = undefined;
				void sim.editReviews(spec => {
					const route = (spec['http'] as Array<{route: Array<{weight?: number}>}>)[0]!.route;
					route[0]!.weight = 90;
					route[1]!.weight = 10;
				});
			}
		};

		assert.equal(await runShift(options({every: '1s', gates: []}), output), 1, output.out + output.err);
		assert.deepEqual(await sim.weights(), {v1: 90, v3: 10, v2: 0}, 'the other writer\'s split stays');
		assert.match(output.lines.at(-1) ?? '', /^stopped after step 1\/4: write failed: conflict: .*changed by someone else.*; the VirtualService now has v1 90 → v3 10$/);
	});

	it('SIGINT mid-plan (AbortSignal): exit 130, a valid split that is the last recorded one, a complete history, JSON events', async () => {
		const seen = (await history.read()).records.length;
		const output = new CapturedOutput();
		const controller = new AbortController();
		// Interrupted as step 2 is announced: after its write, before any other.
		output.onLine = line => {
			if ((JSON.parse(line) as {event?: string; step?: number}).event === 'step' && (JSON.parse(line) as {step?: number}).step === 2) {
				controller.abort();
			}
		};

		const code = await runShift(options({every: '1s', gates: [], json: true, signal: controller.signal}), output);
		assert.equal(code, 130, output.out + output.err);
		const events = output.lines.map(line => JSON.parse(line) as {event: string; weights?: Record<string, number>; step?: number});
		assert.equal(events[0]?.event, 'plan');
		const last = events.at(-1);
		assert.equal(last?.event, 'interrupted');
		const weights = await sim.weights();
		assert.deepEqual(weights, {v1: 50, v2: 0, v3: 50});
		assert.deepEqual(last?.weights, weights, 'the reported split is the one in the cluster');
		const records = await shiftRecords(seen);
		assert.deepEqual(records.map(record => record.note), ['shift step 1/4', 'shift step 2/4']);
		assert.deepEqual(records.at(-1)?.after, weights);
		const current = await sim.api.getVirtualService('bookinfo', 'reviews');
		assert.equal(current.metadata.resourceVersion, records.at(-1)?.resourceVersionAfter, 'no write after the last recorded one');
		assert.deepEqual(events.filter(event => event.event === 'step').map(event => event.step), [1, 2]);
	});
});
