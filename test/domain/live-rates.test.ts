import {describe, test} from 'node:test';
import assert from 'node:assert/strict';
import v8 from 'node:v8';
import vm from 'node:vm';
import fc from 'fast-check';
import {parseEnvoyStats, seriesKey, type PodCounters, type SeriesCounters} from '../../source/domain/envoy-stats.js';
import {counterDelta, histogramQuantile, liveFigures, type LivePoll} from '../../source/domain/live-rates.js';
import {liveLabel, mergeLive} from '../../source/domain/live-merge.js';
import type {Destination} from '../../source/domain/virtual-service.js';

const v1: Destination = {key: 'v1', host: 'reviews', subset: 'v1', weight: 50, metric: {service: 'reviews', version: 'v1'}};
const v3: Destination = {key: 'v3', host: 'reviews', subset: 'v3', weight: 50, metric: {service: 'reviews', version: 'v3'}};
const wholeService: Destination = {key: 'reviews-v3', host: 'reviews-v3', weight: 100, metric: {service: 'reviews-v3'}};

/** A pod's counters for one series: `requests` of which `errors` failed, all observed in the 10 ms bucket. */
function counters(requests: number, errors = 0, key = seriesKey('reviews', 'v3')): PodCounters {
	const buckets = new Map([[5, 0], [10, requests], [25, requests], [Number.POSITIVE_INFINITY, requests]]);
	return new Map([[key, {requests, successes: requests - errors, buckets}]]);
}

function poll(at: number, pods: Record<string, PodCounters>): LivePoll {
	return {at, pods: new Map(Object.entries(pods))};
}

describe('parseEnvoyStats', () => {
	const text = [
		'# TYPE istio_requests_total counter',
		'istio_requests_total{reporter="destination",destination_service_name="reviews",destination_version="v3",response_code="200"} 90',
		'istio_requests_total{reporter="destination",destination_service_name="reviews",destination_version="v3",response_code="503"} 10',
		// The source reports of the pod's outgoing calls are not the version's traffic.
		'istio_requests_total{reporter="source",destination_service_name="ratings",destination_version="v1",response_code="200"} 70',
		String.raw`istio_requests_total{reporter="destination",destination_service_name="reviews",destination_version="v3",response_code="404",source_principal="a\"b,c\\d"} 5 1700000000000`,
		'istio_request_duration_milliseconds_bucket{reporter="destination",destination_service_name="reviews",destination_version="v3",le="10"} 60',
		'istio_request_duration_milliseconds_bucket{reporter="destination",destination_service_name="reviews",destination_version="v3",le="+Inf"} 105',
		'istio_request_duration_milliseconds_sum{reporter="destination",destination_service_name="reviews",destination_version="v3"} 999',
		'envoy_cluster_upstream_rq_total{cluster_name="x"} 12345',
		'',
	].join('\n');

	test('sums the reporter\'s requests per (service, version); 5xx are not successes; escaped label values; timestamps ignored', () => {
		const parsed = parseEnvoyStats(text, 'destination');
		assert.deepEqual([...parsed.keys()], [seriesKey('reviews', 'v3')]);
		const series = parsed.get(seriesKey('reviews', 'v3'))!;
		assert.equal(series.requests, 105);
		assert.equal(series.successes, 95);
		assert.deepEqual([...series.buckets], [[10, 60], [Number.POSITIVE_INFINITY, 105]]);
	});

	test('another reporter reads only its own lines (ambient waypoints)', () => {
		assert.equal(parseEnvoyStats(text, 'waypoint').size, 0);
		const waypoint = parseEnvoyStats('istio_requests_total{reporter="waypoint",destination_service_name="reviews",response_code="200"} 3\n', 'waypoint');
		assert.equal(waypoint.get(seriesKey('reviews', ''))?.requests, 3);
	});

	const bad: Array<[string, string]> = [
		['empty text', ''],
		['NaN value', 'istio_requests_total{reporter="destination",destination_service_name="reviews",response_code="200"} NaN'],
		['+Inf value', 'istio_requests_total{reporter="destination",destination_service_name="reviews",response_code="200"} +Inf'],
		['negative value', 'istio_requests_total{reporter="destination",destination_service_name="reviews",response_code="200"} -4'],
		['no value', 'istio_requests_total{reporter="destination",destination_service_name="reviews",response_code="200"}'],
		['unterminated labels', 'istio_requests_total{reporter="destination",destination_service_name="rev'],
		['HTML error page', '<html><body>upstream connect error</body></html>'],
	];
	for (const [name, input] of bad) {
		test(`${name}: nothing counted, no throw`, () => {
			assert.equal(parseEnvoyStats(input, 'destination').size, 0);
		});
	}
});

