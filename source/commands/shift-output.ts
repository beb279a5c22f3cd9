/**
 * What `meshtop shift` prints: one line per step for people, one JSON object per line for pipelines.
 * Pure formatting, so the wording is tested without a cluster.
 */
import {formatGateResult, type GateResult, type RolloutPlan} from '../domain/rollout.js';

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

/** "gates: success 100.0% ≥ 99.5 ✓  p99 12ms ≤ 500ms ✓", or "gates: none" / "gates: -" before any evaluation. */
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

/** A gate verdict as JSON. */
export function gateJson(result: GateResult): Record<string, unknown> {
	return {gate: result.gate.text, metric: result.gate.metric, value: result.value, threshold: result.threshold, pass: result.pass, reason: result.reason};
}

/** Describes the plan in one line: "v3 0 → 100 in 4 steps (25, 50, 75, 100) every 5s; gates: …; on failure: pause". */
export function describePlan(plan: RolloutPlan, every: string): string {
	const target = plan.keys[plan.target] ?? '?';
	const gates = plan.gates.length === 0 ? 'no gates' : `gates ${plan.gates.map(gate => gate.text).join(', ')}`;
	const count = plan.steps.length === 1 ? '1 step' : `${plan.steps.length} steps`;
	return `${target} ${plan.start[plan.target] ?? 0} → ${plan.steps.at(-1) ?? plan.start[plan.target] ?? 0} in ${count} (${plan.steps.join(', ')}) every ${every}; ${gates}; on failure: ${plan.onFail}`;
}
