/**
 * How facts from the world change the console: the VirtualService feed, write outcomes, metrics. Pure functions of the
 * state and one action, used by the reducer; each returns a new state and never touches its input.
 */
import type {MetricsSnapshot} from '../domain/metrics.js';
import {routeWeights, type VirtualService} from '../domain/virtual-service.js';
import {describeAddress, resolveRouteAddress, routeAddress} from '../domain/addressing.js';
import {parseDuration} from '../domain/duration.js';
import type {Action} from './actions.js';
import type {AppState} from './app-state.js';
import {currentRoute, currentVirtualService} from './selectors.js';

type ActionOf<T extends Action['type']> = Extract<Action, {type: T}>;

function withObject(state: AppState, vs: VirtualService | undefined): ReadonlyMap<string, VirtualService> {
	if (vs === undefined) {
		return state.virtualServices;
	}

	const virtualServices = new Map(state.virtualServices);
	virtualServices.set(routeAddress(vs), vs);
	return virtualServices;
}

/**
 * A bare name from the command line resolves once the feed is live (both kinds listed): the HTTPRoute when only it has
 * the name, the picker on both when both do, the VirtualService (or "not found") otherwise.
 */
function resolvePending(state: AppState, action: ActionOf<'feedUpdated'>): AppState | undefined {
	if (state.pendingAddress === undefined || action.items === undefined || action.status !== 'live') {
		return undefined;
	}

	const match = resolveRouteAddress(state.pendingAddress, action.items.keys());
	const settled: AppState = {...state, pendingAddress: undefined};
	if (match.kind === 'several') {
		return onFeedUpdated({...settled, vsName: undefined, overlay: 'picker', pickerQuery: state.pendingAddress, pickerSelected: 0}, action);
	}

	return onFeedUpdated(match.kind === 'one' ? {...settled, vsName: match.key} : settled, action);
}

