import {useEffect, useSyncExternalStore} from 'react';
import {Box, Text, useApp, useInput, useWindowSize, type Key} from 'ink';
import type {ConsoleController} from '../state/controller.js';
import type {Store} from '../state/store.js';
import {planActive, type AppState} from '../state/app-state.js';
import {currentRoute, currentVirtualService, pickerMatches, stagedWeights, virtualServiceProblems} from '../state/selectors.js';
import {commandFor, type CommandId, type Scope} from './keymap.js';
import {Header} from './Header.js';
import {VersionTable} from './VersionTable.js';
import {Chart} from './Chart.js';
import {Footer} from './Footer.js';
import {HelpOverlay} from './HelpOverlay.js';
import {ConfirmDialog} from './ConfirmDialog.js';
import {Picker} from './Picker.js';
import {PlanDialog} from './PlanDialog.js';
import {RolloutPanel, rolloutPanelHeight} from './RolloutPanel.js';

/** Smallest terminal the console draws in; below it says so instead of drawing garbage. */
export const minimumSize = {columns: 60, rows: 15};

/** Props of the console. */
export interface AppProps {
	store: Store;
	/** Started on mount and stopped on unmount: the console owns the feeds while it is on screen. */
	controller: ConsoleController;
	/** Clock for data age and the plan's countdown (tests pass the plan's fake clock). */
	now?: () => number;
}

function scopeOf(state: AppState): Scope {
	return state.overlay === 'none' ? 'main' : state.overlay;
}

function run(command: CommandId, store: Store, controller: ConsoleController, exit: () => void): void {
	const {dispatch} = store;
	switch (command) {
		case 'select-up': {
			dispatch({type: 'select', delta: -1});
			break;
		}

		case 'select-down': {
			dispatch({type: 'select', delta: 1});
			break;
		}

		case 'shift-left': {
			dispatch({type: 'shift', direction: -1});
			break;
		}

		case 'shift-right': {
			dispatch({type: 'shift', direction: 1});
			break;
		}

		case 'step-down': {
			dispatch({type: 'step', direction: -1});
			break;
		}

		case 'step-up': {
			dispatch({type: 'step', direction: 1});
			break;
		}

		case 'review': {
			dispatch({type: 'review'});
			break;
		}

		case 'confirm': {
			void controller.apply();
			break;
		}

		case 'discard': {
			dispatch({type: 'discard'});
			break;
		}

		case 'undo': {
			void controller.undo();
			break;
		}

		case 'next-route': {
			dispatch({type: 'nextRoute'});
			break;
		}

		case 'picker': {
			dispatch({type: 'overlay', overlay: 'picker'});
			break;
		}

		case 'help': {
			dispatch({type: 'overlay', overlay: store.getState().overlay === 'help' ? 'none' : 'help'});
			break;
		}

		case 'quit': {
			exit();
			break;
		}

		case 'plan-open': {
			dispatch({type: 'planOpen'});
			break;
		}

		case 'plan-toggle': {
			controller.togglePlan();
			break;
		}

		case 'plan-rollback': {
			controller.rollbackPlan();
			break;
		}

		case 'plan-promote': {
			controller.promotePlan();
			break;
		}

		case 'plan-start': {
			controller.startPlan();
			break;
		}

		case 'plan-next-field': {
			dispatch({type: 'planEdit', edit: {kind: 'move', delta: 1}});
			break;
		}

		case 'plan-previous-field': {
			dispatch({type: 'planEdit', edit: {kind: 'move', delta: -1}});
			break;
		}

		case 'plan-choice-left': {
			dispatch({type: 'planEdit', edit: {kind: 'cycle', delta: -1, keys: []}});
			break;
		}

		case 'plan-choice-right': {
			dispatch({type: 'planEdit', edit: {kind: 'cycle', delta: 1, keys: []}});
			break;
		}
	}
}

/** A chunk of typed characters as separate key events (Enter, Tab and Backspace included). */
export function splitTyped(input: string, key: Key): Array<[string, Key]> {
	return [...input].map(character => {
		if (character === '\r' || character === '\n') {
			return ['', {...key, return: true}];
		}

		if (character === '\t') {
			return ['', {...key, tab: true}];
		}

		if (character === '\u007F' || character === '\b') {
			return ['', {...key, backspace: true}];
		}

		return [character, {...key, shift: character !== character.toLowerCase()}];
	});
}

/** Keys of the plan dialog that are not commands: text for its fields. */
function planInput(input: string, key: Key, store: Store, exit: () => void): void {
	if (key.ctrl && input === 'c') {
		exit();
	} else if (key.backspace || key.delete) {
		store.dispatch({type: 'planEdit', edit: {kind: 'backspace'}});
	} else if (input.length > 0 && !key.ctrl && !key.meta && /^[\w.,%<>=!\- ]+$/.test(input)) {
		store.dispatch({type: 'planEdit', edit: {kind: 'type', text: input}});
	}
}

function pickerInput(input: string, key: Key, store: Store, exit: () => void): void {
	const state = store.getState();
	if (key.ctrl && input === 'c') {
		exit();
	} else if (key.escape) {
		store.dispatch({type: 'discard'});
	} else if (key.upArrow) {
		store.dispatch({type: 'pickerMove', delta: -1});
	} else if (key.downArrow) {
		store.dispatch({type: 'pickerMove', delta: 1});
	} else if (key.return) {
		const name = pickerMatches(state)[state.pickerSelected];
		if (name !== undefined) {
			store.dispatch({type: 'pick', name});
		}
	} else if (key.backspace || key.delete) {
		store.dispatch({type: 'pickerQuery', query: state.pickerQuery.slice(0, -1)});
	} else if (input.length > 0 && !key.ctrl && !key.meta && /^[\w.-]+$/.test(input)) {
		store.dispatch({type: 'pickerQuery', query: state.pickerQuery + input});
	}
}

