import {Box, Text} from 'ink';
import {activeCommands, keysLabel, type Scope} from './keymap.js';

/** One line of the keys of the active layer, generated from the keymap. */
export function Footer({scope, readOnly, planRunning, step}: {scope: Scope; readOnly: boolean; planRunning: boolean; step: number}) {
	const shown = activeCommands(scope, readOnly, planRunning).filter(command => command.footer);
	return (
		<Box columnGap={2} flexWrap="wrap">
			{shown.map(command => (
				<Text key={command.id}>
					<Text bold>{keysLabel(command)}</Text> {command.id === 'step-up' ? `step ${step}` : command.label}
				</Text>
			))}
		</Box>
	);
}
