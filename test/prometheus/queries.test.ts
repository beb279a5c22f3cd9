import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import type {Destination} from '../../source/domain/virtual-service.js';
import {groupLabels, latencyQuantile, metricQueries, rateWindow, reporterFor, requestRate, successRate, countQueries, countRange, oneQuery, partLabel} from '../../source/prometheus/queries.js';

function destination(key: string, service: string, version?: string, namespace = 'bookinfo'): Destination {
	return {key, host: service, subset: version, weight: 0, metric: version === undefined ? {service, namespace} : {service, namespace, version}};
}

describe('rateWindow', () => {
	test('is four scrape intervals, in the largest unit that divides it', () => {
		assert.equal(rateWindow(1), '4s');
		assert.equal(rateWindow(15), '1m');
		assert.equal(rateWindow(30), '2m');
		assert.equal(rateWindow(10), '40s');
		assert.equal(rateWindow(22.5), '90s');
		assert.equal(rateWindow(900), '1h');
		assert.equal(rateWindow(0.1), '400ms');
	});

	test('falls back to the Prometheus default of 15 s for unusable intervals', () => {
		assert.equal(rateWindow(0), '1m');
		assert.equal(rateWindow(-3), '1m');
		assert.equal(rateWindow(Number.NaN), '1m');
	});
});

describe('metricQueries', () => {
	const reviews = [destination('v1', 'reviews', 'v1'), destination('v3', 'reviews', 'v3')];

	test('builds the exact PromQL for one service', () => {
		const selector = '{reporter="destination", destination_service_namespace="bookinfo", destination_service_name="reviews"}';
		assert.deepEqual(metricQueries(reviews, '4s'), {
			requests: `sum by (destination_service_name, destination_version) (rate(istio_requests_total${selector}[4s]))`,
			successes: 'sum by (destination_service_name, destination_version) (rate(istio_requests_total{reporter="destination", destination_service_namespace="bookinfo", destination_service_name="reviews", response_code!~"5.."}[4s]))',
			p50: `histogram_quantile(0.5, sum by (destination_service_name, destination_version, le) (rate(istio_request_duration_milliseconds_bucket${selector}[4s])))`,
			p99: `histogram_quantile(0.99, sum by (destination_service_name, destination_version, le) (rate(istio_request_duration_milliseconds_bucket${selector}[4s])))`,
		});
	});

	test('counts for the gates: increase() over the step\'s window, the same selectors, one query per metric', () => {
		const selector = '{reporter="destination", destination_service_namespace="bookinfo", destination_service_name="reviews"}';
		assert.equal(countRange(5500), '5500ms');
		assert.equal(countRange(6000), '6s');
		assert.deepEqual(countQueries(reviews, countRange(5500)), {
			requests: `sum by (destination_service_name, destination_version) (increase(istio_requests_total${selector}[5500ms]))`,
			successes: 'sum by (destination_service_name, destination_version) (increase(istio_requests_total{reporter="destination", destination_service_namespace="bookinfo", destination_service_name="reviews", response_code!~"5.."}[5500ms]))',
			p50: `histogram_quantile(0.5, sum by (destination_service_name, destination_version, le) (increase(istio_request_duration_milliseconds_bucket${selector}[5500ms])))`,
			p99: `histogram_quantile(0.99, sum by (destination_service_name, destination_version, le) (increase(istio_request_duration_milliseconds_bucket${selector}[5500ms])))`,
		});
	});

	test('uses a sorted, escaped regex when destinations are several hosts, and groups by Service alone (Service per version)', () => {
		const hosts = [destination('reviews-v2', 'reviews-v2'), destination('reviews.v1', 'reviews.v1')];
		assert.equal(
			requestRate(hosts, '1m'),
			String.raw`sum by (destination_service_name) (rate(istio_requests_total{reporter="destination", destination_service_namespace="bookinfo", destination_service_name=~"reviews-v2|reviews\\.v1"}[1m]))`,
		);
	});

	test('subsets are told apart by destination_version, Services per version by destination_service_name', () => {
		assert.equal(groupLabels(reviews), 'destination_service_name, destination_version');
		assert.equal(groupLabels([destination('reviews-v1', 'reviews-v1'), destination('reviews-v3', 'reviews-v3')]), 'destination_service_name');
	});

	test('ambient namespaces read the waypoint\'s reports, sidecar namespaces the destination\'s', () => {
		assert.equal(reporterFor({'istio.io/dataplane-mode': 'ambient'}), 'waypoint');
		assert.equal(reporterFor({'istio-injection': 'enabled'}), 'destination');
		const queries = metricQueries(reviews, '4s', 'waypoint');
		for (const query of Object.values(queries)) {
			assert.match(query, /reporter="waypoint"/);
			assert.doesNotMatch(query, /reporter="destination"/);
		}
	});

	test('escapes quotes and backslashes in label values', () => {
		const odd = [destination('x', 'we"ird\\name', 'v"1')];
		assert.match(successRate(odd, '4s'), /destination_service_name="we\\"ird\\\\name"/);
	});

	test('asks 4 queries whatever the number of versions', () => {
		const two = metricQueries(reviews, '4s');
		const twenty = metricQueries(Array.from({length: 20}, (_, index) => destination(`v${index}`, 'reviews', `v${index}`)), '4s');
		assert.equal(Object.keys(two).length, 4);
		assert.equal(Object.keys(twenty).length, 4);
		// Versions are split by grouping, not by filtering: more versions do not change the queries.
		assert.deepEqual(twenty, two);
	});

	test('oneQuery: each part labelled with its name, joined with or, in the order given', () => {
		assert.equal(
			oneQuery({requests: 'sum(a)', p99: 'histogram_quantile(0.99, b)'}),
			`label_replace(sum(a), "${partLabel}", "requests", "", "") or label_replace(histogram_quantile(0.99, b), "${partLabel}", "p99", "", "")`,
		);
	});

	test('rejects nonsense', () => {
		assert.throws(() => metricQueries([], '4s'), RangeError);
		assert.throws(() => latencyQuantile(1.5, reviews, '4s'), RangeError);
	});
});