function Body({state, columns, rows, now}: {state: AppState; columns: number; rows: number; now: number}) {
	const vs = currentVirtualService(state);
	const route = currentRoute(state);
	if (state.overlay === 'picker') {
		return <Picker state={state} rows={rows} />;
	}

	if (state.overlay === 'help') {
		return <HelpOverlay readOnly={state.readOnly} />;
	}

	const malformed = virtualServiceProblems(state);
	if (vs !== undefined && malformed.length > 0) {
		return (
			<Box flexDirection="column">
				<Text color="red">VirtualService {vs.metadata.name} is malformed; meshtop shows it and writes nothing to it:</Text>
				{malformed.slice(0, Math.max(1, rows - 3)).map(problem => <Text key={problem} wrap="truncate">  • {problem}</Text>)}
				<Text dimColor>Fix it (kubectl edit virtualservice {vs.metadata.name}); the console updates when it changes.</Text>
			</Box>
		);
	}

	if (vs === undefined || route === undefined) {
		const why = state.kubeStatus === 'connecting'
			? 'Loading VirtualServices…'
			: vs === undefined
				? `VirtualService ${state.vsName ?? ''} not found in namespace ${state.connection.namespace}. Press / to pick one.`
				: `VirtualService ${vs.metadata.name} has no routes.`;
		return <Text color={state.kubeStatus === 'connecting' ? undefined : 'yellow'}>{state.kubeError ?? why}</Text>;
	}

	if (state.overlay === 'confirm' && state.staged !== undefined) {
		return <ConfirmDialog vs={vs} route={route} weights={stagedWeights(state, route)} />;
	}

	if (state.overlay === 'plan' && state.planForm !== undefined) {
		return <PlanDialog form={state.planForm} route={route} />;
	}

	const keys = route.destinations.map(destination => destination.key);
	const problems = route.destinations.filter(destination => destination.problem !== undefined).length;
	const panel = state.rollout === undefined ? 0 : 1 + rolloutPanelHeight(state.rollout);
	const chartHeight = rows - (2 + keys.length + problems + (route.editable ? 0 : 1) + panel);
	return (
		<Box flexDirection="column">
			{route.editable ? null : <Text color="yellow">read-only route: {route.readOnlyReason ?? ''}</Text>}
			<VersionTable state={state} route={route} columns={columns} />
			{state.rollout === undefined ? null : (
				<Box marginTop={1}>
					<RolloutPanel rollout={state.rollout} now={now} columns={columns} />
				</Box>
			)}
			{chartHeight >= 5 ? (
				<Box marginTop={1}>
					<Chart series={state.series} seriesVersion={state.seriesVersion} keys={keys} width={columns} height={chartHeight - 1} window={state.metrics?.window} />
				</Box>
			) : null}
		</Box>
	);
}

/** The meshtop console: header, versions, chart, notice and keys, sized to the terminal. */
export function App({store, controller, now = Date.now}: AppProps) {
	const state = useSyncExternalStore(store.subscribe, store.getState);
	const {columns, rows} = useWindowSize();
	const {exit} = useApp();
	useEffect(() => {
		controller.start();
		return () => {
			controller.stop();
		};
	}, [controller]);

	useInput((input, key) => {
		// Fast typing and pastes arrive as one chunk ("30s\r", "jjj"): each character is a key of its own.
		if (input.length > 1 && !key.ctrl && !key.meta) {
			for (const [character, characterKey] of splitTyped(input, key)) {
				handleKey(character, characterKey);
			}

			return;
		}

		handleKey(input, key);
	});

	function handleKey(input: string, key: Key): void {
		const current = store.getState();
		if (current.overlay === 'picker') {
			pickerInput(input, key, store, exit);
			return;
		}

		const command = commandFor(input, key, scopeOf(current), current.readOnly, planActive(current));
		if (command !== undefined) {
			run(command, store, controller, exit);
		} else if (current.overlay === 'plan') {
			planInput(input, key, store, exit);
		}
	}

	if (columns < minimumSize.columns || rows < minimumSize.rows) {
		return (
			<Box flexDirection="column">
				<Text color="yellow">Terminal too small: {columns}×{rows}. meshtop needs at least {minimumSize.columns}×{minimumSize.rows} (80×24 recommended).</Text>
				<Text>Enlarge the window, or use `meshtop status {state.vsName ?? '<vs>'}`. q quits.</Text>
			</Box>
		);
	}

	const footerLines = columns >= 110 ? 1 : 2;
	// Header, the blank line under it, notice and footer; the frame stays one row short of the terminal so
	// the cursor line after it never scrolls the screen.
	const bodyRows = rows - 1 - (2 + 1 + 1 + footerLines);
	const notice = state.notice ?? (state.metricsError === undefined ? undefined : {level: 'warn' as const, text: `Prometheus: ${state.metricsError}`});
	return (
		<Box flexDirection="column" width={columns} height={rows - 1} overflow="hidden">
			<Header state={state} now={now()} />
			<Box flexDirection="column" height={bodyRows} marginTop={1} overflow="hidden">
				<Body state={state} columns={columns} rows={bodyRows} now={now()} />
			</Box>
			<Text wrap="truncate" color={notice?.level === 'error' ? 'red' : notice?.level === 'warn' ? 'yellow' : undefined}>{notice?.text ?? ' '}</Text>
			<Footer scope={scopeOf(state)} readOnly={state.readOnly} planRunning={planActive(state)} step={state.step} />
		</Box>
	);
}
