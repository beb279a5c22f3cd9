/**
 * A progressive migration plan as a pure state machine: time, metrics and write results are inputs,
 * and `nextAction` tells whoever drives it (the shift command, the console) what to do next.
 * No I/O and no timers here, so every decision can be replayed in a test.
 */
import {judgeGates, unknownResults, type GateResult} from './gate-evidence.js';
import {lookSchedule, nextLookMs, perLookAlpha} from './gate-policy.js';
import {weightsAt, type RollbackMode, type RolloutPlan} from './rollout-plan.js';
import {combineCounts, type StepCounts} from './step-counts.js';

export {parseGate} from './rollout-gates.js';
export {formatGateResult, judgeGates} from './gate-evidence.js';
export type {GateEvidence, GateLook, GateOutcome, GateResult} from './gate-evidence.js';
export type {BaselineThreshold, Gate, GateComparator, GateMetric} from './rollout-gates.js';
export {gatePolicy, lookSchedule, parseConfidence, perLookAlpha} from './gate-policy.js';
export type {GatePolicy, GatePolicyOptions, LookSchedule, OnInconclusive} from './gate-policy.js';
export {createPlan, parseStepList, planSteps, weightsAt} from './rollout-plan.js';
export type {CreatePlanOptions, OnFail, PlanStepsOptions, RollbackMode, RolloutPlan} from './rollout-plan.js';
export type {StepCounts, VersionCounts} from './step-counts.js';

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
	/** Latest counts the gates judged, for display. */
	counts?: StepCounts;
	/** Latest gate verdicts on the target version, with their evidence. */
	gates: GateResult[];
	/** Looks taken at the current step's traffic (each spends part of the step's error budget). */
	looks: number;
	/** When the last look was taken (epoch ms); undefined before the step's first look. */
	lastLookAt?: number;
	/** Consecutive looks with a failing gate (against the policy's failure limit). */
	failedLooks: number;
	/** Verdicts that stopped the plan (pause or rollback on a failure, or on evidence still inconclusive at the maximum wait). */
	failedGates?: GateResult[];
	/** Why the plan paused, rolls back or ended, in words for the user. */
	reason?: string;
	/** Last write error, kept until a write succeeds. */
	error?: string;
}

/** Things that happen to a plan. */
export type RolloutEvent =
	| {type: 'tick'; now: number}
	| {type: 'counts'; now: number; counts?: StepCounts; error?: string}
	| {type: 'pause'; now: number}
	| {type: 'resume'; now: number}
	| {type: 'rollback'; now: number; mode: RollbackMode}
	| {type: 'promote'; now: number}
	| {type: 'applied'; now: number; position: number}
	| {type: 'failed'; now: number; position: number; error: string};

/** What the driver should do now. */
export type RolloutAction =
	| {kind: 'apply'; position: number; weights: number[]}
	| {kind: 'evaluate'; rangeMs: number}
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
		looks: 0,
		failedLooks: 0,
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

/** The window a look at `now` judges: from the write plus the settle time to now (0 before the settle time is over). */
export function evidenceWindowMs(state: RolloutState, now: number): number {
	return Math.max(0, now - state.since - state.plan.policy.settleMs);
}

/** When the running step takes its next look (epoch ms); without gates, the hold's end is the only moment that matters. */
export function nextLookAt(state: RolloutState): number {
	if (state.plan.gates.length === 0) {
		return state.since + state.plan.intervalMs;
	}

	const schedule = lookSchedule(state.plan.policy, state.plan.intervalMs);
	return state.since + nextLookMs(schedule, state.lastLookAt === undefined ? undefined : state.lastLookAt - state.since);
}

/** The target's and the baseline's names and counts at the current position. */
function lookAt(state: RolloutState, counts: StepCounts | undefined, now: number, final: boolean) {
	const {plan} = state;
	const schedule = lookSchedule(plan.policy, plan.intervalMs);
	const weights = weightsAt(plan, state.position);
	return {
		target: counts?.byVersion[targetKey(plan)],
		baseline: plan.baseline.length === 0 ? undefined : combineCounts(plan.baseline.map(index => counts?.byVersion[plan.keys[index] ?? ''])),
		baselineLabel: plan.baseline.map(index => plan.keys[index] ?? '?').join('+'),
		baselineActive: plan.baseline.some(index => (weights[index] ?? 0) > 0),
		windowMs: counts?.rangeMs ?? evidenceWindowMs(state, now),
		alpha: perLookAlpha(plan.policy, schedule),
		confidence: plan.policy.confidence,
		minRequests: plan.policy.minRequests,
		final,
	};
}

/** The step passed: on to the next one, or done after the last. */
function advance(state: RolloutState, note?: string): RolloutState {
	if (state.position >= lastPosition(state)) {
		const reason = `${targetKey(state.plan)} reached ${state.plan.steps.at(-1) ?? 100}% ${note ?? 'with every gate passing'}`;
		return {...state, phase: 'completed', reason};
	}

	return {...state, goal: state.position + 1};
}

