import {Box, Text} from 'ink';
import {formatGateResult, rolloutProgress, type RolloutState} from '../domain/rollout.js';
import {useTheme} from './theme.js';

function progressBar(step: number, count: number, width: number): string {
	const filled = count === 0 ? width : Math.round((step / count) * width);
	return '█'.repeat(filled) + '░'.repeat(Math.max(0, width - filled));
}

/** Lines the panel takes: the progress line and one line per gate (at least one, for "no gates" or "waiting"). */
export function rolloutPanelHeight(rollout: RolloutState): number {
	return 1 + Math.max(1, rollout.gates.length);
}

function countdown(rollout: RolloutState, now: number): string {
	const progress = rolloutProgress(rollout);
	if (progress.nextAt === undefined) {
		return '';
	}

	if (now < progress.nextAt || progress.maxWaitAt === undefined) {
		return `next in ${Math.max(0, Math.ceil((progress.nextAt - now) / 1000))}s`;
	}

	// The hold is over but the evidence is not: say how long the step may still wait for it.
	return `judging, waits at most ${Math.max(0, Math.ceil((progress.maxWaitAt - now) / 1000))}s more`;
}

/** The running plan: progress bar, the next step's countdown, and each gate's verdict with its evidence, one per line. */
export function RolloutPanel({rollout, now, columns}: {rollout: RolloutState; now: number; columns: number}) {
	const theme = useTheme();
	const progress = rolloutProgress(rollout);
	const target = rollout.plan.keys[rollout.plan.target] ?? '';
	const final = rollout.phase === 'completed' || rollout.phase === 'rolled-back';
	const stopped = rollout.failedGates !== undefined;
	return (
		<Box flexDirection="column">
			<Text wrap="truncate">
				<Text {...theme.strong}>plan → {target}</Text>
				{`  step ${progress.step}/${progress.stepCount} (${progress.targetWeight}%) `}
				<Text {...theme.phase(rollout.phase)}>{progressBar(progress.step, progress.stepCount, Math.max(5, Math.min(20, columns - 60)))}</Text>
				{' '}<Text {...theme.phase(rollout.phase)} {...theme.strong}>{rollout.phase}</Text>
				{final ? '' : `  ${countdown(rollout, now)}`}
			</Text>
			{rollout.gates.length === 0
				? <Text wrap="truncate">{rollout.plan.gates.length === 0 ? 'no gates: advances on time alone' : `gates: ${rollout.plan.gates.map(gate => gate.text).join('  ')} (waiting for the step's traffic)`}</Text>
				: rollout.gates.map(result => (
					<Text key={result.gate.text} wrap="truncate" {...(stopped && result.outcome !== 'pass' ? theme.error : theme.gate(result.outcome))}>{formatGateResult(result)}</Text>
				))}
		</Box>
	);
}
