/** The chart's past: once per version set, before the first live sample, from the services' query_range. */
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {ConsoleController} from '../../source/state/controller.js';
import {createStore} from '../../source/state/store.js';
import {initialState} from '../../source/state/app-state.js';
import type {MetricsSnapshot} from '../../source/domain/metrics.js';
import type {Destination} from '../../source/domain/virtual-service.js';
import type {ConsoleServices} from '../../source/ports/console-services.js';
import {FakeConsoleServices, bookinfoObjects} from '../helpers/fake-console-services.js';
import {ManualClock} from '../helpers/manual-clock.js';

const connection = {contextName: 'ctx', namespace: 'bookinfo', user: 'u', server: 's'};

function world(historyMs: number) {
	const {virtualServices, destinationRules} = bookinfoObjects();
	const fake = new FakeConsoleServices(virtualServices, destinationRules);
	fake.now = () => 100_000;
	fake.metrics = {v1: {rps: 20, successRate: 1, p50Ms: 5, p99Ms: 20}};
	const asked: number[] = [];
	const past = (at: number): MetricsSnapshot => ({at, window: '4s', byVersion: {v1: {rps: 10, successRate: 1, p50Ms: 5, p99Ms: 20}}});
	const services: ConsoleServices = {
		watch: listener => fake.watch(listener),
		writer: fake.writer,
		fetchMetrics: async destinations => fake.fetchMetrics(destinations),
		fetchCounts: async (destinations, rangeMs) => fake.fetchCounts(destinations, rangeMs),
		async fetchMetricsHistory(_destinations: readonly Destination[], rangeMs: number) {
			asked.push(rangeMs);
			return [past(40_000), past(60_000), past(80_000)];
		},
	};
	const store = createStore(initialState({connection, vsName: 'reviews'}));
	const controller = new ConsoleController(store, services, {refreshMs: 1000, clock: new ManualClock(), historyMs});
	return {store, controller, asked};
}

async function settle(): Promise<void> {
	for (let index = 0; index < 5; index++) {
		await new Promise(resolve => setImmediate(resolve));
	}
}

describe('ConsoleController chart backfill', () => {
	it('fills the chart with the last --history before the first live sample, once', async () => {
		const {store, controller, asked} = world(300_000);
		controller.start();
		await settle();
		await controller.refreshMetrics();
		await settle();
		assert.deepEqual(asked, [300_000], 'one range query for the version set');
		assert.deepEqual(store.getState().chart.times, [40_000, 60_000, 80_000, 100_000], 'the past, then the live sample');
		assert.deepEqual(store.getState().chart.rps.series('v1'), [10, 10, 10, 20]);
		await controller.stop();
	});

	it('asks for nothing with --history 0', async () => {
		const {store, controller, asked} = world(0);
		controller.start();
		await settle();
		assert.deepEqual(asked, []);
		assert.deepEqual(store.getState().chart.times, [100_000]);
		await controller.stop();
	});
});
