import {Box, Text} from 'ink';
import {commands, keysLabel, type Command} from './keymap.js';

/** Help lines of the main screen: commands of one group share a line, keys joined. */
export function helpLines(): Array<{keys: string; description: string; dangerous: boolean}> {
	const lines: Array<{keys: string; description: string; dangerous: boolean; group?: string}> = [];
	for (const command of commands.filter((candidate: Command) => candidate.scopes.includes('main'))) {
		const same = command.group === undefined ? undefined : lines.find(line => line.group === command.group);
		if (same === undefined) {
			lines.push({keys: keysLabel(command), description: command.description, dangerous: Boolean(command.dangerous), group: command.group});
		} else {
			same.keys += ` ${keysLabel(command)}`;
		}
	}

	return lines;
}

/** Every key of the main screen with its description, generated from the keymap; read-only mode marks writes as unavailable. */
export function HelpOverlay({readOnly}: {readOnly: boolean}) {
	const lines = helpLines();
	const width = Math.max(...lines.map(line => line.keys.length)) + 2;
	return (
		<Box flexDirection="column" paddingX={1}>
			<Text bold underline>meshtop keys</Text>
			{lines.map(line => (
				<Text key={line.keys} dimColor={readOnly && line.dangerous} wrap="truncate">
					<Text bold>{line.keys.padEnd(width)}</Text>
					{line.description}
					{readOnly && line.dangerous ? ' (disabled: --read-only)' : ''}
				</Text>
			))}
		</Box>
	);
}
