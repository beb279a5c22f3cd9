/**
 * What `meshtop shift` prints: one line per step for people, one JSON object per line for pipelines.
 * Pure formatting, so the wording is tested without a cluster.
 */
import {formatGateResult, type GateResult, type RolloutPlan, type RolloutState} from '../domain/rollout.js';
import {formatConfidence, formatEta} from '../domain/gate-format.js';

/** A stream the commands write text to (process.stdout, or a capture in tests). */
export interface TextOutput {
	/** Writes a chunk of text. */
	write(chunk: string): unknown;
}

/** The two output streams of a headless command. */
export interface CommandOutput {
	/** Results and progress. */
	stdout: TextOutput;
	/** Warnings and errors. */
	stderr: TextOutput;
}

/** "12:00:05" in local time: the operator reads it next to their own clock. */
export function clockTime(epochMs: number): string {
	const date = new Date(epochMs);
	return [date.getHours(), date.getMinutes(), date.getSeconds()].map(part => String(part).padStart(2, '0')).join(':');
}

/** "v1 50 → v3 50": the other versions, then the target, so the direction of travel reads left to right. Versions at 0 that were never part of the split are left out. */
export function formatSplit(plan: RolloutPlan, weights: readonly number[]): string {
	const others = plan.keys
		.map((key, index) => ({key, index, weight: weights[index] ?? 0}))
		.filter(entry => entry.index !== plan.target && (entry.weight > 0 || (plan.start[entry.index] ?? 0) > 0));
	const target = `${plan.keys[plan.target] ?? '?'} ${weights[plan.target] ?? 0}`;
	return others.length === 0 ? `→ ${target}` : `${others.map(entry => `${entry.key} ${entry.weight}`).join(' ')} → ${target}`;
}

/** "gates: success 99.4% (n=1,212, 95% 98.9–99.7%) ≥ 99 ✓  p99 212 ms (n=430) ≤ 500 ms ✓", or "gates: none" / "gates: -" before any evaluation. */
export function formatGates(plan: RolloutPlan, results: readonly GateResult[] | undefined): string {
	if (plan.gates.length === 0) {
		return 'gates: none';
	}

	if (results === undefined || results.length === 0) {
		return 'gates: -';
	}

	return `gates: ${results.map(result => formatGateResult(result)).join('  ')}`;
}

/** Weights keyed by version, for JSON output and records. */
export function weightsByKey(plan: RolloutPlan, weights: readonly number[]): Record<string, number> {
	return Object.fromEntries(plan.keys.map((key, index) => [key, weights[index] ?? 0]));
}

/** A gate verdict as JSON, with its evidence (success rates and intervals in percent, latencies in ms). */
export function gateJson(result: GateResult): Record<string, unknown> {
	const {evidence} = result;
	return {
		gate: result.gate.text,
		metric: result.gate.metric,
		outcome: result.outcome,
		pass: result.pass,
		value: result.value,
		threshold: result.threshold,
		n: evidence.n,
		windowMs: Math.round(evidence.windowMs),
		confidence: evidence.confidence,
		interval: evidence.interval === undefined ? null : [evidence.interval.low, evidence.interval.high],
		baseline: evidence.baseline ?? null,
		need: evidence.need ?? null,
		reason: result.reason,
	};
}

/** "12:00:11 waiting at step 1/4 (10%) 6 s of at most 30 s  success 98.3% (n=58, …) ≥ 99 ? inconclusive: n=58, need ~700 at this rate (≈5 min)". */
export function waitingLine(plan: RolloutPlan, state: RolloutState, now: number): string {
	const waited = formatEta(now - state.since).replace('≈', '');
	const most = formatEta(Math.max(plan.policy.maxWaitMs, plan.intervalMs)).replace('≈', '');
	const weight = plan.steps[state.position - 1] ?? 0;
	return `${clockTime(now)} waiting at step ${state.position}/${plan.steps.length} (${weight}%) ${waited} of at most ${most}  ${formatGates(plan, state.gates)}`;
}

/** Describes the plan in one line: "v3 0 → 100 in 4 steps (25, 50, 75, 100) every 5s; gates: …; on failure: pause". */
export function describePlan(plan: RolloutPlan, every: string): string {
	const target = plan.keys[plan.target] ?? '?';
	const gates = plan.gates.length === 0 ? 'no gates' : `gates ${plan.gates.map(gate => gate.text).join(', ')}`;
	const count = plan.steps.length === 1 ? '1 step' : `${plan.steps.length} steps`;
	const {policy} = plan;
	const judging = plan.gates.length === 0
		? ''
		: `; ${formatConfidence(policy.confidence)} confidence, at most ${formatEta(policy.maxWaitMs).replace('≈', '')} a step, if inconclusive: ${policy.onInconclusive}`;
	return `${target} ${plan.start[plan.target] ?? 0} → ${plan.steps.at(-1) ?? plan.start[plan.target] ?? 0} in ${count} (${plan.steps.join(', ')}) every ${every}; ${gates}; on failure: ${plan.onFail}${judging}`;
}
