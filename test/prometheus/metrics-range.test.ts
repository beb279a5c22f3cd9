import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import type {Destination} from '../../source/domain/virtual-service.js';
import type {WeightChange} from '../../source/domain/weight-change.js';
import type {PrometheusRangeSeries} from '../../source/prometheus/client.js';
import {fetchMetricsRange} from '../../source/prometheus/metrics-source.js';
import {metricQueries} from '../../source/prometheus/queries.js';
import {weightsAt} from '../../source/commands/status-chart.js';

function destination(key: string): Destination {
	return {key, host: 'reviews', weight: 0, metric: {service: 'reviews', namespace: 'bookinfo', version: key}};
}

function series(version: string, points: Array<[number, number]>): PrometheusRangeSeries {
	return {metric: {destination_service_name: 'reviews', destination_version: version}, points};
}

describe('fetchMetricsRange (query_range backfill)', () => {
	test('four range queries, a snapshot per step with each version mapped as an instant query would be', async () => {
		const destinations = [destination('v1'), destination('v3')];
		const queries = metricQueries(destinations, '4s');
		const answers: Record<keyof typeof queries, PrometheusRangeSeries[]> = {
			requests: [series('v1', [[1000, 10], [5000, 5]]), series('v3', [[5000, 5]])],
			successes: [series('v1', [[1000, 10], [5000, 5]]), series('v3', [[5000, 4]])],
			p50: [series('v1', [[1000, 3], [5000, 3]]), series('v3', [[5000, 8]])],
			p99: [series('v1', [[1000, 20], [5000, 21]]), series('v3', [[5000, 90]])],
		};
		const asked: Array<{promql: string; step: number}> = [];
		const client = {
			async queryRange(promql: string, _start: Date, _end: Date, step: number) {
				asked.push({promql, step});
				const which = (Object.keys(queries) as Array<keyof typeof queries>).find(key => queries[key] === promql);
				assert.ok(which, `unexpected query ${promql}`);
				return answers[which];
			},
		};
		const snapshots = await fetchMetricsRange(client, destinations, '4s', {start: new Date(0), end: new Date(5000), stepSeconds: 4});
		assert.equal(asked.length, 4);
		assert.ok(asked.every(query => query.step === 4));
		assert.deepEqual(snapshots.map(snapshot => snapshot.at), [1000, 5000]);
		assert.deepEqual(snapshots[0]!.byVersion, {
			v1: {rps: 10, successRate: 1, p50Ms: 3, p99Ms: 20},
			v3: {rps: 0, successRate: null, p50Ms: null, p99Ms: null},
		});
		assert.deepEqual(snapshots[1]!.byVersion['v3'], {rps: 5, successRate: 0.8, p50Ms: 8, p99Ms: 90});
	});
});

describe('weightsAt (status --chart: the configured weights from the trail)', () => {
	const change = (time: string, before: Record<string, number>, after: Record<string, number>) => ({time, before, after}) as unknown as WeightChange;
	const changes = [change('2026-12-02T07:00:00Z', {v1: 100, v3: 0}, {v1: 80, v3: 20}), change('2026-12-02T07:10:00Z', {v1: 80, v3: 20}, {v1: 50, v3: 50})];
	const current = {v1: 50, v3: 50};

	test('before the first change: its before; between changes: the last after; with no changes: the current split', () => {
		assert.deepEqual(weightsAt(Date.parse('2026-12-02T06:59:00Z'), changes, current), {v1: 100, v3: 0});
		assert.deepEqual(weightsAt(Date.parse('2026-12-02T07:05:00Z'), changes, current), {v1: 80, v3: 20});
		assert.deepEqual(weightsAt(Date.parse('2026-12-02T07:11:00Z'), changes, current), {v1: 50, v3: 50});
		assert.deepEqual(weightsAt(0, [], current), current);
	});
});