function stop(state: RolloutState, how: 'pause' | 'rollback', failed: GateResult[], reason: string): RolloutState {
	if (how === 'rollback') {
		return {...state, phase: 'rolling-back', rollbackMode: 'immediate', goal: 0, failedGates: failed, reason};
	}

	return {...state, phase: 'paused', resumeTo: 'running', failedGates: failed, reason};
}

function onCounts(state: RolloutState, event: Extract<RolloutEvent, {type: 'counts'}>): RolloutState {
	const deadline = holdDeadline(state);
	if (state.phase !== 'running' || deadline === undefined || state.position === 0) {
		return {...state, now: event.now};
	}

	const {plan} = state;
	const final = event.now >= state.since + Math.max(plan.policy.maxWaitMs, plan.intervalMs);
	const look = lookAt(state, event.counts, event.now, final);
	const gates = event.error === undefined ? judgeGates(plan.gates, look) : unknownResults(plan.gates, event.error, look);
	const failing = gates.filter(result => result.outcome === 'fail');
	const failedLooks = failing.length > 0 ? state.failedLooks + 1 : 0;
	const next: RolloutState = {
		...state, now: event.now, gates, looks: state.looks + 1, lastLookAt: event.now, failedLooks,
		...(event.counts === undefined ? {} : {counts: event.counts}),
	};
	const at = `${plan.steps[state.position - 1] ?? 0}%`;
	// A failure stops the step at once (no need to wait out the hold: the evidence is enough); the failure limit
	// asks for that many consecutive failing looks, except on the last look, after which there is no other.
	if (failing.length > 0 && (failedLooks >= plan.policy.failureLimit || final)) {
		return stop(next, plan.onFail, failing, `gate failed at ${at}: ${describeFailure(failing)}`);
	}

	const undecided = gates.filter(result => result.outcome !== 'pass' && result.outcome !== 'skipped');
	if (undecided.length === 0) {
		return event.now >= deadline ? advance(next) : next;
	}

	if (!final) {
		return next;
	}

	const waited = Math.round((event.now - state.since) / 1000);
	const reason = `inconclusive at ${at} after ${waited} s: ${describeFailure(undecided)}`;
	if (plan.policy.onInconclusive === 'proceed') {
		// Proceeding on doubt is the user's choice; proceeding on silence is not: no requests means nothing was tried.
		const target = look.target?.requests ?? 0;
		if (event.error !== undefined || target < 0.5) {
			return stop(next, 'pause', undecided, `${reason} (no requests reached ${targetKey(plan)}: not proceeding on silence)`);
		}

		return advance({...next, reason: `proceeded on inconclusive evidence at ${at}: ${describeFailure(undecided)}`}, 'proceeding on inconclusive evidence');
	}

	return stop(next, plan.policy.onInconclusive, undecided, reason);
}

function onApplied(state: RolloutState, event: Extract<RolloutEvent, {type: 'applied'}>): RolloutState {
	const next: RolloutState = {...state, now: event.now, position: event.position, since: event.now, looks: 0, failedLooks: 0};
	delete next.error;
	delete next.lastLookAt;
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

		case 'counts': {
			return onCounts(state, event);
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

			// The hold and the evidence start over: the looks already taken spent the old window's error budget.
			const next: RolloutState = {...state, now: event.now, phase: state.resumeTo, since: event.now, looks: 0, failedLooks: 0};
			delete next.reason;
			delete next.failedGates;
			delete next.lastLookAt;
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

	if (state.phase === 'rolling-back') {
		const deadline = state.since + state.plan.intervalMs;
		if (now < deadline) {
			return {kind: 'wait', until: deadline};
		}

		const position = Math.max(0, state.position - 1);
		return {kind: 'apply', position, weights: weightsAt(state.plan, position)};
	}

	const look = nextLookAt(state);
	if (now < look) {
		return {kind: 'wait', until: look};
	}

	return {kind: 'evaluate', rangeMs: evidenceWindowMs(state, now)};
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
	/** Latest moment the step may still wait for evidence (epoch ms), when one is running. */
	maxWaitAt?: number;
}

/** Summarizes the state for display. */
export function rolloutProgress(state: RolloutState): RolloutProgress {
	const deadline = holdDeadline(state);
	return {
		step: state.position,
		stepCount: state.plan.steps.length,
		targetWeight: weightsAt(state.plan, state.position)[state.plan.target] ?? 0,
		...(deadline === undefined ? {} : {nextAt: deadline}),
		...(deadline === undefined || state.phase !== 'running' || state.plan.gates.length === 0 ? {} : {maxWaitAt: state.since + Math.max(state.plan.policy.maxWaitMs, state.plan.intervalMs)}),
	};
}
