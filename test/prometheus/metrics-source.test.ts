import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import type {Destination} from '../../source/domain/virtual-service.js';
import type {PrometheusSample} from '../../source/prometheus/client.js';
import {fetchMetrics} from '../../source/prometheus/metrics-source.js';
import {metricQueries, oneQuery, partLabel} from '../../source/prometheus/queries.js';

function destination(key: string, service: string, version?: string): Destination {
	return {key, host: service, weight: 0, metric: version === undefined ? {service, namespace: 'bookinfo'} : {service, namespace: 'bookinfo', version}};
}

function series(service: string, version: string | undefined, value: number): PrometheusSample {
	return {metric: version === undefined ? {destination_service_name: service} : {destination_service_name: service, destination_version: version}, value};
}

/**
 * A fake Prometheus answering meshtop's one query per refresh (the four queries joined by oneQuery) with canned series,
 * each labelled with its part as Prometheus' label_replace would; records what was asked and when.
 */
function fakeClient(answers: {requests: PrometheusSample[]; successes: PrometheusSample[]; p50: PrometheusSample[]; p99: PrometheusSample[]}, destinations: readonly Destination[], window: string) {
	const expected = oneQuery(metricQueries(destinations, window));
	const asked: Array<{promql: string; time?: Date}> = [];
	return {
		asked,
		async query(promql: string, time?: Date): Promise<PrometheusSample[]> {
			asked.push({promql, time});
			assert.equal(promql, expected, 'the four queries in one');
			return Object.entries(answers).flatMap(([part, samples]) => samples.map(sample => ({...sample, metric: {...sample.metric, [partLabel]: part}})));
		},
	};
}

describe('fetchMetrics', () => {
	test('maps series to destinations by service and version', async () => {
		const destinations = [destination('v1', 'reviews', 'v1'), destination('v2', 'reviews', 'v2'), destination('v3', 'reviews', 'v3')];
		const client = fakeClient({
			requests: [series('reviews', 'v1', 8), series('reviews', 'v2', 2), series('ratings', 'v1', 99)],
			successes: [series('reviews', 'v1', 6), series('reviews', 'v2', 2)],
			p50: [series('reviews', 'v1', 12), series('reviews', 'v2', Number.NaN)],
			p99: [series('reviews', 'v1', 240), series('reviews', 'v2', 80)],
		}, destinations, '4s');
		const now = new Date(1_700_000_000_000);
		const snapshot = await fetchMetrics(client, destinations, '4s', now);
		assert.equal(snapshot.at, now.getTime());
		assert.equal(snapshot.window, '4s');
		assert.deepEqual(snapshot.byVersion, {
			v1: {rps: 8, successRate: 0.75, p50Ms: 12, p99Ms: 240},
			v2: {rps: 2, successRate: 1, p50Ms: null, p99Ms: 80},
			v3: {rps: 0, successRate: null, p50Ms: null, p99Ms: null},
		});
		assert.equal(client.asked.length, 1, 'one request per refresh');
		assert.equal(client.asked[0]?.time, now, 'evaluated at the refresh\'s instant');
	});

	test('a version that only fails has success rate 0 (no non-5xx series)', async () => {
		const destinations = [destination('v3', 'reviews', 'v3')];
		const client = fakeClient({requests: [series('reviews', 'v3', 4)], successes: [], p50: [], p99: []}, destinations, '4s');
		const snapshot = await fetchMetrics(client, destinations, '4s');
		assert.equal(snapshot.byVersion['v3']?.successRate, 0);
	});

	test('host-per-version destinations (no version) sum over the versions of their service', async () => {
		const destinations = [destination('reviews-v1', 'reviews-v1'), destination('reviews-v2', 'reviews-v2')];
		const client = fakeClient({
			requests: [series('reviews-v1', 'v1', 3), series('reviews-v1', 'canary', 1), series('reviews-v2', undefined, 5)],
			successes: [series('reviews-v1', 'v1', 3), series('reviews-v1', 'canary', 0), series('reviews-v2', undefined, 5)],
			p50: [series('reviews-v1', 'v1', 10), series('reviews-v1', 'canary', 30)],
			p99: [series('reviews-v1', 'v1', 100), series('reviews-v1', 'canary', 300), series('reviews-v2', undefined, 50)],
		}, destinations, '1m');
		const snapshot = await fetchMetrics(client, destinations, '1m');
		assert.deepEqual(snapshot.byVersion['reviews-v1'], {rps: 4, successRate: 0.75, p50Ms: 30, p99Ms: 300});
		assert.deepEqual(snapshot.byVersion['reviews-v2'], {rps: 5, successRate: 1, p50Ms: null, p99Ms: 50});
	});

	test('no destinations: no queries', async () => {
		let calls = 0;
		const snapshot = await fetchMetrics({
			async query() {
				calls++;
				return [];
			},
		}, [], '4s');
		assert.deepEqual(snapshot.byVersion, {});
		assert.equal(calls, 0);
	});
});
