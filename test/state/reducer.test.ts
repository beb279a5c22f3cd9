/**
 * The reducer as a table: for each action, a state before, the action, and what the state after must hold.
 * Every input (state and action) is deep-frozen first, so a reducer that modifies what it is given throws here.
 */
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {reducer} from '../../source/state/reducer.js';
import {initialState, type AppState} from '../../source/state/app-state.js';
import type {Action} from '../../source/state/actions.js';
import type {VirtualService} from '../../source/domain/virtual-service.js';
import type {WeightChange} from '../../source/domain/weight-change.js';
import type {MetricsSnapshot} from '../../source/domain/metrics.js';
import {createRollout, createPlan} from '../../source/domain/rollout.js';
import {bookinfoObjects} from '../helpers/fake-console-services.js';

/** Freezes a value and everything reachable from it; Maps and Sets refuse changes too. */
function deepFreeze<T>(value: T, seen = new Set<unknown>()): T {
	if (typeof value !== 'object' || value === null || seen.has(value) || Object.isFrozen(value)) {
		return value;
	}

	seen.add(value);
	if (value instanceof Map || value instanceof Set) {
		for (const method of ['set', 'add', 'delete', 'clear']) {
			Object.defineProperty(value, method, {value: () => {
				throw new TypeError(`${method} on a frozen ${value.constructor.name}`);
			}});
		}

		for (const entry of value instanceof Map ? [...value.keys(), ...value.values()] : [...value]) {
			deepFreeze(entry, seen);
		}
	}

	for (const key of Reflect.ownKeys(value)) {
		deepFreeze((value as Record<string | symbol, unknown>)[key], seen);
	}

	return Object.freeze(value);
}

const connection = {contextName: 'ctx', namespace: 'bookinfo', user: 'tester', server: 'https://example.invalid'};
const {virtualServices, destinationRules} = bookinfoObjects();
const items = new Map(virtualServices.map(vs => [vs.metadata.name, vs]));
const reviews = items.get('reviews')!;

/** reviews on screen, watch live, v3 selected. */
function loaded(overrides: Partial<AppState> = {}): AppState {
	const state = reducer(initialState({connection, vsName: 'reviews'}), {type: 'feedUpdated', items, destinationRules, status: 'live'});
	return {...state, selectedKey: 'v3', ...overrides};
}

const staged = {route: 'http[0]', weights: {v1: 90, v2: 0, v3: 10}, resourceVersion: reviews.metadata.resourceVersion};
const written: VirtualService = {...reviews, metadata: {...reviews.metadata, resourceVersion: '200'}};
const change: WeightChange = {
	time: '2025-01-01T00:00:00.000Z', user: 'tester', context: 'ctx', namespace: 'bookinfo', vs: 'reviews', route: 'http[0]',
	before: {v1: 100, v2: 0, v3: 0}, after: {v1: 90, v2: 0, v3: 10}, resourceVersionBefore: '101', resourceVersionAfter: '200', source: 'console',
};
const snapshot = (at: number): MetricsSnapshot => ({at, window: '4s', byVersion: {v1: {rps: 9, successRate: 1, p50Ms: 3, p99Ms: 20}, v3: {rps: 1, successRate: 1, p50Ms: 4, p99Ms: 30}}});
const plan = createPlan({keys: ['v1', 'v2', 'v3'], weights: [100, 0, 0], target: 'v3', steps: [50, 100], intervalMs: 1000, gates: [], onFail: 'pause'});

interface Row {
	name: string;
	before: AppState;
	action: Action;
	/** Checks the state after; `before` is the (frozen) state before. */
	expect(after: AppState, before: AppState): void;
}

