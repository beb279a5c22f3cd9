import {routesOf, routeWeights, validateVirtualService, type Destination, type Route, type VirtualService} from '../domain/virtual-service.js';
import type {AppState} from './app-state.js';

/** Identifies a route across re-reads of its VirtualService. */
export function routeKey(route: Pick<Route, 'kind' | 'index'>): string {
	return `${route.kind}[${route.index}]`;
}

/** The VirtualService on screen, if it exists. */
export function currentVirtualService(state: Pick<AppState, 'vsName' | 'virtualServices'>): VirtualService | undefined {
	return state.vsName === undefined ? undefined : state.virtualServices.get(state.vsName);
}

// Parsing a VirtualService is cheap but runs on every render and keypress: reuse the result while
// neither the object nor the DestinationRules changed (both are replaced, never mutated, on change).
const routeCache = new WeakMap<VirtualService, {rules: unknown; services: unknown; routes: Route[]}>();
const problemCache = new WeakMap<VirtualService, readonly string[]>();

/** Why the VirtualService on screen cannot be used (malformed spec), or an empty list. */
export function virtualServiceProblems(state: Pick<AppState, 'vsName' | 'virtualServices'>): readonly string[] {
	const vs = currentVirtualService(state);
	if (vs === undefined) {
		return [];
	}

	let problems = problemCache.get(vs);
	if (problems === undefined) {
		const result = validateVirtualService(vs);
		problems = result.ok ? [] : result.errors;
		problemCache.set(vs, problems);
	}

	return problems;
}

const versionOrder = new Intl.Collator('en', {numeric: true});

/** Rows stay in one order whatever a write does to the route's list (an added destination goes last there): by name, v2 before v10. */
function byVersionName(a: Destination, b: Destination): number {
	return versionOrder.compare(a.key, b.key);
}

/** Every route of the VirtualService on screen (empty when there is none), versions sorted by name. */
export function currentRoutes(state: Pick<AppState, 'vsName' | 'virtualServices' | 'destinationRules' | 'services'>): Route[] {
	const vs = currentVirtualService(state);
	// A malformed object has no routes meshtop could reason about, let alone write: it is shown with its problems.
	if (vs === undefined || virtualServiceProblems(state).length > 0) {
		return [];
	}

	const cached = routeCache.get(vs);
	if (cached?.rules === state.destinationRules && cached.services === state.services) {
		return cached.routes;
	}

	const routes = routesOf(vs, state.destinationRules, state.services).map(route => ({...route, destinations: [...route.destinations].sort(byVersionName)}));
	routeCache.set(vs, {rules: state.destinationRules, services: state.services, routes});
	return routes;
}

/** The route on screen: the chosen one, else the first editable one, else the first. */
export function currentRoute(state: Pick<AppState, 'vsName' | 'virtualServices' | 'destinationRules' | 'services' | 'routeKey'>): Route | undefined {
	const routes = currentRoutes(state);
	return routes.find(route => routeKey(route) === state.routeKey)
		?? routes.find(route => route.name === state.routeKey)
		?? routes.find(route => route.editable)
		?? routes[0];
}

/** Weights to show as "staged": the staged change for this route, else the configured ones. */
export function stagedWeights(state: Pick<AppState, 'staged'>, route: Route): Record<string, number> {
	if (state.staged?.route === routeKey(route)) {
		return state.staged.weights;
	}

	return routeWeights(route);
}

/** Row index of the selected version in the route on screen (the first row when none or gone). */
export function selectedIndex(state: Pick<AppState, 'vsName' | 'virtualServices' | 'destinationRules' | 'services' | 'routeKey' | 'selectedKey'>): number {
	const index = currentRoute(state)?.destinations.findIndex(destination => destination.key === state.selectedKey) ?? -1;
	return Math.max(index, 0);
}

/** VirtualService names matching the picker query (case-insensitive substring), sorted. */
export function pickerMatches(state: Pick<AppState, 'virtualServices' | 'pickerQuery'>): string[] {
	const query = state.pickerQuery.toLowerCase();
	const names: string[] = [];
	for (const name of state.virtualServices.keys()) {
		if (name.toLowerCase().includes(query)) {
			names.push(name);
		}
	}

	return names.sort();
}
