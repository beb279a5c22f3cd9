import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import fc from 'fast-check';
import {
	createPlan, createRollout, nextAction, parseGate, rolloutReducer, weightsAt,
	type RollbackMode, type RolloutPlan, type RolloutState, type VersionCounts,
} from '../../source/domain/rollout.js';

/** Conclusive either way at any look: 20,000 successful requests, or half of 1,000 failing. */
const good: VersionCounts = {requests: 20_000, successes: 20_000, p50Ms: 5, p99Ms: 10};
const bad: VersionCounts = {requests: 1000, successes: 500, p50Ms: 5, p99Ms: 10};

/** A start split of 2..4 versions (integers summing to 100) and a target index. */
const splitArbitrary = fc.integer({min: 2, max: 4}).chain(count =>
	fc.tuple(
		fc.array(fc.integer({min: 0, max: 100}), {minLength: count, maxLength: count}).filter(raw => raw.some(value => value > 0)),
		fc.integer({min: 0, max: count - 1}),
	));

const ladderArbitrary = fc.oneof(
	fc.record({step: fc.integer({min: 1, max: 100})}),
	fc.record({steps: fc.uniqueArray(fc.integer({min: 0, max: 100}), {minLength: 1, maxLength: 6}).map(values => values.sort((a, b) => a - b))}),
);

const planArbitrary = fc.tuple(splitArbitrary, ladderArbitrary, fc.constantFrom('pause' as const, 'rollback' as const)).map(([[raw, target], ladder, onFail]) => {
	const keys = raw.map((_, index) => `v${index + 1}`);
	return createPlan({keys, weights: raw, target: keys[target] ?? 'v1', ...ladder, intervalMs: 1000, gates: [parseGate('success>=99')], onFail});
});

/** What happens at each turn of the simulated driver. */
type Turn = 'good' | 'bad' | 'pause' | 'resume' | 'rollback-immediate' | 'rollback-gradual' | 'promote' | 'write-fails';

const turnArbitrary = fc.constantFrom<Turn>('good', 'good', 'good', 'bad', 'pause', 'resume', 'rollback-immediate', 'rollback-gradual', 'promote', 'write-fails');

interface Trace {
	/** Every write that succeeded, with the phase it was written in. */
	writes: {position: number; weights: number[]; phase: RolloutState['phase']}[];
	final: RolloutState;
}

/** Drives the reducer like RolloutDriver does: a fake clock, writes that succeed unless the turn says otherwise. */
function run(plan: RolloutPlan, turns: readonly Turn[]): Trace {
	let now = 0;
	let state = createRollout(plan, now);
	const writes: Trace['writes'] = [];
	for (const turn of turns) {
		const action = nextAction(state, now);
		if (action.kind === 'done') {
			break;
		}

		if (action.kind === 'apply') {
			if (turn === 'write-fails') {
				state = rolloutReducer(state, {type: 'failed', now, position: action.position, error: 'boom'});
			} else {
				writes.push({position: action.position, weights: action.weights, phase: state.phase});
				state = rolloutReducer(state, {type: 'applied', now, position: action.position});
			}

			continue;
		}

		if (action.kind === 'wait' && action.until !== null) {
			now = action.until;
			continue;
		}

		switch (turn) {
			case 'good':
			case 'bad': {
				state = rolloutReducer(state, {type: 'counts', now, counts: {at: now, rangeMs: 4000, byVersion: {[plan.keys[plan.target] ?? '']: turn === 'good' ? good : bad}}});
				break;
			}

			case 'pause':
			case 'resume':
			case 'promote': {
				state = rolloutReducer(state, {type: turn, now});
				break;
			}

			case 'rollback-immediate':
			case 'rollback-gradual': {
				state = rolloutReducer(state, {type: 'rollback', now, mode: turn.slice('rollback-'.length) as RollbackMode});
				break;
			}

			case 'write-fails': {
				state = rolloutReducer(state, {type: 'resume', now});
				break;
			}
		}
	}

	return {writes, final: state};
}

/** Runs the remaining plan to its end with healthy metrics and no interference. */
function finish(state: RolloutState, writes: Trace['writes']): RolloutState {
	let now = state.now;
	for (let guard = 0; guard < 1000; guard++) {
		const action = nextAction(state, now);
		if (action.kind === 'done') {
			return state;
		}

		if (action.kind === 'apply') {
			writes.push({position: action.position, weights: action.weights, phase: state.phase});
			state = rolloutReducer(state, {type: 'applied', now, position: action.position});
		} else if (action.kind === 'wait') {
			if (action.until === null) {
				state = rolloutReducer(state, {type: 'resume', now});
			} else {
				now = action.until;
			}
		} else {
			state = rolloutReducer(state, {type: 'counts', now, counts: {at: now, rangeMs: 4000, byVersion: {[state.plan.keys[state.plan.target] ?? '']: good}}});
		}
	}

	throw new Error('plan did not finish');
}