const rows: Row[] = [
	{name: 'connected sets where the console is', before: loaded(), action: {type: 'connected', connection: {...connection, contextName: 'prod'}}, expect: after => assert.equal(after.connection.contextName, 'prod')},
	{name: 'feedUpdated with a new object of another writer says it changed elsewhere', before: loaded(), action: {type: 'feedUpdated', items: new Map(items).set('reviews', written), status: 'live'}, expect(after) {
		assert.equal(after.virtualServices.get('reviews'), written);
		assert.match(after.notice?.text ?? '', /^reviews changed elsewhere: now v1 100 \/ v2 0 \/ v3 0\.$/);
	}},
	{name: 'feedUpdated without reviews drops the staged change and says it was deleted', before: loaded({staged}), action: {type: 'feedUpdated', items: new Map(), status: 'live'}, expect(after) {
		assert.equal(after.staged, undefined);
		assert.equal(after.notice?.level, 'error');
	}},
	{name: 'feedUpdated with reviews deleted and recreated (a new uid) drops the staged change and says so', before: loaded({staged, overlay: 'confirm'}), action: {type: 'feedUpdated', items: new Map(items).set('reviews', {...written, metadata: {...written.metadata, uid: 'uid-new'}}), status: 'live'}, expect(after) {
		assert.equal(after.staged, undefined);
		assert.equal(after.overlay, 'none');
		assert.deepEqual(after.notice, {level: 'warn', text: 'VirtualService reviews was deleted and created again (uid uid-new): your staged change was discarded, stage it again.'});
	}},
	{name: 'feedUpdated with reviews back after a deletion says it was created', before: loaded({virtualServices: new Map([...items].filter(([name]) => name !== 'reviews'))}), action: {type: 'feedUpdated', items, status: 'live'}, expect(after) {
		assert.equal(after.virtualServices.get('reviews'), reviews);
		assert.deepEqual(after.notice, {level: 'info', text: 'VirtualService reviews was created (uid uid-1).'});
	}},
	{name: 'accessReviewed refused makes the console read-only with the reason and drops staged work', before: loaded({staged, overlay: 'confirm'}), action: {type: 'accessReviewed', address: 'reviews', allowed: false, reason: 'user viewer cannot patch virtualservices/reviews in bookinfo'}, expect(after) {
		assert.equal(after.readOnly, true);
		assert.equal(after.readOnlyReason, 'user viewer cannot patch virtualservices/reviews in bookinfo');
		assert.equal(after.staged, undefined);
		assert.equal(after.overlay, 'none');
	}},
	{name: 'accessReviewed allowed after a refusal makes the console writable again', before: loaded({readOnly: true, readOnlyReason: 'refused'}), action: {type: 'accessReviewed', address: 'reviews', allowed: true}, expect(after) {
		assert.equal(after.readOnly, false);
		assert.equal(after.readOnlyReason, undefined);
	}},
	{name: 'accessReviewed about another object than the one on screen changes nothing', before: loaded(), action: {type: 'accessReviewed', address: 'ratings', allowed: false, reason: 'no'}, expect: (after, before) => assert.equal(after, before)},
	{name: 'accessReviewed with --read-only changes nothing (the user chose it)', before: loaded({readOnly: true}), action: {type: 'accessReviewed', address: 'reviews', allowed: true}, expect: (after, before) => assert.equal(after, before)},
	{name: 'feedUpdated with a status only keeps the objects', before: loaded(), action: {type: 'feedUpdated', status: 'reconnecting', error: 'watch dropped'}, expect(after, before) {
		assert.equal(after.virtualServices, before.virtualServices);
		assert.equal(after.kubeStatus, 'reconnecting');
		assert.equal(after.kubeError, 'watch dropped');
	}},
	{name: 'selectionMoved wraps around the rows', before: loaded(), action: {type: 'selectionMoved', delta: 1}, expect: after => assert.equal(after.selectedKey, 'v1')},
	{name: 'weightsStaged moves `step` points to the selected version', before: loaded(), action: {type: 'weightsStaged', direction: 1}, expect(after) {
		assert.deepEqual(after.staged?.weights, {v1: 90, v2: 0, v3: 10});
		assert.equal(after.staged?.resourceVersion, reviews.metadata.resourceVersion);
	}},
	{name: 'weightsStaged back to the configured split unstages', before: loaded({staged}), action: {type: 'weightsStaged', direction: -1}, expect: after => assert.equal(after.staged, undefined)},
	{name: 'weightsStaged while a rollout runs stages nothing and says why', before: loaded({rollout: createRollout(plan, 0)}), action: {type: 'weightsStaged', direction: 1}, expect(after) {
		assert.equal(after.staged, undefined);
		assert.match(after.notice?.text ?? '', /A plan is driving the weights/);
	}},
	{name: 'chartBackfilled fills an empty chart with the past, weights unknown, and sets the sampling clock', before: loaded(), action: {type: 'chartBackfilled', snapshots: [snapshot(1000), snapshot(5000)]}, expect(after) {
		assert.deepEqual(after.chart.times, [1000, 5000]);
		assert.deepEqual(after.chart.rps.series('v1'), [9, 9]);
		assert.deepEqual(after.chart.weight.series('v1'), [null, null], 'the past weights are not known to the console');
		assert.deepEqual(after.series.series('v1'), [9, 9]);
		assert.equal(after.lastSampleAt, 5000);
	}},
	{name: 'chartBackfilled after a live sample changes nothing (time runs one way)', before: reducer(loaded(), {type: 'metricsReceived', snapshot: snapshot(10_000)}), action: {type: 'chartBackfilled', snapshots: [snapshot(1000)]}, expect: (after, before) => assert.equal(after, before)},
	{name: 'chartModeCycled goes rps → share', before: loaded(), action: {type: 'chartModeCycled'}, expect: after => assert.equal(after.chartMode, 'share')},
	{name: 'chartModeCycled wraps p99 → rps', before: {...loaded(), chartMode: 'p99'}, action: {type: 'chartModeCycled'}, expect: after => assert.equal(after.chartMode, 'rps')},
	{name: 'stepChanged cycles 10 → 25', before: loaded(), action: {type: 'stepChanged', direction: 1}, expect: after => assert.equal(after.step, 25)},
	{name: 'reviewOpened with a staged change opens the diff', before: loaded({staged}), action: {type: 'reviewOpened'}, expect: after => assert.equal(after.overlay, 'confirm')},
	{name: 'reviewOpened with nothing staged says so', before: loaded(), action: {type: 'reviewOpened'}, expect(after) {
		assert.equal(after.overlay, 'none');
		assert.match(after.notice?.text ?? '', /Nothing staged/);
	}},
	{name: 'dismissed closes an overlay first', before: loaded({staged, overlay: 'confirm'}), action: {type: 'dismissed'}, expect(after) {
		assert.equal(after.overlay, 'none');
		assert.deepEqual(after.staged, staged);
	}},
	{name: 'dismissed then drops the staged change', before: loaded({staged}), action: {type: 'dismissed'}, expect: after => assert.equal(after.staged, undefined)},
	{name: 'dismissed keeps the picker when nothing was picked yet', before: {...initialState({connection})}, action: {type: 'dismissed'}, expect: (after, before) => assert.equal(after, before)},
	{name: 'writeStarted by the user closes the diff and says Applying…', before: loaded({staged, overlay: 'confirm'}), action: {type: 'writeStarted', origin: 'apply'}, expect(after) {
		assert.equal(after.applying, true);
		assert.equal(after.overlay, 'none');
		assert.equal(after.notice?.text, 'Applying…');
	}},
	{name: 'writeStarted by the rollout only marks the write as ours', before: loaded({overlay: 'help'}), action: {type: 'writeStarted', origin: 'rollout'}, expect(after, before) {
		assert.equal(after.applying, true);
		assert.equal(after.overlay, 'help');
		assert.equal(after.notice, before.notice);
	}},
	{name: 'writeSucceeded of an apply shows the object, pushes the change for u, clears the staged change', before: loaded({staged, applying: true}), action: {type: 'writeSucceeded', origin: 'apply', vs: written, change}, expect(after) {
		assert.equal(after.virtualServices.get('reviews'), written);
		assert.deepEqual(after.history, [change]);
		assert.equal(after.staged, undefined);
		assert.equal(after.applying, false);
		assert.equal(after.notice?.text, 'Applied: v1 90 / v2 0 / v3 10 (resourceVersion 200)');
	}},
	{name: 'writeSucceeded of an undo pops the change it reverted', before: loaded({history: [change], applying: true}), action: {type: 'writeSucceeded', origin: 'undo', vs: written, change: {...change, after: change.before}}, expect(after) {
		assert.deepEqual(after.history, []);
		assert.match(after.notice?.text ?? '', /^Undone: v1 100 \/ v2 0 \/ v3 0/);
	}},
	{name: 'writeSucceeded of a rollout step leaves the undo history and the notice alone', before: loaded({applying: true}), action: {type: 'writeSucceeded', origin: 'rollout', vs: written, change}, expect(after, before) {
		assert.deepEqual(after.history, []);
		assert.equal(after.notice, before.notice);
		assert.equal(after.virtualServices.get('reviews'), written);
	}},
	{name: 'writeConflicted shows what won and drops the staged change', before: loaded({staged, applying: true}), action: {type: 'writeConflicted', origin: 'apply', message: 'Conflict: …', current: written}, expect(after) {
		assert.equal(after.virtualServices.get('reviews'), written);
		assert.equal(after.staged, undefined);
		assert.deepEqual(after.notice, {level: 'error', text: 'Conflict: …'});
	}},
	{name: 'writeFailed keeps the staged change so the user can retry', before: loaded({staged, applying: true}), action: {type: 'writeFailed', origin: 'apply', message: 'Write failed, nothing changed: forbidden'}, expect(after) {
		assert.deepEqual(after.staged, staged);
		assert.equal(after.applying, false);
		assert.equal(after.notice?.level, 'error');
	}},
	{name: 'metricsReceived takes a chart sample and a new series value', before: loaded(), action: {type: 'metricsReceived', snapshot: snapshot(10_000)}, expect(after, before) {
		assert.notEqual(after.series, before.series);
		assert.deepEqual(after.series.series('v1'), [9]);
		assert.deepEqual(before.series.series('v1'), [], 'the state before still holds the old history');
		assert.equal(after.metricsStatus, 'live');
		assert.deepEqual(after.chart.rps.series('v1'), [9]);
		assert.deepEqual(after.chart.times, [10_000]);
		assert.equal(after.chart.weight.series('v1').length, 1, 'the configured weight is sampled with the metrics');
		assert.equal(before.chart.times.length, 0);
	}},
	{name: 'metricsReceived within one rate window updates numbers, not the chart', before: {...loaded(), lastSampleAt: 9000}, action: {type: 'metricsReceived', snapshot: snapshot(10_000)}, expect(after, before) {
		assert.equal(after.series, before.series);
		assert.equal(after.metrics?.at, 10_000);
	}},
	{name: 'metricsFailed after data marks it stale', before: loaded({metrics: snapshot(1)}), action: {type: 'metricsFailed', error: 'timeout'}, expect(after) {
		assert.equal(after.metricsStatus, 'stale');
		assert.equal(after.metricsError, 'timeout');
	}},
	{name: 'metricsOverdue marks live numbers stale and says how long the answer has been awaited; the next answer clears it', before: loaded({metrics: snapshot(1), metricsStatus: 'live'}), action: {type: 'metricsOverdue', waitingMs: 2000}, expect(after) {
		assert.equal(after.metricsStatus, 'stale');
		assert.equal(after.metricsWaitingMs, 2000);
		const answered = reducer(after, {type: 'metricsReceived', snapshot: snapshot(5000)});
		assert.equal(answered.metricsStatus, 'live');
		assert.equal(answered.metricsWaitingMs, undefined);
	}},
	{name: 'prometheusChanged sets the label and a non-live status', before: loaded(), action: {type: 'prometheusChanged', label: 'port-forward x', status: 'reconnecting'}, expect(after) {
		assert.equal(after.prometheusLabel, 'port-forward x');
		assert.equal(after.metricsStatus, 'reconnecting');
	}},
	{name: 'routeCycled on a single route says so', before: loaded(), action: {type: 'routeCycled'}, expect: after => assert.match(after.notice?.text ?? '', /single route/)},
	{name: 'overlayChanged to the picker clears its query', before: loaded({pickerQuery: 'rev'}), action: {type: 'overlayChanged', overlay: 'picker'}, expect(after) {
		assert.equal(after.overlay, 'picker');
		assert.equal(after.pickerQuery, '');
	}},
	{name: 'pickerQueryChanged resets the selection', before: loaded({pickerSelected: 2}), action: {type: 'pickerQueryChanged', query: 'ra'}, expect(after) {
		assert.equal(after.pickerQuery, 'ra');
		assert.equal(after.pickerSelected, 0);
	}},
	{name: 'pickerMoved stays within the matches', before: loaded({pickerSelected: 3}), action: {type: 'pickerMoved', delta: 5}, expect: after => assert.equal(after.pickerSelected, 3)},
	{name: 'virtualServicePicked starts over on another object with an empty chart', before: {...loaded({history: [change], staged}), series: loaded().series.withSample({v1: 1})}, action: {type: 'virtualServicePicked', name: 'ratings'}, expect(after, before) {
		assert.equal(after.vsName, 'ratings');
		assert.deepEqual(after.history, []);
		assert.equal(after.staged, undefined);
		assert.equal(after.series.length, 0);
		assert.equal(before.series.length, 1);
	}},
	{name: 'noticeShown replaces the notice', before: loaded(), action: {type: 'noticeShown', notice: {level: 'warn', text: 'x'}}, expect: after => assert.deepEqual(after.notice, {level: 'warn', text: 'x'})},
	{name: 'planDialogOpened opens the dialog toward the selected version', before: loaded(), action: {type: 'planDialogOpened'}, expect(after) {
		assert.equal(after.overlay, 'plan');
		assert.equal(after.planForm?.target, 'v3');
	}},
	{name: 'planEdited types into the focused text field', before: loaded({planForm: {field: 1, target: 'v3', steps: '10', every: '30s', gates: '', onFail: 'pause', rollback: 'immediate'}}), action: {type: 'planEdited', edit: {kind: 'type', text: '0'}}, expect: after => assert.equal(after.planForm?.steps, '100')},
	{name: 'planRejected shows the error in the dialog', before: loaded({planForm: {field: 0, target: 'v3', steps: '', every: '30s', gates: '', onFail: 'pause', rollback: 'immediate'}}), action: {type: 'planRejected', error: 'no steps'}, expect: after => assert.equal(after.planForm?.error, 'no steps')},
	{name: 'rolloutStarted closes the dialog and keeps the rollback mode', before: loaded({overlay: 'plan', staged}), action: {type: 'rolloutStarted', rollback: 'gradual'}, expect(after) {
		assert.equal(after.overlay, 'none');
		assert.equal(after.staged, undefined);
		assert.equal(after.rollbackMode, 'gradual');
	}},
	{name: 'rolloutUpdated to paused says why', before: loaded({rollout: createRollout(plan, 0)}), action: {type: 'rolloutUpdated', rollout: {...createRollout(plan, 0), phase: 'paused', reason: 'paused by the user'}}, expect: after => assert.match(after.notice?.text ?? '', /^Plan paused: paused by the user\./)},
];