describe('counterDelta', () => {
	const at = (requests: number, successes: number, buckets: Array<[number, number]>): SeriesCounters => ({requests, successes, buckets: new Map(buckets)});
	const rows: Array<[string, SeriesCounters | undefined, SeriesCounters, {requests: number; successes: number; inf: number}]> = [
		['growth', at(100, 99, [[Infinity, 100]]), at(130, 120, [[Infinity, 130]]), {requests: 30, successes: 21, inf: 30}],
		['no change', at(100, 99, [[Infinity, 100]]), at(100, 99, [[Infinity, 100]]), {requests: 0, successes: 0, inf: 0}],
		['reset (proxy restarted): all of the current value', at(500, 500, [[Infinity, 500]]), at(7, 6, [[Infinity, 7]]), {requests: 7, successes: 6, inf: 7}],
		['a bucket going down is a reset too', at(10, 10, [[Infinity, 10]]), at(12, 12, [[Infinity, 4]]), {requests: 12, successes: 12, inf: 4}],
		['new series of a pod already read: counted from zero', undefined, at(4, 3, [[Infinity, 4]]), {requests: 4, successes: 3, inf: 4}],
	];
	for (const [name, previous, current, expected] of rows) {
		test(name, () => {
			const delta = counterDelta(previous, current);
			assert.deepEqual({requests: delta.requests, successes: delta.successes, inf: delta.buckets.get(Infinity)}, expected);
		});
	}
});

describe('histogramQuantile', () => {
	test('interpolates inside the bucket holding the rank, like Prometheus', () => {
		// 100 observations: 50 ≤ 10 ms, 100 ≤ 20 ms → p50 = 10, p99 = 10 + 10 × 49/50.
		const buckets = new Map([[10, 50], [20, 100], [Infinity, 100]]);
		assert.equal(histogramQuantile(0.5, buckets), 10);
		assert.ok(Math.abs(histogramQuantile(0.99, buckets)! - 19.8) < 1e-9);
	});

	test('rank in +Inf: the highest finite bound; first bucket interpolates from 0', () => {
		assert.equal(histogramQuantile(0.99, new Map([[10, 1], [Infinity, 100]])), 10);
		assert.equal(histogramQuantile(0.5, new Map([[10, 100], [Infinity, 100]])), 5);
	});

	test('no observations, or no buckets: null', () => {
		assert.equal(histogramQuantile(0.99, new Map([[10, 0], [Infinity, 0]])), null);
		assert.equal(histogramQuantile(0.99, new Map()), null);
	});
});

