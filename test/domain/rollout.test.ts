import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import type {MetricsSnapshot, VersionMetrics} from '../../source/domain/metrics.js';
import {
	createPlan, createRollout, nextAction, parseGate, planSteps, rolloutProgress, rolloutReducer, weightsAt,
	type RolloutState,
} from '../../source/domain/rollout.js';

const healthy: VersionMetrics = {rps: 10, successRate: 1, p50Ms: 5, p99Ms: 12};
const failing: VersionMetrics = {rps: 10, successRate: 0.8, p50Ms: 5, p99Ms: 12};

function snapshot(at: number, v3: VersionMetrics): MetricsSnapshot {
	return {at, window: '4s', byVersion: {v1: healthy, v3}};
}

function plan(onFail: 'pause' | 'rollback' = 'pause') {
	return createPlan({
		keys: ['v1', 'v2', 'v3'],
		weights: [100, 0, 0],
		target: 'v3',
		step: 25,
		intervalMs: 5000,
		gates: [parseGate('success>=99.5'), parseGate('min-rps=1')],
		onFail,
	});
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
		assert.deepEqual(nextAction(state, 200), {kind: 'wait', until: 5100});
		// Metrics before the deadline are shown but decide nothing.
		state = rolloutReducer(state, {type: 'metrics', now: 1000, snapshot: snapshot(1000, healthy)});
		assert.equal(state.goal, null);
		assert.equal(state.gates.every(result => result.pass), true);
		assert.deepEqual(nextAction(state, 5100), {kind: 'evaluate'});
		state = rolloutReducer(state, {type: 'metrics', now: 5100, snapshot: snapshot(5100, healthy)});
		assert.equal(nextAction(state, 5100).kind, 'apply');
		assert.deepEqual(rolloutProgress(state), {step: 1, stepCount: 4, targetWeight: 25});
		state = apply(state, 5200);
		assert.deepEqual(rolloutProgress(state), {step: 2, stepCount: 4, targetWeight: 50, nextAt: 10_200});
	});

	it('completes after the last step holds with passing gates', () => {
		let state = createRollout(plan(), 0);
		let now = 0;
		for (let step = 1; step <= 4; step++) {
			state = apply(state, now);
			now += 5000;
			state = rolloutReducer(state, {type: 'metrics', now, snapshot: snapshot(now, healthy)});
		}

		assert.equal(state.phase, 'completed');
		assert.deepEqual(nextAction(state, now), {kind: 'done', phase: 'completed'});
		assert.deepEqual(weightsAt(state.plan, state.position), [0, 0, 100]);
	});

	it('pauses on a failing gate, names it, and leaves the split', () => {
		let state = apply(createRollout(plan(), 0), 0);
		state = rolloutReducer(state, {type: 'metrics', now: 5000, snapshot: snapshot(5000, failing)});
		assert.equal(state.phase, 'paused');
		assert.equal(state.position, 1);
		assert.match(state.reason ?? '', /gate failed at 25%: success>=99\.5: 80\.0% < 99\.5/);
		assert.deepEqual(state.failedGates?.map(result => result.gate.text), ['success>=99.5']);
		assert.deepEqual(nextAction(state, 9999), {kind: 'wait', until: null});
		// Resume re-holds a full interval before judging again.
		state = rolloutReducer(state, {type: 'resume', now: 6000});
		assert.deepEqual(nextAction(state, 6000), {kind: 'wait', until: 11_000});
	});

	it('does not promote on silence', () => {
		let state = apply(createRollout(plan(), 0), 0);
		state = rolloutReducer(state, {type: 'metrics', now: 5000, snapshot: {at: 5000, window: '4s', byVersion: {v1: healthy}}});
		assert.equal(state.phase, 'paused');
		assert.match(state.reason ?? '', /insufficient data/);
		state = rolloutReducer(createRollout(plan(), 0), {type: 'metrics', now: 0, error: 'connection refused'});
		assert.equal(state.gates.every(result => !result.pass && /connection refused/.test(result.reason)), true);
	});

	it('rolls back to the start split on a failing gate in rollback mode', () => {
		let state = apply(createRollout(plan('rollback'), 0), 0);
		state = apply(rolloutReducer(state, {type: 'metrics', now: 5000, snapshot: snapshot(5000, healthy)}), 5000);
		state = rolloutReducer(state, {type: 'metrics', now: 10_000, snapshot: snapshot(10_000, failing)});
		assert.equal(state.phase, 'rolling-back');
		assert.deepEqual(nextAction(state, 10_000), {kind: 'apply', position: 0, weights: [100, 0, 0]});
		state = apply(state, 10_100);
		assert.equal(state.phase, 'rolled-back');
		assert.match(state.reason ?? '', /success>=99\.5/);
	});

	it('rolls back gradually down the same steps, one interval each', () => {
		let state = apply(createRollout(plan(), 0), 0);
		state = apply(rolloutReducer(state, {type: 'metrics', now: 5000, snapshot: snapshot(5000, healthy)}), 5000);
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
			state = rolloutReducer(state, {type: 'metrics', now: step * 5000, snapshot: snapshot(step * 5000, healthy)});
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
		assert.deepEqual(nextAction(state, 1000), {kind: 'wait', until: 5000});
		const decided = rolloutReducer(state, {type: 'metrics', now: 5000, snapshot: snapshot(5000, healthy)});
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
		state = rolloutReducer(state, {type: 'metrics', now: 6000, snapshot: snapshot(6000, healthy)});
		assert.equal(state.phase, 'paused');
		assert.equal(state.goal, null);
		state = rolloutReducer(state, {type: 'resume', now: 7000});
		assert.equal(state.phase, 'running');
		assert.deepEqual(nextAction(state, 7000), {kind: 'wait', until: 12_000});
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
