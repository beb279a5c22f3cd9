import {useEffect, useMemo, useSyncExternalStore} from 'react';
import {Box, Text, useApp, useInput, useWindowSize} from 'ink';
import type {ConsoleController} from '../state/controller.js';
import type {Store} from '../state/store.js';
import {rolloutActive} from '../state/app-state.js';
import {handleKey, scopeOf, splitTyped} from './key-actions.js';
import {Header, headerLines} from './Header.js';
import {ConsoleBody} from './ConsoleBody.js';
import {Footer, footerLineCount} from './Footer.js';
import {useTheme} from './theme.js';
import {systemClock} from '../util/clock.js';
import {keyFrameWanted} from './key-frame.js';

/** Smallest terminal the console draws in; below it says so instead of drawing garbage. */
export const minimumSize = {columns: 60, rows: 15};

/** Props of the console. */
export interface AppProps {
	/** The console's state; the App reads it and dispatches to it, nothing else. */
	store: Store;
	/** Started on mount and stopped on unmount: the console owns the feeds while it is on screen. */
	controller: ConsoleController;
	/** Clock for data age and the plan's countdown (tests pass the plan's fake clock). */
	now?: () => number;
	/** Called as each key arrives, before it is handled (the key-timing instrumentation times key → frame from here). */
	onKey?: () => void;
}

/** The meshtop console: header, versions, chart, notice and keys, sized to the terminal. Layout only: keys go to the keymap's dispatcher. */
export function App({store, controller, now = systemClock.now, onKey}: AppProps) {
	const state = useSyncExternalStore(store.subscribe, store.getState);
	const {columns, rows} = useWindowSize();
	const {exit} = useApp();
	const theme = useTheme();
	useEffect(() => {
		controller.start();
		return () => {
			void controller.stop();
		};
	}, [controller]);

	useInput((input, key) => {
		onKey?.();
		keyFrameWanted();
		const context = {store, controller, exit};
		// Fast typing and pastes arrive as one chunk ("30s\r", "jjj"): each character is a key of its own.
		const keys = input.length > 1 && !key.ctrl && !key.meta ? splitTyped(input, key) : [[input, key] as const];
		for (const [character, characterKey] of keys) {
			handleKey(character, characterKey, context);
		}
	});

	const scope = scopeOf(state);
	const rolloutRunning = rolloutActive(state);
	// Measured once per change of what the footer shows, not at every refresh: it measures every hint's text.
	const footerLines = useMemo(() => footerLineCount({scope, readOnly: state.readOnly, rolloutRunning, step: state.step}, columns), [scope, state.readOnly, rolloutRunning, state.step, columns]);

	if (columns < minimumSize.columns || rows < minimumSize.rows) {
		// The full sentence wraps past the bottom of a very small terminal and its first line scrolls away: there the
		// message is three short lines, so what is wrong and how to leave stay on screen.
		if (columns < 40 || rows < 8) {
			return (
				<Box flexDirection="column">
					<Text {...theme.warning}>Too small: {columns}×{rows}</Text>
					<Text>needs {minimumSize.columns}×{minimumSize.rows}</Text>
					<Text>q quits</Text>
				</Box>
			);
		}

		return (
			<Box flexDirection="column">
				<Text {...theme.warning}>Terminal too small: {columns}×{rows}. meshtop needs at least {minimumSize.columns}×{minimumSize.rows} (80×24 recommended).</Text>
				<Text>Enlarge the window, or use `meshtop status {state.vsName ?? '<vs>'}`. q quits.</Text>
			</Box>
		);
	}

	// Header, the blank line under it, notice and footer; the frame stays one row short of the terminal so
	// the cursor line after it never scrolls the screen.
	const bodyRows = rows - 1 - (headerLines(state) + 1 + 1 + footerLines);
	const notice = state.notice ?? (state.metricsError === undefined ? undefined : {level: 'warn' as const, text: `Prometheus: ${state.metricsError}`});
	const noticeStyle = notice?.level === 'error' ? theme.error : notice?.level === 'warn' ? theme.warning : {};
	// Clipped vertically only: every line is already cut to the width (truncate, fit), and a horizontal clip makes Ink
	// re-slice each line of every frame, character by character (about an eighth of what a frame allocates).
	return (
		<Box flexDirection="column" width={columns} height={rows - 1} overflowY="hidden">
			<Header state={state} now={now()} />
			<Box flexDirection="column" height={bodyRows} marginTop={1} overflowY="hidden">
				<ConsoleBody state={state} columns={columns} rows={bodyRows} now={now()} />
			</Box>
			<Text wrap="truncate" {...noticeStyle}>{notice?.text ?? ' '}</Text>
			<Footer scope={scope} readOnly={state.readOnly} rolloutRunning={rolloutRunning} step={state.step} />
		</Box>
	);
}
