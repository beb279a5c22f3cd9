import {nextStep} from '../domain/weights.js';
import {describeAddress} from '../domain/addressing.js';
import type {Action} from './actions.js';
import type {AppState} from './app-state.js';
import {editPlanForm} from './plan-form.js';
import {currentRoute, currentRoutes, pickerMatches, routeKey, selectedIndex} from './selectors.js';
import {onPlanDialogOpened, onWeightsStaged, rolloutNotice} from './reducer-user.js';
import {onFeedUpdated, onMetricsReceived, onWriteConflicted, onWriteFailed, onWriteStarted, onWriteSucceeded} from './reducer-world.js';

export {sampleSpacing} from './reducer-world.js';

/**
 * The console's state machine: pure, the only place state changes. It returns a new state (or the same one when
 * nothing changes, so the store skips a render) and never modifies the state or the action it is given.
 */
export function reducer(state: AppState, action: Action): AppState {
	switch (action.type) {
		case 'connected': {
			return {...state, connection: action.connection};
		}

		case 'feedUpdated': {
			return onFeedUpdated(state, action);
		}

		case 'selectionMoved': {
			const destinations = currentRoute(state)?.destinations ?? [];
			if (destinations.length === 0) {
				return state;
			}

			const index = (selectedIndex(state) + action.delta + destinations.length) % destinations.length;
			return {...state, selectedKey: destinations[index]!.key};
		}

		case 'weightsStaged': {
			return onWeightsStaged(state, action.direction);
		}

		case 'stepChanged': {
			return {...state, step: nextStep(state.step, action.direction)};
		}

		case 'reviewOpened': {
			if (state.staged === undefined) {
				return {...state, notice: {level: 'info', text: 'Nothing staged: move the split with ← → first.'}};
			}

			return {...state, overlay: 'confirm'};
		}

		case 'dismissed': {
			if (state.overlay !== 'none') {
				// Closing the picker before anything was chosen leaves nothing to show but the picker.
				if (state.overlay === 'picker' && state.vsName === undefined) {
					return state;
				}

				return {...state, overlay: 'none'};
			}

			if (state.staged !== undefined) {
				return {...state, staged: undefined, notice: {level: 'info', text: 'Staged change discarded.'}};
			}

			return state;
		}

		case 'writeStarted': {
			return onWriteStarted(state, action);
		}

		case 'writeSucceeded': {
			return onWriteSucceeded(state, action);
		}

		case 'writeConflicted': {
			return onWriteConflicted(state, action);
		}

		case 'writeFailed': {
			return onWriteFailed(state, action);
		}

		case 'metricsReceived': {
			return onMetricsReceived(state, action);
		}

		case 'metricsFailed': {
			// Keep the last good numbers on screen, marked stale.
			return {...state, metricsStatus: state.metrics === undefined ? 'error' : 'stale', metricsError: action.error};
		}

		case 'prometheusChanged': {
			return {
				...state,
				prometheusLabel: action.label,
				metricsStatus: action.status === 'live' ? state.metricsStatus : action.status,
				metricsError: action.error ?? state.metricsError,
			};
		}

		case 'routeCycled': {
			const routes = currentRoutes(state);
			if (routes.length < 2) {
				return {...state, notice: {level: 'info', text: `${describeAddress(state.vsName ?? '')} has a single route.`}};
			}

			const current = currentRoute(state);
			const index = routes.findIndex(route => route === current);
			const next = routes[(index + 1) % routes.length]!;
			return {...state, routeKey: routeKey(next), selectedKey: undefined, staged: undefined};
		}

		case 'overlayChanged': {
			return {...state, overlay: action.overlay, pickerQuery: action.overlay === 'picker' ? '' : state.pickerQuery, pickerSelected: 0};
		}

		case 'pickerQueryChanged': {
			return {...state, pickerQuery: action.query, pickerSelected: 0};
		}

		case 'pickerMoved': {
			const count = pickerMatches(state).length;
			return count === 0 ? state : {...state, pickerSelected: Math.min(Math.max(state.pickerSelected + action.delta, 0), count - 1)};
		}

		case 'virtualServicePicked': {
			if (action.name === state.vsName) {
				return {...state, overlay: 'none'};
			}

			return {
				...state,
				vsName: action.name,
				overlay: 'none',
				routeKey: undefined,
				selectedKey: undefined,
				staged: undefined,
				history: [],
				metrics: undefined,
				series: state.series.cleared(),
				lastSampleAt: undefined,
				notice: undefined,
			};
		}

		case 'noticeShown': {
			return {...state, notice: action.notice};
		}

		case 'planDialogOpened': {
			return onPlanDialogOpened(state);
		}

		case 'planEdited': {
			if (state.planForm === undefined) {
				return state;
			}

			const keys = currentRoute(state)?.destinations.map(destination => destination.key) ?? [];
			return {...state, planForm: editPlanForm(state.planForm, action.edit.kind === 'cycle' ? {...action.edit, keys} : action.edit)};
		}

		case 'planRejected': {
			return state.planForm === undefined ? state : {...state, planForm: {...state.planForm, error: action.error}};
		}

		case 'rolloutStarted': {
			return {...state, overlay: 'none', staged: undefined, rollbackMode: action.rollback, notice: {level: 'info', text: 'Plan started: Space pauses, r rolls back, P promotes.'}};
		}

		case 'rolloutUpdated': {
			return {...state, rollout: action.rollout, notice: rolloutNotice(state, action.rollout) ?? state.notice};
		}
	}
}
