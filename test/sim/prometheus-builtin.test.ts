import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';
import {parse} from 'yaml';
import {ObjectStore} from '../../source/sim/api/store.js';
import {seedBookinfo} from '../../source/sim/bookinfo.js';
import {readIstioYaml} from '../../source/sim/istio-data.js';
import {createMesh} from '../../source/sim/mesh/mesh.js';
import {IstioMetrics, type Sample} from '../../source/sim/metrics/istio-metrics.js';
import {startBuiltinPrometheus, type BuiltinPrometheus} from '../../source/sim/prometheus/builtin-prometheus.js';
import {SampleHistory} from '../../source/sim/prometheus/sample-history.js';
import type {Destination} from '../../source/domain/virtual-service.js';
import {metricQueries, oneQuery, partLabel} from '../../source/prometheus/queries.js';

interface VectorResponse {
	status: string;
	errorType?: string;
	error?: string;
	data?: {resultType: string; result: Array<{metric: Record<string, string>; value: [number, string]}>};
}

const t0 = 1_700_000_000_000;

/** Counters growing at known rates, scraped every second for 20 s (plus source-reported noise to filter out). */
function knownHistory(): SampleHistory {
	const history = new SampleHistory();
	const requests = (version: string, code: string, reporter = 'destination') => ({
		reporter, destination_service_name: 'reviews', destination_service_namespace: 'bookinfo', destination_version: version, response_code: code,
	});
	// Per second: v1 10 × 200; v3 6 × 200 and 2 × 503; source reporter 100 × 200 (must never be counted).
	const rates: Array<[Record<string, string>, number]> = [
		[requests('v1', '200'), 10],
		[requests('v3', '200'), 6],
		[requests('v3', '503'), 2],
		[requests('v1', '200', 'source'), 100],
	];
	// reviews v1 durations per second: 4 under 5 ms, 4 more under 10, 2 more under 25; v3 saw nothing yet.
	const buckets: Array<[string, number]> = [['0.5', 0], ['1', 0], ['5', 4], ['10', 8], ['25', 10], ['50', 10], ['+Inf', 10]];
	for (let second = 0; second <= 20; second++) {
		const samples: Sample[] = rates.map(([labels, rate]) => ({name: 'istio_requests_total', labels, value: 100 + (rate * second)}));
		for (const [le, rate] of buckets) {
			samples.push(
				{name: 'istio_request_duration_milliseconds_bucket', labels: {...requests('v1', '200'), le}, value: 50 + (rate * second)},
				{name: 'istio_request_duration_milliseconds_bucket', labels: {...requests('v3', '200'), le}, value: 7},
			);
		}

		history.add(t0 + (second * 1000), samples);
	}

	return history;
}