describe('liveFigures', () => {
	const one = {v3: {sampled: ['p1'], total: 1}};

	test('rate, success and p99 from the deltas between reads', () => {
		const figures = liveFigures([poll(0, {p1: counters(100, 0)}), poll(1000, {p1: counters(120, 0)}), poll(2000, {p1: counters(140, 4)})], [v3], one);
		assert.deepEqual(figures['v3'], {metrics: {rps: 20, successRate: 36 / 40, p50Ms: 7.5, p99Ms: 9.95}, reporting: 1, sampled: 1, total: 1});
	});

	test('figures over a sliding window, polls reused from read to read, are the figures of the same polls read afresh', () => {
		// The console reads over the last few polls at every refresh: the same poll objects, one new each time, some
		// pods missing from some polls, counters going up or restarting. Each read must equal a read of copies.
		const pods = ['p1', 'p2'];
		const podCounters = fc.option(fc.record({requests: fc.nat(500), errors: fc.nat(20)}), {nil: undefined});
		const polls = fc.array(fc.tuple(fc.integer({min: 0, max: 1500}), podCounters, podCounters), {minLength: 2, maxLength: 14});
		const samples = {v3: {sampled: pods, total: 3}};
		const copy = (each: LivePoll): LivePoll => ({at: each.at, pods: new Map([...each.pods].map(([pod, counters]) => [pod, new Map(counters)]))});
		fc.assert(fc.property(polls, fc.integer({min: 2, max: 6}), fc.boolean(), (steps, window, dropOne) => {
			let at = 0;
			const made = steps.map(([gap, first, second]) => {
				at += gap;
				const read: Record<string, PodCounters> = {};
				for (const [index, value] of [first, second].entries()) {
					if (value !== undefined) {
						read[pods[index]!] = counters(value.requests, Math.min(value.errors, value.requests));
					}
				}

				return poll(at, read);
			});
			for (let end = 1; end <= made.length; end++) {
				let recent = made.slice(Math.max(0, end - window), end);
				// A poll dropped from the middle (the same later poll now follows another): its pairs are new pairs.
				if (dropOne && recent.length > 2) {
					recent = [...recent.slice(0, 1), ...recent.slice(2)];
				}

				assert.deepEqual(liveFigures(recent, [v3], samples), liveFigures(recent.map(each => copy(each)), [v3], samples));
			}
		}), {numRuns: 300});
	});

	test('what the reads remember of past polls does not keep the polls that left the window', async () => {
		v8.setFlagsFromString('--expose-gc');
		const collect = vm.runInNewContext('gc') as () => void;
		const samples = {v3: {sampled: ['p1'], total: 1}};
		let recent: LivePoll[] = [];
		let first: WeakRef<LivePoll> | undefined;
		for (let second = 0; second < 50; second++) {
			const next = poll(second * 1000, {p1: counters(second * 10)});
			first ??= new WeakRef(next);
			recent = [...recent, next].slice(-6);
			assert.equal(liveFigures(recent, [v3], samples)['v3']?.metrics?.rps, second === 0 ? undefined : 10);
		}

		// A WeakRef's target lives until the end of the job that made it.
		await new Promise(resolve => {
			setImmediate(resolve);
		});
		collect();
		assert.equal(first?.deref(), undefined, 'the first poll is still reachable 44 polls after it left the window');
	});

	test('one read is not a rate: no figures yet', () => {
		assert.equal(liveFigures([poll(0, {p1: counters(100)})], [v3], one)['v3']?.metrics, undefined);
		assert.equal(liveFigures([], [v3], one)['v3']?.metrics, undefined);
	});

	test('a counter reset counts the new value, never a negative rate', () => {
		const figures = liveFigures([poll(0, {p1: counters(1000)}), poll(1000, {p1: counters(10)})], [v3], one);
		assert.equal(figures['v3']?.metrics?.rps, 10);
	});

	test('a pod appearing counts from its second read; a pod gone stops counting', () => {
		const samples = {v3: {sampled: ['p1', 'p2'], total: 2}};
		const polls = [
			poll(0, {p1: counters(100)}),
			poll(1000, {p1: counters(110), p2: counters(500)}),
			poll(2000, {p1: counters(120), p2: counters(505)}),
			poll(3000, {p2: counters(510)}),
		];
		// p1: 20 requests over 2 s; p2: 10 over 2 s (its first read is its baseline, not 500 new requests).
		assert.equal(liveFigures(polls, [v3], samples)['v3']?.metrics?.rps, 15);
	});

	test('a sample of the pods: the rate is scaled to all of them, the ratios are the sample\'s', () => {
		const figures = liveFigures([poll(0, {p1: counters(0)}), poll(1000, {p1: counters(10, 1)})], [v3], {v3: {sampled: ['p1'], total: 3}});
		assert.equal(figures['v3']?.metrics?.rps, 30);
		assert.equal(figures['v3']?.metrics?.successRate, 0.9);
		assert.deepEqual([figures['v3']?.sampled, figures['v3']?.total], [1, 3]);
	});

	test('a pod that served nothing: rate 0, success and latency unknown (null)', () => {
		const empty = new Map();
		const figures = liveFigures([poll(0, {p1: empty}), poll(1000, {p1: empty})], [v3], one);
		assert.deepEqual(figures['v3']?.metrics, {rps: 0, successRate: null, p50Ms: null, p99Ms: null});
	});

	test('series are matched by service and version; a destination without version takes every version of its service', () => {
		const mixed = new Map([...counters(10, 0, seriesKey('reviews', 'v1')), ...counters(30, 0, seriesKey('reviews', 'v3'))]);
		const later = new Map([...counters(20, 0, seriesKey('reviews', 'v1')), ...counters(60, 0, seriesKey('reviews', 'v3'))]);
		const polls = [poll(0, {p: mixed}), poll(1000, {p: later})];
		const shared = {sampled: ['p'], total: 1};
		const figures = liveFigures(polls, [v1, v3], {v1: shared, v3: shared});
		assert.equal(figures['v1']?.metrics?.rps, 10);
		assert.equal(figures['v3']?.metrics?.rps, 30);
		const other = new Map([[seriesKey('reviews-v3', ''), counters(0).get(seriesKey('reviews', 'v3'))!]]);
		const otherLater = new Map([[seriesKey('reviews-v3', ''), counters(8).get(seriesKey('reviews', 'v3'))!]]);
		assert.equal(liveFigures([poll(0, {p: other}), poll(2000, {p: otherLater})], [wholeService], {'reviews-v3': shared})['reviews-v3']?.metrics?.rps, 4);
	});

	test('no pods sampled: no figures', () => {
		assert.deepEqual(liveFigures([poll(0, {}), poll(1000, {})], [v3], {}), {v3: {metrics: undefined, reporting: 0, sampled: 0, total: 0}});
	});
});

