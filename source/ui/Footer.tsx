import {memo} from 'react';
import {Box, Text} from 'ink';
import {activeCommands, keysLabel, type Command, type Scope} from './keymap.js';
import textWidth from './text-width.js';

/** What the footer shows: the active layer's keys. */
interface FooterProps {
	scope: Scope;
	readOnly: boolean;
	rolloutRunning: boolean;
	step: number;
}

/** Gap between two keys' hints, in columns (the Box's columnGap). */
const gap = 2;

function hints({scope, readOnly, rolloutRunning, step}: FooterProps): Array<{command: Command; label: string}> {
	return activeCommands(scope, readOnly, rolloutRunning)
		.filter(command => command.footer)
		.map(command => ({command, label: command.id === 'step-up' ? `step ${step}` : command.label}));
}

/**
 * Lines the footer takes at `columns`, wrapped as its Box wraps them (whole hints, `gap` apart), so the layout above
 * can leave it room: a footer taller than planned pushed the header's first line off a narrow terminal.
 */
export function footerLineCount(props: FooterProps, columns: number): number {
	let lines = 0;
	let width = 0;
	for (const {command, label} of hints(props)) {
		const hintWidth = textWidth(`${keysLabel(command)} ${label}`);
		if (lines === 0 || width + gap + hintWidth > columns) {
			lines += Math.max(1, Math.ceil(hintWidth / Math.max(1, columns)));
			width = hintWidth;
		} else {
			width += gap + hintWidth;
		}
	}

	return Math.max(1, lines);
}

/** The keys of the active layer, generated from the keymap, wrapped over as many lines as `footerLineCount` says. */
function FooterKeys(props: FooterProps) {
	return (
		<Box columnGap={gap} flexWrap="wrap">
			{hints(props).map(({command, label}) => (
				<Text key={command.id}>
					<Text bold>{keysLabel(command)}</Text> {label}
				</Text>
			))}
		</Box>
	);
}

/**
 * The footer, re-rendered only when its props change (they are four plain values): every refresh re-renders the
 * console, and the footer's two dozen texts are the same from one second to the next.
 */
export const Footer = memo(FooterKeys);
