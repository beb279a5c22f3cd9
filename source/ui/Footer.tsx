import {Box, Text} from 'ink';
import {activeCommands, keysLabel, type Scope} from './keymap.js';

/** One line of the keys of the active layer, generated from the keymap. */
export function Footer({scope, readOnly, rolloutRunning, step}: {scope: Scope; readOnly: boolean; rolloutRunning: boolean; step: number}) {
	const shown = activeCommands(scope, readOnly, rolloutRunning).filter(command => command.footer);
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
