import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {
	createPlan, createRollout, nextAction, parseGate, planSteps, rolloutProgress, rolloutReducer, weightsAt,
	type RolloutEvent, type RolloutState, type VersionCounts,
} from '../../source/domain/rollout.js';

/** Enough requests, all successful, for the lower bound to clear 99.5% whatever the correction for looks. */
const healthy: VersionCounts = {requests: 20_000, successes: 20_000, p50Ms: 5, p99Ms: 12};
const failing: VersionCounts = {requests: 1000, successes: 800, p50Ms: 5, p99Ms: 12};
/** 99.6% of 500 requests against success>=99.5: neither bound is on one side of the threshold. */
const doubtful: VersionCounts = {requests: 500, successes: 498, p50Ms: 5, p99Ms: 12};

/** A look at `now`; the counts say nothing about v1, which the gates do not judge. */
function snapshot(now: number, v3: VersionCounts): RolloutEvent {
	return {type: 'counts', now, counts: {at: now, rangeMs: 4000, byVersion: {v1: healthy, v3}}};
}

function planOptions(onFail: 'pause' | 'rollback' = 'pause') {
	return {
		keys: ['v1', 'v2', 'v3'],
		weights: [100, 0, 0],
		target: 'v3',
		step: 25,
		intervalMs: 5000,
		gates: [parseGate('success>=99.5'), parseGate('min-rps=1')],
		onFail,
	};
}

function plan(onFail: 'pause' | 'rollback' = 'pause') {
	return createPlan(planOptions(onFail));
}

/** Writes whatever the plan asks and returns the new state. */
function apply(state: RolloutState, now: number): RolloutState {
	const action = nextAction(state, now);
	assert.equal(action.kind, 'apply');
	assert.ok(action.kind === 'apply');
	return rolloutReducer(state, {type: 'applied', now, position: action.position});
}

describe('planSteps', () => {
	it('counts up by step and ends at the target', () => {
		assert.deepEqual(planSteps({from: 0, step: 25}), [25, 50, 75, 100]);
		assert.deepEqual(planSteps({from: 30, step: 25}), [55, 80, 100]);
		assert.deepEqual(planSteps({from: 0, step: 30, to: 50}), [30, 50]);
	});

	it('keeps explicit steps above the current weight and appends the target', () => {
		assert.deepEqual(planSteps({from: 0, steps: [5, 10, 25, 50, 100]}), [5, 10, 25, 50, 100]);
		assert.deepEqual(planSteps({from: 10, steps: [5, 10, 25, 50]}), [25, 50, 100]);
	});

	it('is empty when there is nothing to migrate', () => {
		assert.deepEqual(planSteps({from: 100, step: 10}), []);
	});

	it('rejects nonsense with a reason', () => {
		assert.throws(() => planSteps({from: 0, steps: [10, 5]}), /steps must increase/);
		assert.throws(() => planSteps({from: 0, step: 0}), /step must be an integer 1\.\.100/);
		assert.throws(() => planSteps({from: 0, steps: [150]}), /0\.\.100/);
	});
});

describe('createPlan', () => {
	it('names the known versions when the target is unknown', () => {
		assert.throws(() => createPlan({keys: ['v1', 'v2'], weights: [50, 50], target: 'v9', intervalMs: 1000}), /unknown version "v9"; known: v1, v2/);
	});

	it('scales the other versions in proportion to the start split', () => {
		const threeWay = createPlan({keys: ['v1', 'v2', 'v3'], weights: [60, 20, 20], target: 'v3', steps: [60], intervalMs: 1000});
		assert.deepEqual(threeWay.start, [60, 20, 20]);
		assert.deepEqual(weightsAt(threeWay, 1), [30, 10, 60]);
		assert.deepEqual(weightsAt(threeWay, 2), [0, 0, 100]);
		assert.deepEqual(weightsAt(threeWay, 0), [60, 20, 20]);
	});
});

