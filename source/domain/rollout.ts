/**
 * A progressive migration plan as a pure state machine: time, metrics and write results are inputs,
 * and `nextAction` tells whoever drives it (the shift command, the console) what to do next.
 * No I/O and no timers here, so every decision can be replayed in a test.
 */
import type {MetricsSnapshot} from './metrics.js';
import {evaluateGates, type GateResult} from './rollout-gates.js';
import {weightsAt, type RollbackMode, type RolloutPlan} from './rollout-plan.js';

export {evaluateGates, formatGateResult, formatGateValue, parseGate} from './rollout-gates.js';
export type {Gate, GateComparator, GateMetric, GateResult} from './rollout-gates.js';
export {createPlan, parseStepList, planSteps, weightsAt} from './rollout-plan.js';
export type {CreatePlanOptions, OnFail, PlanStepsOptions, RollbackMode, RolloutPlan} from './rollout-plan.js';

/** Where a plan is in its life; 'completed' and 'rolled-back' are final. */
export type RolloutPhase = 'running' | 'paused' | 'rolling-back' | 'completed' | 'rolled-back';

/** The full state of one plan. */
export interface RolloutState {
	/** The plan being run. */
	plan: RolloutPlan;
	/** Current phase. */
	phase: RolloutPhase;
	/** Phase to return to on resume (only meaningful while paused). */
	resumeTo: 'running' | 'rolling-back';
	/** Ladder position known to be written: 0 = start split, i = step i. */
	position: number;
	/** Position a write should reach next; null while holding. */
	goal: number | null;
	/** When the current position was reached (or the hold restarted by resume): the interval counts from here. */
	since: number;
	/** Time of the latest event, so a view can show a countdown from the state alone. */
	now: number;
	/** How a rollback in progress travels. */
	rollbackMode: RollbackMode;
	/** True after `promote`: the final step completes the plan without another hold. */
	promoted: boolean;
	/** Latest metrics received, for display. */
	metrics?: MetricsSnapshot;
	/** Latest gate verdicts on the target version, for display. */
	gates: GateResult[];
	/** Verdicts that stopped the plan (pause or rollback on failure). */
	failedGates?: GateResult[];
	/** Why the plan paused, rolls back or ended, in words for the user. */
	reason?: string;
	/** Last write error, kept until a write succeeds. */
	error?: string;
}

/** Things that happen to a plan. */
export type RolloutEvent =
	| {type: 'tick'; now: number}
	| {type: 'metrics'; now: number; snapshot?: MetricsSnapshot; error?: string}
	| {type: 'pause'; now: number}
	| {type: 'resume'; now: number}
	| {type: 'rollback'; now: number; mode: RollbackMode}
	| {type: 'promote'; now: number}
	| {type: 'applied'; now: number; position: number}
	| {type: 'failed'; now: number; position: number; error: string};

/** What the driver should do now. */
export type RolloutAction =
	| {kind: 'apply'; position: number; weights: number[]}
	| {kind: 'evaluate'}
	| {kind: 'wait'; until: number | null}
	| {kind: 'done'; phase: 'completed' | 'rolled-back'};

/** The state of a plan that starts at `now`: the first step is written right away, since the start split has no canary traffic to judge. */
export function createRollout(plan: RolloutPlan, now: number): RolloutState {
	const nothingToDo = plan.steps.length === 0;
	return {
		plan,
		phase: nothingToDo ? 'completed' : 'running',
		resumeTo: 'running',
		position: 0,
		goal: nothingToDo ? null : 1,
		since: now,
		now,
		rollbackMode: 'immediate',
		promoted: false,
		gates: [],
		...(nothingToDo ? {reason: `${plan.keys[plan.target] ?? 'target'} already has ${plan.start[plan.target] ?? 0}%`} : {}),
	};
}

function isFinal(phase: RolloutPhase): boolean {
	return phase === 'completed' || phase === 'rolled-back';
}

function lastPosition(state: RolloutState): number {
	return state.plan.steps.length;
}