describe('reducer: one row per fact, inputs frozen', () => {
	for (const row of rows) {
		it(row.name, () => {
			const before = deepFreeze(row.before);
			const after = reducer(before, deepFreeze(row.action));
			row.expect(after, before);
		});
	}

	it('every action of the vocabulary has a row', () => {
		const covered = new Set(rows.map(row => row.action.type));
		const vocabulary: Array<Action['type']> = [
			'connected', 'feedUpdated', 'selectionMoved', 'weightsStaged', 'stepChanged', 'chartModeCycled', 'chartBackfilled', 'reviewOpened', 'dismissed', 'writeStarted',
			'writeSucceeded', 'writeConflicted', 'writeFailed', 'metricsReceived', 'metricsFailed', 'metricsOverdue', 'prometheusChanged', 'routeCycled',
			'overlayChanged', 'pickerQueryChanged', 'pickerMoved', 'virtualServicePicked', 'noticeShown', 'planDialogOpened',
			'planEdited', 'planRejected', 'rolloutStarted', 'rolloutUpdated',
		];
		assert.deepEqual(vocabulary.filter(type => !covered.has(type)), []);
	});

	it('a fact that changes nothing returns the very same state, so the store skips a render', () => {
		const state = deepFreeze(loaded());
		assert.equal(reducer(state, {type: 'dismissed'}), state);
	});
});
