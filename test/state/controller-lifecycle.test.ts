/** The controller owns its feeds, its timer and the rollout: start() once, stop() releases everything and waits for a write in flight. */
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {ConsoleController} from '../../source/state/controller.js';
import {createStore} from '../../source/state/store.js';
import {initialState} from '../../source/state/app-state.js';
import type {ConsoleServices, FeedUpdate} from '../../source/ports/console-services.js';
import type {WriteOutcome, WriteRequest} from '../../source/ports/split-writer.js';
import {initialPlanForm} from '../../source/state/plan-form.js';
import {currentRoute} from '../../source/state/selectors.js';
import {FakeConsoleServices, bookinfoObjects} from '../helpers/fake-console-services.js';
import {ManualClock} from '../helpers/manual-clock.js';

const connection = {contextName: 'ctx', namespace: 'bookinfo', user: 'u', server: 's'};

function world() {
	const {virtualServices, destinationRules} = bookinfoObjects();
	const fake = new FakeConsoleServices(virtualServices, destinationRules);
	let watches = 0;
	let unwatched = 0;
	const services: ConsoleServices = {
		watch(listener: (update: FeedUpdate) => void) {
			watches++;
			const stop = fake.watch(listener);
			return () => {
				unwatched++;
				stop();
			};
		},
		writer: fake.writer,
		fetchMetrics: async destinations => fake.fetchMetrics(destinations),
		fetchCounts: async (destinations, rangeMs) => fake.fetchCounts(destinations, rangeMs),
	};
	const clock = new ManualClock();
	const store = createStore(initialState({connection, vsName: 'reviews'}));
	const controller = new ConsoleController(store, services, {refreshMs: 1000, clock});
	return {fake, services, clock, store, controller, counts: () => ({watches, unwatched})};
}

describe('ConsoleController lifecycle', () => {
	it('start() twice starts one watch and one refresh timer', async () => {
		const {controller, clock, fake, counts} = world();
		controller.start();
		controller.start();
		assert.deepEqual(counts(), {watches: 1, unwatched: 0});
		assert.equal(clock.pending, 1);
		await new Promise(resolve => setImmediate(resolve));
		const before = fake.metricsCalls;
		clock.advanceTo(1000);
		await new Promise(resolve => setImmediate(resolve));
		assert.equal(fake.metricsCalls, before + 1, 'one refresh per period, not two');
		assert.equal(clock.pending, 1, 'the loop re-arms one timer');
		await controller.stop();
	});

	it('stop() ends the watch and the timer; a late metrics answer changes nothing', async () => {
		const {controller, clock, store, counts} = world();
		controller.start();
		const pendingRefresh = controller.refreshMetrics();
		await controller.stop();
		await pendingRefresh;
		assert.deepEqual(counts(), {watches: 1, unwatched: 1});
		assert.equal(clock.pending, 0);
		const state = store.getState();
		clock.advanceTo(10_000);
		await new Promise(resolve => setImmediate(resolve));
		assert.equal(store.getState(), state);
	});

	it('a refresh still unanswered when the next one is due turns the header stale with the wait, and the late answer makes it live again', async () => {
		const {controller, clock, store, services, fake} = world();
		controller.start();
		await new Promise(resolve => setImmediate(resolve));
		assert.equal(store.getState().metricsStatus, 'live', 'the first refresh answered');
		let answer: (() => void) | undefined;
		const held = new Promise<void>(resolve => {
			answer = resolve;
		});
		services.fetchMetrics = async destinations => {
			await held;
			return fake.fetchMetrics(destinations);
		};
		clock.advanceTo(1000);
		await new Promise(resolve => setImmediate(resolve));
		assert.equal(store.getState().metricsStatus, 'live', 'one refresh in flight is not late yet');
		clock.advanceTo(2000);
		clock.advanceTo(3000);
		await new Promise(resolve => setImmediate(resolve));
		assert.equal(store.getState().metricsStatus, 'stale');
		assert.equal(store.getState().metricsWaitingMs, 2000, 'waiting since the refresh at 1 s');
		answer!();
		await new Promise(resolve => setImmediate(resolve));
		assert.equal(store.getState().metricsStatus, 'live');
		assert.equal(store.getState().metricsWaitingMs, undefined);
		await controller.stop();
	});

	it('stop() waits for the rollout write in flight, so the split it leaves is written and recorded', async () => {
		const {controller, store, services, fake} = world();
		let release: (() => void) | undefined;
		const gate = new Promise<void>(resolve => {
			release = resolve;
		});
		const slow = services.writer;
		services.writer = {
			async write(request: WriteRequest): Promise<WriteOutcome> {
				await gate;
				return slow.write(request);
			},
		};
		controller.start();
		const route = currentRoute(store.getState())!;
		store.dispatch({type: 'planDialogOpened'});
		assert.deepEqual(store.getState().planForm, {...initialPlanForm(route, undefined), target: 'v2'});
		controller.startRollout();
		let stopped = false;
		const stopping = controller.stop().then(() => {
			stopped = true;
		});
		await new Promise(resolve => setImmediate(resolve));
		assert.equal(stopped, false, 'stop() is still waiting for the write');
		release!();
		await stopping;
		assert.equal(fake.recorded.length, 1, 'the step that was being written is in the trail');
		assert.equal(fake.recorded[0]!.note, 'plan step 1/4');
	});
});
