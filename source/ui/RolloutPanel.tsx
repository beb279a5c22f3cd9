import {Box, Text} from 'ink';
import {formatGateResult, rolloutProgress, type RolloutState} from '../domain/rollout.js';
import {useTheme} from './theme.js';

function progressBar(step: number, count: number, width: number): string {
	const filled = count === 0 ? width : Math.round((step / count) * width);
	return '█'.repeat(filled) + '░'.repeat(Math.max(0, width - filled));
}

/** The running plan: progress bar, the next step's countdown, and each gate's value next to its threshold. */
export function RolloutPanel({rollout, now, columns}: {rollout: RolloutState; now: number; columns: number}) {
	const theme = useTheme();
	const progress = rolloutProgress(rollout);
	const target = rollout.plan.keys[rollout.plan.target] ?? '';
	const countdown = progress.nextAt === undefined ? '' : `next in ${Math.max(0, Math.ceil((progress.nextAt - now) / 1000))}s`;
	const final = rollout.phase === 'completed' || rollout.phase === 'rolled-back';
	const gates = rollout.gates.length === 0
		? (rollout.plan.gates.length === 0 ? 'no gates: advances on time alone' : `gates: ${rollout.plan.gates.map(gate => gate.text).join('  ')} (waiting for metrics)`)
		: rollout.gates.map(result => formatGateResult(result)).join('   ');
	return (
		<Box flexDirection="column">
			<Text wrap="truncate">
				<Text {...theme.strong}>plan → {target}</Text>
				{`  step ${progress.step}/${progress.stepCount} (${progress.targetWeight}%) `}
				<Text {...theme.phase(rollout.phase)}>{progressBar(progress.step, progress.stepCount, Math.max(5, Math.min(20, columns - 60)))}</Text>
				{' '}<Text {...theme.phase(rollout.phase)} {...theme.strong}>{rollout.phase}</Text>
				{final ? '' : `  ${countdown}`}
			</Text>
			<Text wrap="truncate" {...(rollout.failedGates === undefined ? {} : theme.error)}>{gates}</Text>
		</Box>
	);
}