function targetKey(plan: RolloutPlan): string {
	return plan.keys[plan.target] ?? '';
}

function judge(state: RolloutState, snapshot: MetricsSnapshot | undefined, error: string | undefined): GateResult[] {
	const results = evaluateGates(state.plan.gates, snapshot?.byVersion[targetKey(state.plan)]);
	if (error === undefined) {
		return results;
	}

	return results.map(result => ({...result, pass: false, value: null, reason: `insufficient data (metrics unavailable: ${error})`}));
}

function describeFailure(failed: readonly GateResult[]): string {
	return failed.map(result => `${result.gate.text}: ${result.reason}`).join('; ');
}

/** Deadline of the current hold, or undefined when nothing is timed (paused, writing, final). */
export function holdDeadline(state: RolloutState): number | undefined {
	// A goal already reached is no write in flight: the hold runs (otherwise the driver would measure forever).
	const writing = state.goal !== null && state.goal !== state.position;
	if (writing || isFinal(state.phase) || state.phase === 'paused') {
		return undefined;
	}

	return state.since + state.plan.intervalMs;
}

function onMetrics(state: RolloutState, event: Extract<RolloutEvent, {type: 'metrics'}>): RolloutState {
	const gates = judge(state, event.snapshot, event.error);
	const next: RolloutState = {...state, now: event.now, gates, ...(event.snapshot ? {metrics: event.snapshot} : {})};
	const deadline = holdDeadline(state);
	if (state.phase !== 'running' || deadline === undefined || event.now < deadline || state.position === 0) {
		return next;
	}

	const failed = gates.filter(result => !result.pass);
	if (failed.length === 0) {
		if (state.position >= lastPosition(state)) {
			return {...next, phase: 'completed', reason: `${targetKey(state.plan)} reached ${state.plan.steps.at(-1) ?? 100}% with every gate passing`};
		}

		return {...next, goal: state.position + 1};
	}

	const reason = `gate failed at ${state.plan.steps[state.position - 1] ?? 0}%: ${describeFailure(failed)}`;
	if (state.plan.onFail === 'rollback') {
		return {...next, phase: 'rolling-back', rollbackMode: 'immediate', goal: 0, failedGates: failed, reason};
	}

	return {...next, phase: 'paused', resumeTo: 'running', failedGates: failed, reason};
}

function onApplied(state: RolloutState, event: Extract<RolloutEvent, {type: 'applied'}>): RolloutState {
	const next: RolloutState = {...state, now: event.now, position: event.position, since: event.now};
	delete next.error;
	if (next.goal === event.position) {
		next.goal = null;
	}

	if (state.phase === 'rolling-back' && event.position === 0) {
		return {...next, phase: 'rolled-back', goal: null, reason: state.reason ?? 'rolled back to the start split'};
	}

	if (state.phase === 'running' && state.promoted && event.position >= lastPosition(state)) {
		return {...next, phase: 'completed', goal: null, reason: `${targetKey(state.plan)} promoted to ${state.plan.steps.at(-1) ?? 100}%`};
	}

	return next;
}