describe('built-in Prometheus query API', () => {
	let prometheus: BuiltinPrometheus;
	const now = t0 + 20_000;

	before(async () => {
		prometheus = await startBuiltinPrometheus({samples: async () => [], target: '127.0.0.1:1', history: knownHistory(), now: () => now, scrape: false});
	});

	after(async () => {
		await prometheus.stop();
	});

	async function query(promql: string, extra: Record<string, string> = {}): Promise<{status: number; body: VectorResponse}> {
		const response = await fetch(`${prometheus.url}/api/v1/query?${new URLSearchParams({query: promql, ...extra}).toString()}`);
		return {status: response.status, body: await response.json() as VectorResponse};
	}

	/** The vector as {labelValue: number}, keyed by the given label. */
	function byLabel(body: VectorResponse, label: string): Record<string, number> {
		assert.equal(body.status, 'success', body.error);
		assert.equal(body.data?.resultType, 'vector');
		return Object.fromEntries(body.data.result.map(element => [element.metric[label] ?? '', Number(element.value[1])]));
	}

	function assertClose(actual: Record<string, number>, expected: Record<string, number>): void {
		assert.deepEqual(Object.keys(actual).sort(), Object.keys(expected).sort());
		for (const [key, value] of Object.entries(expected)) {
			assert.ok(Math.abs(actual[key]! - value) < 1e-9, `${key}: ${actual[key]} ≠ ${value}`);
		}
	}

	it('says it is the built-in one, ready, scraping every second', async () => {
		assert.equal(prometheus.mode, 'builtin');
		const ready = await fetch(`${prometheus.url}/-/ready`);
		assert.equal(ready.status, 200);
		assert.match(await ready.text(), /Ready/);
		const healthy = await fetch(`${prometheus.url}/-/healthy`);
		assert.equal(healthy.status, 200);
		await healthy.text();
		const buildinfo = await (await fetch(`${prometheus.url}/api/v1/status/buildinfo`)).json() as {data: {version: string}};
		assert.equal(buildinfo.data.version, 'builtin-sim');
		const config = await (await fetch(`${prometheus.url}/api/v1/status/config`)).json() as {status: string; data: {yaml: string}};
		assert.equal(config.status, 'success');
		assert.equal((parse(config.data.yaml) as {global: {scrape_interval: string}}).global.scrape_interval, '1s');
	});

	it('request rate per version: sum by (destination_version)(rate(istio_requests_total{…}[W]))', async () => {
		const {status, body} = await query('sum by (destination_version)(rate(istio_requests_total{reporter="destination",destination_service_name="reviews"}[10s]))');
		assert.equal(status, 200);
		assertClose(byLabel(body, 'destination_version'), {v1: 10, v3: 8});
		const element = body.data!.result[0]!;
		assert.deepEqual(Object.keys(element.metric), ['destination_version']);
		assert.equal(element.value[0], now / 1000);
	});

	it('increase() is rate() times the range (the counts a gate judges)', async () => {
		const rate = byLabel((await query('sum by (destination_version)(rate(istio_requests_total{reporter="destination",destination_service_name="reviews"}[10s]))')).body, 'destination_version');
		const {status, body} = await query('sum by (destination_version)(increase(istio_requests_total{reporter="destination",destination_service_name="reviews"}[10000ms]))');
		assert.equal(status, 200);
		assertClose(byLabel(body, 'destination_version'), {v1: (rate['v1'] ?? 0) * 10, v3: (rate['v3'] ?? 0) * 10});
	});

	it('success rate numerator: response_code!~"5.." drops the 503s', async () => {
		const {body} = await query('sum by (destination_version)(rate(istio_requests_total{reporter="destination", destination_service_name="reviews", response_code!~"5.."}[10s]))');
		assertClose(byLabel(body, 'destination_version'), {v1: 10, v3: 6});
	});

	it('the exact queries meshtop builds (grouping by two labels, =~, spaces, by POST form)', async () => {
		const promql = 'sum by (destination_service_name, destination_version) (rate(istio_requests_total{reporter="destination", destination_service_namespace="bookinfo", destination_service_name=~"reviews|ratings", destination_version!="v2"}[4s]))';
		const response = await fetch(`${prometheus.url}/api/v1/query`, {
			method: 'POST',
			headers: {'content-type': 'application/x-www-form-urlencoded'},
			body: new URLSearchParams({query: promql}).toString(),
		});
		const body = await response.json() as VectorResponse;
		assertClose(byLabel(body, 'destination_version'), {v1: 10, v3: 8});
		assert.ok(body.data!.result.every(element => element.metric['destination_service_name'] === 'reviews'));
	});

	it('latency quantiles: histogram_quantile(Q, sum by (le, …)(rate(…_bucket{…}[W]))) interpolates like Prometheus', async () => {
		const p50 = await query('histogram_quantile(0.5, sum by (le, destination_version)(rate(istio_request_duration_milliseconds_bucket{reporter="destination",destination_service_name="reviews"}[10s])))');
		// Rank 5 of 10/s falls in (5, 10] holding 4/s above 4/s: 5 + 5 × 1/4.
		const p50s = byLabel(p50.body, 'destination_version');
		assert.ok(Math.abs(p50s['v1']! - 6.25) < 1e-9, `p50 ${p50s['v1']}`);
		// v3's buckets did not move: no observations in the window, Prometheus answers NaN.
		assert.equal(p50.body.data!.result.find(element => element.metric['destination_version'] === 'v3')?.value[1], 'NaN');
		const p99 = await query('histogram_quantile(0.99, sum by (destination_version, le) (rate(istio_request_duration_milliseconds_bucket{destination_version="v1"}[10s])))');
		assertClose(byLabel(p99.body, 'destination_version'), {v1: 24.25});
	});

	it('extrapolates towards the window edges like Prometheus\' rate()', async () => {
		// At t0+5 s a 10 s window holds 6 points spanning 5 s; Prometheus extends by half an interval at the start: 50 × 5.5/5 / 10.
		const {body} = await query('sum by (destination_version)(rate(istio_requests_total{reporter="destination",destination_version="v1"}[10s]))', {time: String((t0 + 5000) / 1000)});
		assertClose(byLabel(body, 'destination_version'), {v1: 5.5});
		assert.equal(body.data!.result[0]!.value[0], (t0 + 5000) / 1000);
	});

	it('returns an empty vector when the window holds fewer than two scrapes', async () => {
		const {body} = await query('sum by (destination_version)(rate(istio_requests_total{reporter="destination"}[1s]))');
		assert.deepEqual(body, {status: 'success', data: {resultType: 'vector', result: []}});
	});

	it('meshtop\'s one query per refresh: each part labelled by label_replace, joined by or, answers what it answers alone', async () => {
		const destinations: Destination[] = ['v1', 'v3'].map(version => ({key: version, host: 'reviews', subset: version, weight: 50, metric: {service: 'reviews', namespace: 'bookinfo', version}}));
		const parts = metricQueries(destinations, '10s');
		const combined = await query(oneQuery(parts));
		assert.equal(combined.status, 200, combined.body.error);
		const canonical = (elements: Array<{metric: Record<string, string>; value: [number, string]}>) => elements.map(element => JSON.stringify([Object.entries(element.metric).sort(), element.value])).sort();
		let total = 0;
		for (const [part, promql] of Object.entries(parts)) {
			const alone = (await query(promql)).body.data!.result;
			const labelled = combined.body.data!.result.filter(element => element.metric[partLabel] === part);
			assert.ok(alone.length > 0, `${part} answers something`);
			assert.deepEqual(canonical(labelled.map(element => ({...element, metric: Object.fromEntries(Object.entries(element.metric).filter(([name]) => name !== partLabel))}))), canonical(alone), part);
			total += alone.length;
		}

		assert.equal(combined.body.data!.result.length, total, 'nothing dropped, nothing added');
	});

	it('label_replace expands $1 from its regex and leaves elements it does not match; or keeps the left of equal label sets', async () => {
		const rates = 'sum by (destination_version)(rate(istio_requests_total{reporter="destination",destination_service_name="reviews"}[10s]))';
		const replaced = await query(`label_replace(${rates}, "number", "n$1", "destination_version", "v(1)")`);
		assert.deepEqual(replaced.body.data!.result.map(element => element.metric).sort((a, b) => (a['destination_version'] ?? '').localeCompare(b['destination_version'] ?? '')), [{destination_version: 'v1', number: 'n1'}, {destination_version: 'v3'}]);
		const twice = await query(`${rates} or ${rates.replace('[10s]', '[4s]')}`);
		assertClose(byLabel(twice.body, 'destination_version'), {v1: 10, v3: 8});
		assert.equal(twice.body.data!.result.length, 2, 'the right side\'s equal label sets are dropped');
	});

	it('answers a number alone as Prometheus does: a scalar at the evaluation time (the console\'s health probe)', async () => {
		const {status, body} = await query('1', {time: String((t0 + 5000) / 1000)});
		assert.equal(status, 200);
		assert.deepEqual(body, {status: 'success', data: {resultType: 'scalar', result: [(t0 + 5000) / 1000, '1']}});
	});

	it('answers anything else with a bad_data error', async () => {
		for (const promql of [
			'avg by (destination_version)(rate(istio_requests_total[10s]))',
			'sum by (destination_version)(rate(istio_requests_total[10s])',
			'rate(istio_requests_total{reporter="destination"})',
			'sum(rate(istio_requests_total{reporter=~"("}[10s]))',
			'sum(rate(istio_requests_total[10x]))',
			'istio_requests_total + 1',
			'',
		]) {
			const {status, body} = await query(promql);
			assert.equal(status, 400, promql);
			assert.equal(body.status, 'error', promql);
			assert.equal(body.errorType, 'bad_data', promql);
			assert.match(body.error ?? '', /\S/, promql);
		}
	});

	it('answers 404 for APIs it does not implement', async () => {
		const response = await fetch(`${prometheus.url}/api/v1/query_range`);
		assert.equal(response.status, 404);
		await response.text();
	});
});

