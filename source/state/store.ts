import type {Action} from './actions.js';
import type {AppState} from './app-state.js';
import {reducer} from './reducer.js';

/** The console's state container: React reads it with useSyncExternalStore, the controller outside React. */
export interface Store {
	/** The current state (a value: never modified, replaced on every change). */
	getState: () => AppState;
	/** Runs the reducer on one fact and notifies subscribers if the state changed. */
	dispatch: (action: Action) => void;
	/** Calls `listener` after every change; returns its removal. */
	subscribe: (listener: () => void) => () => void;
}

/** Creates a store over the pure reducer. */
export function createStore(initial: AppState): Store {
	let state = initial;
	const listeners = new Set<() => void>();
	return {
		getState: () => state,
		dispatch(action) {
			const next = reducer(state, action);
			if (next === state) {
				return;
			}

			state = next;
			for (const listener of listeners) {
				listener();
			}
		},
		subscribe(listener) {
			listeners.add(listener);
			return () => listeners.delete(listener);
		},
	};
}
