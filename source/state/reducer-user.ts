/**
 * How the user's facts change the console: staging, the plan dialog and the rollout. Pure functions used by the
 * reducer; each returns a new state and never touches its input.
 */
import {shiftWeights} from '../domain/weights.js';
import {routeWeights} from '../domain/virtual-service.js';
import type {RolloutState} from '../domain/rollout.js';
import {rolloutActive, type AppState, type Notice} from './app-state.js';
import {initialPlanForm} from './plan-form.js';
import {currentRoute, currentVirtualService, routeKey, selectedIndex, stagedWeights} from './selectors.js';

/** ←/→: stage `step` points toward or away from the selected version (the others give or take in proportion). */
export function onWeightsStaged(state: AppState, direction: 1 | -1): AppState {
	if (state.applying) {
		return state;
	}

	if (rolloutActive(state)) {
		return {...state, notice: {level: 'info', text: 'A plan is driving the weights: Space pauses it, r rolls back, P promotes.'}};
	}

	const route = currentRoute(state);
	if (route === undefined) {
		return state;
	}

	if (!route.editable) {
		return {...state, notice: {level: 'warn', text: `Route ${route.name} is read-only: ${route.readOnlyReason ?? 'not a weighted http route'}.`}};
	}

	const selected = route.destinations[selectedIndex(state)];
	if (selected?.readOnly !== undefined) {
		return {...state, notice: {level: 'warn', text: `${selected.key} is read-only: its weight is kept as is; select a Service backend to shift.`}};
	}

	const keys = route.destinations.map(destination => destination.key);
	const current = stagedWeights(state, route);
	const fixed = route.destinations.map(destination => destination.readOnly !== undefined);
	const shifted = shiftWeights(keys.map(key => current[key] ?? 0), selectedIndex(state), direction * state.step, fixed);
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

/** p: open the plan dialog on the route on screen, unless a rollout already runs or the route is read-only. */
export function onPlanDialogOpened(state: AppState): AppState {
	const route = currentRoute(state);
	if (rolloutActive(state)) {
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


/** The notice a rollout state change deserves, if any (progress itself is shown by the rollout panel). */
export function rolloutNotice(state: AppState, rollout: RolloutState): Notice | undefined {
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