describe('mergeLive', () => {
	const prometheus = {at: 5, window: '1m', byVersion: {v1: {rps: 10, successRate: 1, p50Ms: 3, p99Ms: 9}, v3: {rps: 10, successRate: 1, p50Ms: 3, p99Ms: 9}}};
	const liveV3 = {rps: 12, successRate: 0.8, p50Ms: 4, p99Ms: 40};

	test('live figures replace Prometheus\' for "now"; Prometheus\' stay beside them; versions without live ones keep Prometheus\'', () => {
		const merged = mergeLive(prometheus, {status: 'live', pods: {reporting: 1, sampled: 1, total: 2}, byVersion: {v1: {metrics: undefined, reporting: 0, sampled: 0, total: 1}, v3: {metrics: liveV3, reporting: 1, sampled: 1, total: 1}}});
		assert.deepEqual(merged.byVersion, {v1: prometheus.byVersion.v1, v3: liveV3});
		assert.deepEqual(merged.live?.liveKeys, ['v3']);
		assert.deepEqual(merged.live?.prometheus, prometheus.byVersion);
		assert.equal(merged.window, '1m');
		assert.equal(liveLabel(merged.live), 'live: 1/2 pods (sample)');
	});

	test('the header\'s words: all pods, off with the reason, failing with the reason', () => {
		const summary = mergeLive(prometheus, {status: 'live', pods: {reporting: 3, sampled: 3, total: 3}, byVersion: {}}).live!;
		assert.equal(liveLabel(summary), 'live: 3/3 pods');
		assert.equal(liveLabel({...summary, status: 'off', reason: '--no-live'}), 'live off (--no-live)');
		assert.equal(liveLabel({...summary, status: 'error', pods: {reporting: 0, sampled: 3, total: 3}, reason: 'forbidden'}), 'live: 0/3 pods · forbidden');
	});
});
