/**
 * The note a plan's write carries into the change trail (history line and Event): which step, and the evidence that
 * justified it, so `kubectl get events` shows why traffic moved, not only that it did.
 */
import {formatGateResult, type GateResult} from './gate-evidence.js';
import type {RolloutState} from './rollout.js';

/** Events carry at most 1 KiB of message in events.k8s.io/v1; the trail stays within it with room for the weights. */
const maxNoteLength = 700;

function gateSummary(results: readonly GateResult[]): string {
	return results.map(result => formatGateResult(result)).join('; ');
}

/**
 * "shift step 2/4; gates at 25%: success 99.4% (n=1,212, 95% 98.9–99.7%) ≥ 99 ✓" for a step forward,
 * "shift rollback to the start split; gate failed at 25%: …" for a rollback. `who` is "shift" or "plan".
 */
export function planWriteNote(who: string, state: RolloutState, position: number): string {
	const of = state.plan.steps.length;
	const rollingBack = state.phase === 'rolling-back';
	const head = rollingBack
		? `${who} rollback to ${position === 0 ? 'the start split' : `step ${position}/${of}`}`
		: `${who} step ${position}/${of}`;
	let why: string | undefined;
	if (rollingBack) {
		why = state.reason;
	} else if (state.position > 0 && state.gates.length > 0 && state.plan.gates.length > 0) {
		why = `${state.promoted ? 'promoted; last gates' : 'gates'} at ${state.plan.steps[state.position - 1] ?? 0}%: ${gateSummary(state.gates)}`;
	}

	const note = why === undefined ? head : `${head}; ${why}`;
	return note.length > maxNoteLength ? `${note.slice(0, maxNoteLength - 1)}…` : note;
}
