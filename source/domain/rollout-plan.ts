/**
 * The fixed part of a progressive migration: the ladder of target weights, the plan the user chose,
 * and the split at each rung. Pure; the moving part is the state machine in rollout.ts.
 */
import {gatePolicy, type GatePolicy, type GatePolicyOptions} from './gate-policy.js';
import type {Gate} from './rollout-gates.js';
import {normalizeWeights, shiftWeights} from './weights.js';

/** Input of {@link planSteps}. */
export interface PlanStepsOptions {
	/** Current weight of the target version; steps at or below it are already done. */
	from: number;
	/** Final weight of the target version (default 100). */
	to?: number;
	/** Equal increments, e.g. 25 → 25, 50, 75, 100 from 0. Ignored when `steps` is given. */
	step?: number;
	/** Explicit weights, e.g. 5,10,25,50,100; must increase. */
	steps?: readonly number[];
}

function isWeight(value: number): boolean {
	return Number.isInteger(value) && value >= 0 && value <= 100;
}

/**
 * The increasing weights the target version passes through, ending exactly at `to`.
 * Explicit steps keep the user's ladder (only those above `from` remain, and `to` is appended if missing);
 * a step size counts up from `from` so a plan resumed at 30% goes 40, 50, … rather than jumping to a grid.
 * Empty when the target already has `to` or more: there is nothing to migrate.
 */
export function planSteps(options: PlanStepsOptions): number[] {
	const to = options.to ?? 100;
	const {from} = options;
	if (!isWeight(from)) {
		throw new Error(`the current weight must be an integer 0..100 (got ${from})`);
	}

	if (!isWeight(to) || to === 0) {
		throw new Error(`the target weight must be an integer 1..100 (got ${to})`);
	}

	if (options.steps !== undefined && options.steps.length > 0) {
		for (const [index, weight] of options.steps.entries()) {
			if (!isWeight(weight)) {
				throw new Error(`steps must be integer percentages 0..100 (got ${weight})`);
			}

			if (index > 0 && weight <= (options.steps[index - 1] ?? -1)) {
				throw new Error(`steps must increase (got ${options.steps.join(',')})`);
			}
		}

		const ladder = options.steps.filter(weight => weight > from && weight < to);
		return from >= to ? [] : [...ladder, to];
	}

	const step = options.step ?? 10;
	if (!Number.isInteger(step) || step < 1 || step > 100) {
		throw new Error(`step must be an integer 1..100 (got ${step})`);
	}

	const ladder: number[] = [];
	for (let weight = from + step; weight < to; weight += step) {
		ladder.push(weight);
	}

	return from >= to ? [] : [...ladder, to];
}

/** Parses a ladder like "5,10,25,50,100" (a trailing % is allowed); throws with an example on bad input, naming it `label`. */
export function parseStepList(text: string, label = 'steps'): number[] {
	return text.split(',').map(part => part.trim()).filter(part => part !== '').map(part => {
		const value = part.replace(/%$/, '');
		if (!/^\d+$/.test(value)) {
			throw new Error(`${label}: "${part}" is not an integer percentage (e.g. 5,10,25,50,100)`);
		}

		return Number(value);
	});
}

/** What a failing gate does: hold the current split for a human, or return to the start split at once. */
export type OnFail = 'pause' | 'rollback';

/** How a rollback travels: straight to the start split, or down the plan's steps one interval at a time. */
export type RollbackMode = 'immediate' | 'gradual';

/** Everything a plan needs, fixed when it starts. */
export interface RolloutPlan {
	/** Destination keys of the route, aligned with the weight arrays. */
	keys: readonly string[];
	/** The split when the plan started (normalized, sums to 100): where a rollback returns to. */
	start: readonly number[];
	/** Index of the version traffic moves to. */
	target: number;
	/** Target weights to pass through, increasing (see planSteps). */
	steps: readonly number[];
	/** How long each step holds before its gates are judged. */
	intervalMs: number;
	/** Conditions the target must meet at the end of every hold. */
	gates: readonly Gate[];
	/** Reaction to a failing gate. */
	onFail: OnFail;
	/** How the gates judge a step: looks, error per look, minimum sample, what an inconclusive step does. */
	policy: GatePolicy;
	/** Indices of the versions traffic moves away from (weight > 0 at the start): what baseline gates compare with. */
	baseline: readonly number[];
}

/** Input of {@link createPlan}: the plan in the user's terms. */
export interface CreatePlanOptions {
	/** Destination keys of the route. */
	keys: readonly string[];
	/** Current weights (relative weights are normalized). */
	weights: readonly number[];
	/** Key of the version to migrate to. */
	target: string;
	/** Final target weight (default 100). */
	to?: number;
	/** Equal increments. */
	step?: number;
	/** Explicit ladder. */
	steps?: readonly number[];
	/** Hold per step in milliseconds. */
	intervalMs: number;
	/** Gates, already parsed. */
	gates?: readonly Gate[];
	/** Default 'pause'. */
	onFail?: OnFail;
	/** Judging rules (confidence, max wait, …); defaults from {@link gatePolicy}. */
	policy?: Omit<GatePolicyOptions, 'intervalMs'>;
}

/** Validates the user's choices against the route and builds a plan; throws with a message for the user. */
export function createPlan(options: CreatePlanOptions): RolloutPlan {
	const target = options.keys.indexOf(options.target);
	if (target < 0) {
		throw new Error(`unknown version "${options.target}"; known: ${options.keys.join(', ') || '(none)'}`);
	}

	if (options.weights.length !== options.keys.length) {
		throw new Error(`weights (${options.weights.length}) do not match versions (${options.keys.length})`);
	}

	if (!(options.intervalMs > 0) || !Number.isFinite(options.intervalMs)) {
		throw new Error(`the interval must be a positive duration (got ${options.intervalMs} ms)`);
	}

	const start = normalizeWeights(options.weights);
	const steps = planSteps({from: start[target] ?? 0, to: options.to, step: options.step, steps: options.steps});
	return {
		keys: [...options.keys],
		start,
		target,
		steps,
		intervalMs: options.intervalMs,
		gates: [...(options.gates ?? [])],
		onFail: options.onFail ?? 'pause',
		policy: gatePolicy({...options.policy, intervalMs: options.intervalMs}),
		baseline: start.flatMap((weight, index) => (index !== target && weight > 0 ? [index] : [])),
	};
}

/** The weights of ladder position `position`: 0 is the start split, n is step n (1-based). */
export function weightsAt(plan: RolloutPlan, position: number): number[] {
	if (position <= 0) {
		return [...plan.start];
	}

	const weight = plan.steps[Math.min(position, plan.steps.length) - 1] ?? plan.start[plan.target] ?? 0;
	// Always shift from the start split, so the other versions keep the proportions they had when the plan began.
	return shiftWeights(plan.start, plan.target, weight - (plan.start[plan.target] ?? 0));
}