/** The watch delivered objects or a status: note deletions and changes made elsewhere. */
export function onFeedUpdated(state: AppState, action: ActionOf<'feedUpdated'>): AppState {
	const resolved = resolvePending(state, action);
	if (resolved !== undefined) {
		return resolved;
	}

	const next: AppState = {
		...state,
		virtualServices: action.items ?? state.virtualServices,
		destinationRules: action.destinationRules ?? state.destinationRules,
		services: action.services ?? state.services,
		kubeStatus: action.status,
		kubeError: action.error,
		kubePendingSince: action.pendingSince,
	};
	if (action.items === undefined || state.vsName === undefined) {
		return next;
	}

	const before = currentVirtualService(state);
	const after = currentVirtualService(next);
	if (before !== undefined && after === undefined) {
		const dropped = state.staged === undefined ? '' : '; your staged change was discarded';
		return {...next, staged: undefined, overlay: state.overlay === 'confirm' ? 'none' : state.overlay, notice: {level: 'error', text: `${describeAddress(state.vsName)} was deleted${dropped}. Press / to pick another.`}};
	}

	// Back after a deletion, or deleted and recreated between two updates (a relist): a new object, whatever its name.
	// A change staged against the old one is meaningless (its resourceVersion and maybe its routes are gone): dropped.
	const recreated = before !== undefined && after !== undefined && before.metadata['uid'] !== after.metadata['uid'];
	if ((before === undefined && after !== undefined && state.virtualServices.size > 0) || recreated) {
		const dropped = recreated && state.staged !== undefined ? ': your staged change was discarded, stage it again' : '';
		return {
			...next,
			staged: recreated ? undefined : next.staged,
			overlay: recreated && state.overlay === 'confirm' ? 'none' : state.overlay,
			notice: {level: recreated && dropped !== '' ? 'warn' : 'info', text: `${describeAddress(state.vsName)} was ${recreated ? 'deleted and created again' : 'created'} (uid ${typeof after.metadata['uid'] === 'string' ? after.metadata['uid'] : '?'})${dropped}.`},
		};
	}

	// While our own write is in flight, its watch event is not "a change made elsewhere".
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

/**
 * The API server answered whether the user may patch the route object on screen: refused → read-only with the reason
 * (staged work dropped, mutating keys gone); allowed after a refusal (another object picked) → writable again.
 * An answer about an object no longer on screen, or for a console started with --read-only, changes nothing.
 */
export function onAccessReviewed(state: AppState, action: ActionOf<'accessReviewed'>): AppState {
	if (action.address !== state.vsName || (state.readOnly && state.readOnlyReason === undefined)) {
		return state;
	}

	if (action.allowed) {
		return state.readOnlyReason === undefined ? state : {...state, readOnly: false, readOnlyReason: undefined};
	}

	const reason = action.reason ?? 'the API server refuses writes to this route object';
	return {
		...state,
		readOnly: true,
		readOnlyReason: reason,
		staged: undefined,
		overlay: state.overlay === 'confirm' || state.overlay === 'plan' ? 'none' : state.overlay,
	};
}

/** A write was sent: the user's closes the diff and says so; the rollout's only marks our next watch event as ours. */
export function onWriteStarted(state: AppState, action: ActionOf<'writeStarted'>): AppState {
	return action.origin === 'rollout'
		? {...state, applying: true}
		: {...state, applying: true, overlay: 'none', notice: {level: 'info', text: 'Applying…'}};
}

/** A write was acknowledged: show the object it left; the user's writes go on (or, undone, come off) the undo history. */
export function onWriteSucceeded(state: AppState, action: ActionOf<'writeSucceeded'>): AppState {
	const next: AppState = {...state, virtualServices: withObject(state, action.vs), applying: false};
	if (action.origin === 'rollout') {
		return next;
	}

	const undo = action.origin === 'undo';
	const summary = Object.entries(action.change.after).map(([key, weight]) => `${key} ${weight}`).join(' / ');
	return {
		...next,
		history: undo ? state.history.slice(0, -1) : [...state.history, action.change],
		staged: undefined,
		notice: {level: 'info', text: `${undo ? 'Undone' : 'Applied'}: ${summary} (resourceVersion ${action.vs.metadata.resourceVersion ?? '?'})`},
	};
}

/** Someone else wrote first: show what won; a staged split computed from weights that no longer exist is dropped. */
export function onWriteConflicted(state: AppState, action: ActionOf<'writeConflicted'>): AppState {
	const next: AppState = {...state, virtualServices: withObject(state, action.current), applying: false};
	return action.origin === 'rollout' ? next : {...next, staged: undefined, notice: {level: 'error', text: action.message}};
}

/** A write failed otherwise: the staged change stays, so the user can retry. */
export function onWriteFailed(state: AppState, action: ActionOf<'writeFailed'>): AppState {
	return action.origin === 'rollout'
		? {...state, applying: false}
		: {...state, applying: false, notice: {level: 'error', text: action.message}};
}

/** Milliseconds between chart samples for a PromQL rate window like "4s" or "1m" (a little slack for refresh jitter). */
export function sampleSpacing(window: string): number {
	try {
		return parseDuration(window) * 0.9;
	} catch {
		return 0;
	}
}

/** New numbers for the table; the chart takes a sample at most once per rate window. */
export function onMetricsReceived(state: AppState, action: ActionOf<'metricsReceived'>): AppState {
	const next: AppState = {...state, metrics: action.snapshot, metricsStatus: 'live', metricsError: undefined, metricsWaitingMs: undefined};
	// A rate is an average over its window, so samples closer than a window apart repeat each other: the
	// chart takes one per window. It also keeps the screen still between columns, so a refresh redraws numbers only.
	if (state.lastSampleAt !== undefined && action.snapshot.at - state.lastSampleAt < sampleSpacing(action.snapshot.window)) {
		return next;
	}

	const route = currentRoute(state);
	const keys = route?.destinations.map(destination => destination.key) ?? [];
	const sample: Record<string, number | null> = {};
	for (const key of keys) {
		sample[key] = action.snapshot.byVersion[key]?.rps ?? 0;
	}

	const weights = Object.fromEntries((route?.destinations ?? []).map(destination => [destination.key, destination.weight]));
	return {
		...next,
		series: state.series.withSample(sample),
		chart: state.chart.withSample({at: action.snapshot.at, snapshot: action.snapshot, weights}, keys),
		lastSampleAt: action.snapshot.at,
	};
}

/**
 * The chart's past from Prometheus (query_range), taken only into a chart that has no live sample yet, so time runs
 * one way. The weights of that past are unknown here: no weight line or markers before the console opened.
 */
export function onChartBackfilled(state: AppState, snapshots: readonly MetricsSnapshot[]): AppState {
	const keys = currentRoute(state)?.destinations.map(destination => destination.key) ?? [];
	if (state.chart.times.length > 0 || snapshots.length === 0 || keys.length === 0) {
		return state;
	}

	let {chart, series} = state;
	for (const snapshot of snapshots) {
		chart = chart.withSample({at: snapshot.at, snapshot}, keys);
		series = series.withSample(Object.fromEntries(keys.map(key => [key, snapshot.byVersion[key]?.rps ?? 0])));
	}

	return {...state, chart, series, lastSampleAt: snapshots.at(-1)!.at};
}