/** Applies one event; final states ignore everything but the outcome of a write already in flight. */
export function rolloutReducer(state: RolloutState, event: RolloutEvent): RolloutState {
	if (isFinal(state.phase)) {
		if (event.type === 'applied' && state.phase === 'rolled-back' && event.position !== 0) {
			// A write that was in flight when the rollback was decided moved away from the start split: go back again.
			return {...state, now: event.now, position: event.position, since: event.now, phase: 'rolling-back', rollbackMode: 'immediate', goal: 0};
		}

		return event.type === 'applied' ? {...state, position: event.position, now: event.now} : {...state, now: event.now};
	}

	switch (event.type) {
		case 'tick': {
			return {...state, now: event.now};
		}

		case 'metrics': {
			return onMetrics(state, event);
		}

		case 'pause': {
			if (state.phase === 'paused') {
				return {...state, now: event.now};
			}

			return {...state, now: event.now, phase: 'paused', resumeTo: state.phase === 'rolling-back' ? 'rolling-back' : 'running', reason: 'paused by the user'};
		}

		case 'resume': {
			if (state.phase !== 'paused') {
				return {...state, now: event.now};
			}

			const next: RolloutState = {...state, now: event.now, phase: state.resumeTo, since: event.now};
			delete next.reason;
			delete next.failedGates;
			// At the start split there is nothing to judge: go straight to the first step again.
			if (next.phase === 'running' && next.goal === null && next.position === 0) {
				next.goal = 1;
			}

			return next;
		}

		case 'rollback': {
			const reason = state.reason !== undefined && state.failedGates ? state.reason : `rollback requested (${event.mode})`;
			if (state.position === 0) {
				return {...state, now: event.now, phase: 'rolled-back', reason};
			}

			const goal = event.mode === 'immediate' ? 0 : Math.max(0, state.position - 1);
			return {...state, now: event.now, phase: 'rolling-back', rollbackMode: event.mode, goal, reason};
		}

		case 'promote': {
			if (state.position >= lastPosition(state) && state.goal === null) {
				// Already at the final split: nothing left to write, promoting ends the plan.
				const done: RolloutState = {...state, now: event.now, phase: 'completed', promoted: true, reason: `${targetKey(state.plan)} promoted at ${state.plan.steps.at(-1) ?? 100}%`};
				delete done.failedGates;
				return done;
			}

			const next: RolloutState = {...state, now: event.now, phase: 'running', promoted: true, goal: lastPosition(state), reason: 'promoted by the user'};
			delete next.failedGates;
			return next;
		}

		case 'applied': {
			return onApplied(state, event);
		}

		case 'failed': {
			return {
				...state,
				now: event.now,
				phase: 'paused',
				resumeTo: state.phase === 'rolling-back' ? 'rolling-back' : 'running',
				error: event.error,
				reason: `write failed: ${event.error}`,
			};
		}
	}
}

/**
 * What the driver should do at `now`. A write is requested when a goal is set, or when a gradual rollback's hold is over;
 * an evaluation when a running step's hold is over; otherwise wait (until a time, or for the user when null).
 */
export function nextAction(state: RolloutState, now: number): RolloutAction {
	if (state.phase === 'completed' || state.phase === 'rolled-back') {
		return {kind: 'done', phase: state.phase};
	}

	if (state.phase === 'paused') {
		return {kind: 'wait', until: null};
	}

	if (state.goal !== null && state.goal !== state.position) {
		return {kind: 'apply', position: state.goal, weights: weightsAt(state.plan, state.goal)};
	}

	if (state.phase === 'running' && state.position === 0) {
		// Nothing to judge at the start split (no canary traffic): the first step is always the next write.
		return {kind: 'apply', position: 1, weights: weightsAt(state.plan, 1)};
	}

	const deadline = state.since + state.plan.intervalMs;
	if (now < deadline) {
		return {kind: 'wait', until: deadline};
	}

	if (state.phase === 'rolling-back') {
		const position = Math.max(0, state.position - 1);
		return {kind: 'apply', position, weights: weightsAt(state.plan, position)};
	}

	return {kind: 'evaluate'};
}

/** Progress for a bar and a countdown: which step of how many, the target's weight now, and when the hold ends. */
export interface RolloutProgress {
	/** Steps written so far (ladder position). */
	step: number;
	/** Steps in the plan. */
	stepCount: number;
	/** Target version's weight at the current position. */
	targetWeight: number;
	/** End of the current hold (epoch ms), when one is running. */
	nextAt?: number;
}

/** Summarizes the state for display. */
export function rolloutProgress(state: RolloutState): RolloutProgress {
	const deadline = holdDeadline(state);
	return {
		step: state.position,
		stepCount: state.plan.steps.length,
		targetWeight: weightsAt(state.plan, state.position)[state.plan.target] ?? 0,
		...(deadline === undefined ? {} : {nextAt: deadline}),
	};
}
