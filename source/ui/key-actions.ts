/**
 * The dispatcher: what each keymap entry does, as a table from command to effect. Effects only dispatch a fact to the
 * store or call the controller; which key means which command is the keymap's business, never this file's.
 */
import type {Key} from 'ink';
import type {ConsoleController} from '../state/controller.js';
import type {Store} from '../state/store.js';
import {rolloutActive, type AppState} from '../state/app-state.js';
import {pickerMatches} from '../state/selectors.js';
import {commandFor, type CommandId, type Scope} from './keymap.js';

/** What a command's effect may use. */
export interface KeyContext {
	store: Store;
	controller: ConsoleController;
	/** Leaves the console (Ink's exit). */
	exit: () => void;
}

type Effect = (context: KeyContext, input: string) => void;

const effects: Record<CommandId, Effect> = {
	'select-up': ({store}) => store.dispatch({type: 'selectionMoved', delta: -1}),
	'select-down': ({store}) => store.dispatch({type: 'selectionMoved', delta: 1}),
	'stage-less': ({store}) => store.dispatch({type: 'weightsStaged', direction: -1}),
	'stage-more': ({store}) => store.dispatch({type: 'weightsStaged', direction: 1}),
	'step-down': ({store}) => store.dispatch({type: 'stepChanged', direction: -1}),
	'step-up': ({store}) => store.dispatch({type: 'stepChanged', direction: 1}),
	review: ({store}) => store.dispatch({type: 'reviewOpened'}),
	confirm: ({controller}) => void controller.apply(),
	discard: ({store}) => store.dispatch({type: 'dismissed'}),
	undo: ({controller}) => void controller.undo(),
	'chart-mode': ({store}) => store.dispatch({type: 'chartModeCycled'}),
	'next-route': ({store}) => store.dispatch({type: 'routeCycled'}),
	picker: ({store}) => store.dispatch({type: 'overlayChanged', overlay: 'picker'}),
	help: ({store}) => store.dispatch({type: 'overlayChanged', overlay: store.getState().overlay === 'help' ? 'none' : 'help'}),
	quit: ({exit}) => exit(),
	'plan-open': ({store}) => store.dispatch({type: 'planDialogOpened'}),
	'rollout-pause': ({controller}) => controller.pauseOrResumeRollout(),
	'rollout-rollback': ({controller}) => controller.rollBackRollout(),
	'rollout-promote': ({controller}) => controller.promoteRollout(),
	'rollout-start': ({controller}) => controller.startRollout(),
	'plan-next-field': ({store}) => store.dispatch({type: 'planEdited', edit: {kind: 'move', delta: 1}}),
	'plan-previous-field': ({store}) => store.dispatch({type: 'planEdited', edit: {kind: 'move', delta: -1}}),
	'plan-choice-left': ({store}) => store.dispatch({type: 'planEdited', edit: {kind: 'cycle', delta: -1, keys: []}}),
	'plan-choice-right': ({store}) => store.dispatch({type: 'planEdited', edit: {kind: 'cycle', delta: 1, keys: []}}),
	'plan-erase': ({store}) => store.dispatch({type: 'planEdited', edit: {kind: 'backspace'}}),
	'plan-type': ({store}, input) => store.dispatch({type: 'planEdited', edit: {kind: 'type', text: input}}),
	'picker-up': ({store}) => store.dispatch({type: 'pickerMoved', delta: -1}),
	'picker-down': ({store}) => store.dispatch({type: 'pickerMoved', delta: 1}),
	'picker-open'({store}) {
		const state = store.getState();
		const name = pickerMatches(state)[state.pickerSelected];
		if (name !== undefined) {
			store.dispatch({type: 'virtualServicePicked', name});
		}
	},
	'picker-erase': ({store}) => store.dispatch({type: 'pickerQueryChanged', query: store.getState().pickerQuery.slice(0, -1)}),
	'picker-type': ({store}, input) => store.dispatch({type: 'pickerQueryChanged', query: store.getState().pickerQuery + input}),
};

/** The mode whose keys are live: the overlay on top, else the main screen. */
export function scopeOf(state: Pick<AppState, 'overlay'>): Scope {
	return state.overlay === 'none' ? 'main' : state.overlay;
}

/** Runs what one keypress means in the current mode; keys with no entry do nothing. */
export function handleKey(input: string, key: Key, context: KeyContext): void {
	const state = context.store.getState();
	const command = commandFor(input, key, scopeOf(state), state.readOnly, rolloutActive(state));
	if (command !== undefined) {
		effects[command](context, input);
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