describe('rollout properties', () => {
	it('every split written is integral and sums to 100, and the ladder ends at the target', () => {
		fc.assert(fc.property(planArbitrary, fc.array(turnArbitrary, {maxLength: 40}), (plan, turns) => {
			const {writes} = run(plan, turns);
			for (const write of writes) {
				assert.equal(write.weights.reduce((sum, weight) => sum + weight, 0), 100);
				assert.ok(write.weights.every(weight => Number.isInteger(weight) && weight >= 0));
			}

			for (let position = 0; position <= plan.steps.length; position++) {
				assert.equal(weightsAt(plan, position).reduce((sum, weight) => sum + weight, 0), 100);
			}

			if (plan.steps.length > 0) {
				assert.equal(weightsAt(plan, plan.steps.length)[plan.target], plan.steps.at(-1));
			}
		}), {numRuns: 300});
	});

	it('the target weight only rises while the plan advances', () => {
		fc.assert(fc.property(planArbitrary, fc.array(fc.constantFrom<Turn>('good', 'good', 'pause', 'resume', 'promote', 'write-fails'), {maxLength: 40}), (plan, turns) => {
			const {writes} = run(plan, turns);
			const targetWeights = writes.map(write => write.weights[plan.target] ?? 0);
			for (let index = 1; index < targetWeights.length; index++) {
				assert.ok((targetWeights[index] ?? 0) > (targetWeights[index - 1] ?? 0), `not increasing: ${targetWeights.join(',')}`);
			}

			assert.ok((targetWeights[0] ?? 101) > (plan.start[plan.target] ?? 0) || targetWeights.length === 0);
		}), {numRuns: 300});
	});

	it('a plan left alone with healthy metrics ends at the target', () => {
		fc.assert(fc.property(planArbitrary, plan => {
			const writes: Trace['writes'] = [];
			const final = finish(createRollout(plan, 0), writes);
			assert.equal(final.phase, 'completed');
			assert.deepEqual(writes.map(write => write.position), plan.steps.map((_, index) => index + 1));
		}), {numRuns: 200});
	});

	it('a rollback, however it is reached, ends exactly at the start split', () => {
		fc.assert(fc.property(planArbitrary, fc.array(turnArbitrary, {maxLength: 40}), fc.constantFrom<RollbackMode>('immediate', 'gradual'), (plan, turns, mode) => {
			const trace = run(plan, turns);
			if (trace.final.phase === 'completed') {
				return;
			}

			const writes = [...trace.writes];
			const final = finish(rolloutReducer(trace.final, {type: 'rollback', now: trace.final.now, mode}), writes);
			assert.equal(final.phase, 'rolled-back');
			const last = writes.at(-1);
			if (last !== undefined) {
				assert.deepEqual(last.weights, [...plan.start]);
			}

			assert.equal(final.position, 0);
		}), {numRuns: 300});
	});

	it('a gradual rollback walks down the same steps in reverse', () => {
		fc.assert(fc.property(planArbitrary, fc.nat({max: 10}), (plan, healthySteps) => {
			const writes: Trace['writes'] = [];
			let state = createRollout(plan, 0);
			let now = 0;
			// Advance through a few healthy steps first.
			while (state.phase === 'running' && state.position < Math.min(healthySteps, plan.steps.length)) {
				const action = nextAction(state, now);
				if (action.kind === 'apply') {
					writes.push({position: action.position, weights: action.weights, phase: state.phase});
					state = rolloutReducer(state, {type: 'applied', now, position: action.position});
				} else if (action.kind === 'wait' && action.until !== null) {
					now = action.until;
				} else {
					state = rolloutReducer(state, {type: 'counts', now, counts: {at: now, rangeMs: 4000, byVersion: {[plan.keys[plan.target] ?? '']: good}}});
				}
			}

			if (state.phase !== 'running') {
				return;
			}

			const reached = state.position;
			const down: Trace['writes'] = [];
			finish(rolloutReducer(state, {type: 'rollback', now, mode: 'gradual'}), down);
			assert.deepEqual(down.map(write => write.position), Array.from({length: reached}, (_, index) => reached - 1 - index));
			assert.deepEqual(down.map(write => write.weights), down.map(write => weightsAt(plan, write.position)));
		}), {numRuns: 200});
	});
});