describe('built-in Prometheus scraping the mesh', () => {
	it('computes rates from the same counters the mesh exposes', async () => {
		const store = new ObjectStore();
		seedBookinfo(store);
		const fiftyFifty = readIstioYaml('bookinfo/virtual-service-reviews-50-v3.yaml')[0]!;
		store.create('networking.istio.io/virtualservices', {...fiftyFifty, metadata: {name: 'reviews', namespace: 'bookinfo'}} as never, {replace: true});
		const metrics = new IstioMetrics();
		const mesh = createMesh({store, seed: 11, recorder: record => metrics.record(record)});
		let time = t0;
		const prometheus = await startBuiltinPrometheus({samples: async () => metrics.samples(), target: '127.0.0.1:1', now: () => time, scrape: false});
		try {
			for (let second = 0; second <= 12; second++) {
				mesh.sendRequests(20);
				await prometheus.scrapeNow();
				time += 1000;
			}

			time -= 1000;
			const promql = 'sum by (destination_version)(rate(istio_requests_total{reporter="destination",destination_service_name="reviews"}[10s]))';
			const body = await (await fetch(`${prometheus.url}/api/v1/query?query=${encodeURIComponent(promql)}`)).json() as VectorResponse;
			const rates = Object.fromEntries(body.data!.result.map(element => [element.metric['destination_version'] ?? '', Number(element.value[1])] as const));
			assert.deepEqual(Object.keys(rates).sort(), ['v1', 'v3']);
			assert.ok(Math.abs(rates['v1']! + rates['v3']! - 20) < 1e-9, `total ${rates['v1']! + rates['v3']!}`);
			assert.ok(rates['v1']! > 6 && rates['v3']! > 6, JSON.stringify(rates));
		} finally {
			mesh.stop();
			await prometheus.stop();
		}
	});
});