describe('rolloutReducer', () => {
	it('writes the first step at once, then advances only after a hold with passing gates', () => {
		let state = createRollout(plan(), 0);
		assert.deepEqual(nextAction(state, 0), {kind: 'apply', position: 1, weights: [75, 0, 25]});
		state = apply(state, 100);
		// The first look comes after the settle time (one scrape) and two scrapes of the step's own traffic.
		assert.deepEqual(nextAction(state, 200), {kind: 'wait', until: 3100});
		assert.deepEqual(nextAction(state, 3100), {kind: 'evaluate', rangeMs: 2000});
		// A passing look before the hold's end is shown but does not advance: the hold is the least time a step soaks.
		state = rolloutReducer(state, snapshot(3100, healthy));
		assert.equal(state.goal, null);
		assert.equal(state.gates.every(result => result.pass), true);
		assert.deepEqual(nextAction(state, 3200), {kind: 'wait', until: 4100});
		state = rolloutReducer(state, snapshot(4100, healthy));
		assert.deepEqual(nextAction(state, 4100), {kind: 'wait', until: 5100});
		assert.deepEqual(nextAction(state, 5100), {kind: 'evaluate', rangeMs: 4000});
		state = rolloutReducer(state, snapshot(5100, healthy));
		assert.equal(nextAction(state, 5100).kind, 'apply');
		assert.deepEqual(rolloutProgress(state), {step: 1, stepCount: 4, targetWeight: 25});
		state = apply(state, 5200);
		assert.deepEqual(rolloutProgress(state), {step: 2, stepCount: 4, targetWeight: 50, nextAt: 10_200, maxWaitAt: 30_200});
	});

	it('completes after the last step holds with passing gates', () => {
		let state = createRollout(plan(), 0);
		let now = 0;
		for (let step = 1; step <= 4; step++) {
			state = apply(state, now);
			now += 5000;
			state = rolloutReducer(state, snapshot(now, healthy));
		}

		assert.equal(state.phase, 'completed');
		assert.deepEqual(nextAction(state, now), {kind: 'done', phase: 'completed'});
		assert.deepEqual(weightsAt(state.plan, state.position), [0, 0, 100]);
	});

	it('pauses on a failing gate as soon as the evidence says so, names it with its evidence, and leaves the split', () => {
		let state = apply(createRollout(plan(), 0), 0);
		// A failure needs no hold: 800 of 1,000 is far below 99.5% at the first look.
		state = rolloutReducer(state, snapshot(3000, failing));
		assert.equal(state.phase, 'paused');
		assert.equal(state.position, 1);
		assert.match(state.reason ?? '', /gate failed at 25%: success>=99\.5: 80\.0% \(n=1,000, 95% 7\d\.\d–8\d\.\d%\) < 99\.5 ✗/);
		assert.deepEqual(state.failedGates?.map(result => result.gate.text), ['success>=99.5']);
		assert.deepEqual(nextAction(state, 9999), {kind: 'wait', until: null});
		// Resume re-holds a full interval before passing again, and judges only traffic after the resume.
		state = rolloutReducer(state, {type: 'resume', now: 6000});
		assert.deepEqual(nextAction(state, 6000), {kind: 'wait', until: 9000});
		state = rolloutReducer(state, snapshot(9000, healthy));
		assert.deepEqual(nextAction(state, 9000), {kind: 'wait', until: 10_000});
		assert.deepEqual(nextAction(state, 11_000), {kind: 'evaluate', rangeMs: 4000});
	});

	it('does not promote on silence: no requests is inconclusive, and at the maximum wait the step pauses', () => {
		let state = apply(createRollout(plan(), 0), 0);
		const silent: RolloutEvent = {type: 'counts', now: 5000, counts: {at: 5000, rangeMs: 4000, byVersion: {v1: healthy}}};
		state = rolloutReducer(state, silent);
		assert.equal(state.phase, 'running');
		assert.equal(state.goal, null);
		assert.deepEqual(state.gates.map(result => result.outcome), ['inconclusive', 'inconclusive']);
		assert.match(state.gates[0]?.reason ?? '', /inconclusive: no requests yet/);
		// At the maximum wait a volume gate knows enough: the traffic never came.
		const volume = rolloutReducer(state, {...silent, now: 25_000});
		assert.equal(volume.phase, 'paused');
		assert.match(volume.reason ?? '', /^gate failed at 25%: min-rps=1: 0\.0 \(n=0 in 4 s\) < 1 ✗$/);
		// Without one, silence is doubt: the step pauses as inconclusive, it never passes.
		let quiet = apply(createRollout(createPlan({...planOptions(), gates: [parseGate('success>=99.5')]}), 0), 0);
		quiet = rolloutReducer(quiet, {...silent, now: 25_000});
		assert.equal(quiet.phase, 'paused');
		assert.match(quiet.reason ?? '', /^inconclusive at 25% after 25 s: success>=99\.5: - \(n=0\) ≥ 99\.5 \? inconclusive: no requests yet$/);
		const unreachable = rolloutReducer(apply(createRollout(plan(), 0), 0), {type: 'counts', now: 5000, error: 'connection refused'});
		assert.equal(unreachable.gates.every(result => result.outcome === 'inconclusive' && /metrics unavailable: connection refused/.test(result.reason)), true);
		assert.equal(unreachable.phase, 'running', 'an outage is no evidence either way');
	});

	it('an inconclusive step holds past the hold, then applies --on-inconclusive at the maximum wait', () => {
		for (const [onInconclusive, phase] of [['pause', 'paused'], ['rollback', 'rolling-back'], ['proceed', 'running']] as const) {
			let state = apply(createRollout(createPlan({...planOptions(), policy: {onInconclusive}}), 0), 0);
			state = rolloutReducer(state, snapshot(5000, doubtful));
			assert.equal(state.phase, 'running');
			assert.equal(state.goal, null, 'doubt does not advance');
			assert.match(state.gates[0]?.reason ?? '', /^99\.6% \(n=500, 95% 9\d\.\d+–100\.0%\) ≥ 99\.5 \? inconclusive: n=500, need ~[\d,]+ at this rate \(≈[\d.]+ (s|min|h)\)$/);
			assert.deepEqual(nextAction(state, 5000), {kind: 'wait', until: 6000});
			state = rolloutReducer(state, snapshot(25_000, doubtful));
			assert.equal(state.phase, phase, onInconclusive);
			if (onInconclusive === 'proceed') {
				assert.equal(state.goal, 2);
				assert.match(state.reason ?? '', /proceeded on inconclusive evidence at 25%/);
			} else {
				assert.match(state.reason ?? '', /^inconclusive at 25% after 25 s: success>=99\.5: 99\.6% \(n=500/);
			}
		}
	});

	it('--failure-limit asks for that many consecutive failing looks; a passing look in between resets the count', () => {
		let state = apply(createRollout(createPlan({...planOptions(), policy: {failureLimit: 2}}), 0), 0);
		state = rolloutReducer(state, snapshot(3000, failing));
		assert.equal(state.phase, 'running');
		assert.equal(state.failedLooks, 1);
		state = rolloutReducer(state, snapshot(4000, doubtful));
		assert.equal(state.failedLooks, 0);
		state = rolloutReducer(state, snapshot(5000, failing));
		assert.equal(state.phase, 'running');
		state = rolloutReducer(state, snapshot(6000, failing));
		assert.equal(state.phase, 'paused');
		assert.match(state.reason ?? '', /gate failed at 25%/);
	});

	it('rolls back to the start split on a failing gate in rollback mode', () => {
		let state = apply(createRollout(plan('rollback'), 0), 0);
		state = apply(rolloutReducer(state, snapshot(5000, healthy)), 5000);
		state = rolloutReducer(state, snapshot(10_000, failing));
		assert.equal(state.phase, 'rolling-back');
		assert.deepEqual(nextAction(state, 10_000), {kind: 'apply', position: 0, weights: [100, 0, 0]});
		state = apply(state, 10_100);
		assert.equal(state.phase, 'rolled-back');
		assert.match(state.reason ?? '', /success>=99\.5/);
	});

	it('rolls back gradually down the same steps, one interval each', () => {
		let state = apply(createRollout(plan(), 0), 0);
		state = apply(rolloutReducer(state, snapshot(5000, healthy)), 5000);
		state = rolloutReducer(state, {type: 'rollback', now: 6000, mode: 'gradual'});
		assert.deepEqual(nextAction(state, 6000), {kind: 'apply', position: 1, weights: [75, 0, 25]});
		state = apply(state, 6000);
		assert.deepEqual(nextAction(state, 7000), {kind: 'wait', until: 11_000});
		assert.deepEqual(nextAction(state, 11_000), {kind: 'apply', position: 0, weights: [100, 0, 0]});
		state = apply(state, 11_000);
		assert.equal(state.phase, 'rolled-back');
	});

	it('promotes to the target at once', () => {
		let state = apply(createRollout(plan(), 0), 0);
		state = rolloutReducer(state, {type: 'pause', now: 100});
		state = rolloutReducer(state, {type: 'promote', now: 200});
		assert.deepEqual(nextAction(state, 200), {kind: 'apply', position: 4, weights: [0, 0, 100]});
		state = apply(state, 300);
		assert.equal(state.phase, 'completed');
	});

	it('promoting at the final step completes the plan without another write', () => {
		let state = apply(createRollout(plan(), 0), 0);
		for (let step = 1; step < 4; step++) {
			state = rolloutReducer(state, snapshot(step * 5000, healthy));
			state = apply(state, step * 5000);
		}

		assert.equal(state.position, 4);
		state = rolloutReducer(state, {type: 'pause', now: 21_000});
		state = rolloutReducer(state, {type: 'promote', now: 22_000});
		assert.equal(state.phase, 'completed');
		assert.deepEqual(nextAction(state, 22_000), {kind: 'done', phase: 'completed'});
	});

	it('a goal that is already reached holds and decides like no goal (no endless measuring)', () => {
		const written = apply(createRollout(plan(), 0), 0);
		const state: RolloutState = {...written, goal: written.position};
		assert.deepEqual(nextAction(state, 1000), {kind: 'wait', until: 3000});
		const decided = rolloutReducer(state, snapshot(5000, healthy));
		assert.equal(decided.goal, 2);
	});

	it('pauses on a failed write and retries it on resume', () => {
		let state = createRollout(plan(), 0);
		state = rolloutReducer(state, {type: 'failed', now: 10, position: 1, error: 'conflict'});
		assert.equal(state.phase, 'paused');
		assert.equal(state.reason, 'write failed: conflict');
		state = rolloutReducer(state, {type: 'resume', now: 20});
		assert.deepEqual(nextAction(state, 20), {kind: 'apply', position: 1, weights: [75, 0, 25]});
	});

	it('user pause holds, resume continues', () => {
		let state = apply(createRollout(plan(), 0), 0);
		state = rolloutReducer(state, {type: 'pause', now: 1000});
		state = rolloutReducer(state, snapshot(6000, healthy));
		assert.equal(state.phase, 'paused');
		assert.equal(state.goal, null);
		state = rolloutReducer(state, {type: 'resume', now: 7000});
		assert.equal(state.phase, 'running');
		// The step's evidence starts over with the resumed hold: first look after settle + two scrapes.
		assert.deepEqual(nextAction(state, 7000), {kind: 'wait', until: 10_000});
	});

	it('a plan with nothing to do is complete at once', () => {
		const done = createRollout(createPlan({keys: ['v1', 'v3'], weights: [0, 100], target: 'v3', step: 10, intervalMs: 1000}), 0);
		assert.equal(done.phase, 'completed');
		assert.deepEqual(nextAction(done, 0), {kind: 'done', phase: 'completed'});
	});

	it('a rollback before any write is immediately done', () => {
		const state = rolloutReducer({...createRollout(plan(), 0), goal: null}, {type: 'rollback', now: 0, mode: 'gradual'});
		assert.equal(state.phase, 'rolled-back');
	});
});

describe('rolloutReducer and writes in flight', () => {
	it('a step written after an early rollback is undone again', () => {
		let state = createRollout(plan(), 0);
		// The driver is writing step 1 when the user rolls back.
		state = rolloutReducer(state, {type: 'rollback', now: 1, mode: 'immediate'});
		assert.equal(state.phase, 'rolled-back');
		state = rolloutReducer(state, {type: 'applied', now: 2, position: 1});
		assert.equal(state.phase, 'rolling-back');
		assert.deepEqual(nextAction(state, 2), {kind: 'apply', position: 0, weights: [100, 0, 0]});
		state = apply(state, 3);
		assert.equal(state.phase, 'rolled-back');
	});
});
