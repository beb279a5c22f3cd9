import React from 'react';
import {Box, Text} from 'ink';
import {commands, keysLabel} from './keymap.js';

/** Every key with its description, generated from the keymap; read-only mode marks writes as unavailable. */
export function HelpOverlay({readOnly}: {readOnly: boolean}) {
	const width = Math.max(...commands.map(command => keysLabel(command).length)) + 2;
	return (
		<Box flexDirection="column" borderStyle="round" paddingX={1}>
			<Text bold>meshtop keys</Text>
			{commands.map(command => (
				<Text key={command.id} dimColor={readOnly && command.dangerous}>
					<Text bold>{keysLabel(command).padEnd(width)}</Text>
					{command.description}
					{readOnly && command.dangerous ? ' (disabled: --read-only)' : ''}
				</Text>
			))}
			<Text dimColor>Weights always sum to 100; writes touch only weights and test the resourceVersion.</Text>
		</Box>
	);
}
