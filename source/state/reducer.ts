import {nextStep, shiftWeights} from '../domain/weights.js';
import {parseDuration} from '../domain/duration.js';
import {routeWeights} from '../domain/virtual-service.js';
import type {Action} from './actions.js';
import {planActive, type AppState, type Notice} from './app-state.js';
import type {RolloutState} from '../domain/rollout.js';
import {editPlanForm, initialPlanForm} from './plan-form.js';
import {currentRoute, currentRoutes, currentVirtualService, pickerMatches, routeKey, selectedIndex, stagedWeights} from './selectors.js';

/** The console's state machine: pure, the only place state changes. */
export function reducer(state: AppState, action: Action): AppState {
	switch (action.type) {
		case 'connected': {
			return {...state, connection: action.connection};
		}

		case 'feed': {
			return onFeed(state, action);
		}

		case 'select': {
			const destinations = currentRoute(state)?.destinations ?? [];
			if (destinations.length === 0) {
				return state;
			}

			const index = (selectedIndex(state) + action.delta + destinations.length) % destinations.length;
			return {...state, selectedKey: destinations[index]!.key};
		}

		case 'shift': {
			return onShift(state, action.direction);
		}

		case 'step': {
			return {...state, step: nextStep(state.step, action.direction)};
		}

		case 'review': {
			if (state.staged === undefined) {
				return {...state, notice: {level: 'info', text: 'Nothing staged: move the split with ← → first.'}};
			}

			return {...state, overlay: 'confirm'};
		}

		case 'discard': {
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

		case 'applyStarted': {
			return {...state, applying: true, overlay: 'none', notice: {level: 'info', text: 'Applying…'}};
		}

		case 'applySucceeded': {
			const virtualServices = new Map(state.virtualServices);
			virtualServices.set(action.vs.metadata.name, action.vs);
			const history = action.undo ? state.history.slice(0, -1) : [...state.history, action.change];
			const summary = Object.entries(action.change.after).map(([key, weight]) => `${key} ${weight}`).join(' / ');
			return {
				...state,
				virtualServices,
				history,
				applying: false,
				staged: undefined,
				notice: {level: 'info', text: `${action.undo ? 'Undone' : 'Applied'}: ${summary} (resourceVersion ${action.vs.metadata.resourceVersion ?? '?'})`},
			};
		}

		case 'applyFailed': {
			return {
				...state,
				applying: false,
				// After a conflict the staged split was computed from weights that no longer exist.
				staged: action.conflict ? undefined : state.staged,
				notice: {level: 'error', text: action.error},
			};
		}

		case 'metrics': {
			const next: AppState = {...state, metrics: action.snapshot, metricsStatus: 'live', metricsError: undefined};
			// A rate is an average over its window, so samples closer than a window apart repeat each other: the
			// chart takes one per window. It also keeps the screen still between columns, so a refresh redraws numbers only.
			if (state.lastSampleAt !== undefined && action.snapshot.at - state.lastSampleAt < sampleSpacing(action.snapshot.window)) {
				return next;
			}

			const keys = currentRoute(state)?.destinations.map(destination => destination.key) ?? [];
			const sample: Record<string, number | null> = {};
			for (const key of keys) {
				sample[key] = action.snapshot.byVersion[key]?.rps ?? 0;
			}

			state.series.push(sample);
			return {...next, seriesVersion: state.seriesVersion + 1, lastSampleAt: action.snapshot.at};
		}

		case 'metricsFailed': {
			// Keep the last good numbers on screen, marked stale.
			return {...state, metricsStatus: state.metrics === undefined ? 'error' : 'stale', metricsError: action.error};
		}

		case 'prometheus': {
			return {
				...state,
				prometheusLabel: action.label,
				metricsStatus: action.status === 'live' ? state.metricsStatus : action.status,
				metricsError: action.error ?? state.metricsError,
			};
		}

		case 'nextRoute': {
			const routes = currentRoutes(state);
			if (routes.length < 2) {
				return {...state, notice: {level: 'info', text: 'This VirtualService has a single route.'}};
			}

			const current = currentRoute(state);
			const index = routes.findIndex(route => route === current);
			const next = routes[(index + 1) % routes.length]!;
			return {...state, routeKey: routeKey(next), selectedKey: undefined, staged: undefined};
		}

		case 'overlay': {
			return {...state, overlay: action.overlay, pickerQuery: action.overlay === 'picker' ? '' : state.pickerQuery, pickerSelected: 0};
		}

		case 'pickerQuery': {
			return {...state, pickerQuery: action.query, pickerSelected: 0};
		}

		case 'pickerMove': {
			const count = pickerMatches(state).length;
			return count === 0 ? state : {...state, pickerSelected: Math.min(Math.max(state.pickerSelected + action.delta, 0), count - 1)};
		}

		case 'pick': {
			if (action.name === state.vsName) {
				return {...state, overlay: 'none'};
			}

			state.series.clear();
			return {
				...state,
				vsName: action.name,
				overlay: 'none',
				routeKey: undefined,
				selectedKey: undefined,
				staged: undefined,
				history: [],
				metrics: undefined,
				seriesVersion: state.seriesVersion + 1,
				lastSampleAt: undefined,
				notice: undefined,
			};
		}

		case 'notice': {
			return {...state, notice: action.notice};
		}

		case 'planOpen': {
			return onPlanOpen(state);
		}

		case 'planEdit': {
			if (state.planForm === undefined) {
				return state;
			}

			const keys = currentRoute(state)?.destinations.map(destination => destination.key) ?? [];
			return {...state, planForm: editPlanForm(state.planForm, action.edit.kind === 'cycle' ? {...action.edit, keys} : action.edit)};
		}

		case 'planInvalid': {
			return state.planForm === undefined ? state : {...state, planForm: {...state.planForm, error: action.error}};
		}

		case 'planStarted': {
			return {...state, overlay: 'none', staged: undefined, rollbackMode: action.rollback, notice: {level: 'info', text: 'Plan started: Space pauses, r rolls back, P promotes.'}};
		}

		case 'rollout': {
			return {...state, rollout: action.rollout, notice: rolloutNotice(state, action.rollout) ?? state.notice};
		}

		case 'writing': {
			return {...state, applying: true};
		}

		case 'written': {
			if (action.vs === undefined) {
				return {...state, applying: false};
			}

			const virtualServices = new Map(state.virtualServices);
			virtualServices.set(action.vs.metadata.name, action.vs);
			return {...state, virtualServices, applying: false};
		}
	}
}

/** Milliseconds between chart samples for a PromQL rate window like "4s" or "1m" (a little slack for refresh jitter). */
export function sampleSpacing(window: string): number {
	try {
		return parseDuration(window) * 0.9;
	} catch {
		return 0;
	}
}

function onPlanOpen(state: AppState): AppState {
	const route = currentRoute(state);
	if (planActive(state)) {
		return {...state, notice: {level: 'info', text: 'A plan is running: Space pauses/resumes, r rolls back, P promotes.'}};
	}

	if (route === undefined) {
		return state;
	}

	if (!route.editable) {
		return {...state, notice: {level: 'warn', text: `Route ${route.name} is read-only: ${route.readOnlyReason ?? 'not a weighted http route'}.`}};
	}

	return {...state, overlay: 'plan', planForm: initialPlanForm(route, state.selectedKey)};
}

function rolloutNotice(state: AppState, rollout: RolloutState): Notice | undefined {
	const before = state.rollout;
	if (before?.phase === rollout.phase && before.error === rollout.error) {
		return undefined;
	}

	const target = rollout.plan.keys[rollout.plan.target] ?? '';
	switch (rollout.phase) {
		case 'completed': {
			return {level: 'info', text: `Plan completed: ${rollout.reason ?? `${target} at its final weight`}.`};
		}

		case 'rolled-back': {
			return {level: 'warn', text: `Plan rolled back to the start split: ${rollout.reason ?? ''}`};
		}

		case 'paused': {
			return {level: rollout.failedGates === undefined && rollout.error === undefined ? 'info' : 'warn', text: `Plan paused: ${rollout.error ?? rollout.reason ?? ''}. Space resumes, r rolls back.`};
		}

		case 'rolling-back': {
			return {level: 'warn', text: `Plan rolling back: ${rollout.reason ?? ''}`};
		}

		case 'running': {
			return before?.phase === 'paused' ? {level: 'info', text: 'Plan resumed.'} : undefined;
		}
	}
}

function onFeed(state: AppState, action: Extract<Action, {type: 'feed'}>): AppState {
	const next: AppState = {
		...state,
		virtualServices: action.items ?? state.virtualServices,
		destinationRules: action.destinationRules ?? state.destinationRules,
		kubeStatus: action.status,
		kubeError: action.error,
	};
	if (action.items === undefined || state.vsName === undefined) {
		return next;
	}

	const before = currentVirtualService(state);
	const after = currentVirtualService(next);
	if (before !== undefined && after === undefined) {
		return {...next, staged: undefined, notice: {level: 'error', text: `VirtualService ${state.vsName} was deleted. Press / to pick another.`}};
	}

	const changedElsewhere = before !== undefined && after !== undefined
		&& before.metadata.resourceVersion !== after.metadata.resourceVersion
		&& !state.applying;
	if (!changedElsewhere) {
		return next;
	}

	const route = currentRoute(next);
	const weights = route === undefined ? '' : Object.entries(routeWeights(route)).map(([key, weight]) => `${key} ${weight}`).join(' / ');
	return {
		...next,
		notice: {
			level: state.staged === undefined ? 'info' : 'warn',
			text: state.staged === undefined
				? `${state.vsName} changed elsewhere: now ${weights}.`
				: `${state.vsName} changed elsewhere (now ${weights}): your staged change will be refused as a conflict; Esc and stage again.`,
		},
	};
}

function onShift(state: AppState, direction: 1 | -1): AppState {
	if (state.applying) {
		return state;
	}

	if (planActive(state)) {
		return {...state, notice: {level: 'info', text: 'A plan is driving the weights: Space pauses it, r rolls back, P promotes.'}};
	}

	const route = currentRoute(state);
	if (route === undefined) {
		return state;
	}

	if (!route.editable) {
		return {...state, notice: {level: 'warn', text: `Route ${route.name} is read-only: ${route.readOnlyReason ?? 'not a weighted http route'}.`}};
	}

	const keys = route.destinations.map(destination => destination.key);
	const current = stagedWeights(state, route);
	const shifted = shiftWeights(keys.map(key => current[key] ?? 0), selectedIndex(state), direction * state.step);
	const weights = Object.fromEntries(keys.map((key, index) => [key, shifted[index] ?? 0]));
	const configured = routeWeights(route);
	const unchanged = keys.every(key => weights[key] === configured[key]);
	return {
		...state,
		staged: unchanged
			? undefined
			: {route: routeKey(route), weights, resourceVersion: state.staged?.resourceVersion ?? currentVirtualService(state)?.metadata.resourceVersion},
		notice: unchanged ? undefined : {level: 'info', text: 'Staged. Enter to review and apply, Esc to discard.'},
	};
}
