import assert from 'node:assert/strict';
import http from 'node:http';
import type {AddressInfo} from 'node:net';
import {after, before, describe, test} from 'node:test';
import {PrometheusClient, PrometheusError, parsePrometheusDuration} from '../../source/prometheus/client.js';

/** A stand-in Prometheus: answers from `routes` by path, records requests. */
const requests: URL[] = [];
let routes: Record<string, (url: URL) => {status: number; body: unknown} | 'hang' | 'stall'> = {};
const server = http.createServer((request, response) => {
	const url = new URL(request.url ?? '/', 'http://localhost');
	requests.push(url);
	const answer = routes[url.pathname]?.(url) ?? {status: 404, body: 'not found'};
	if (answer === 'hang') {
		return;
	}

	if (answer === 'stall') {
		// Headers and the start of a body, then nothing.
		response.writeHead(200, {'content-type': 'application/json'});
		response.write('{"status":"succ');
		return;
	}

	response.writeHead(answer.status, {'content-type': typeof answer.body === 'string' ? 'text/plain' : 'application/json'});
	response.end(typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body));
});
let baseUrl = '';

before(async () => {
	await new Promise<void>(resolve => {
		server.listen(0, '127.0.0.1', resolve);
	});
	baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
	server.closeAllConnections();
	await new Promise(resolve => {
		server.close(resolve);
	});
});

function networkError(): Error {
	return new TypeError('fetch failed', {cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), {code: 'ECONNREFUSED'})});
}

describe('PrometheusClient', () => {
	test('query returns the vector with numeric values, NaN kept, evaluated at the given time', async () => {
		routes = {
			'/api/v1/query': () => ({status: 200, body: {status: 'success', data: {resultType: 'vector', result: [
				{metric: {destination_version: 'v1'}, value: [1700000000, '12.5']},
				{metric: {destination_version: 'v3'}, value: [1700000000, 'NaN']},
			]}}}),
		};
		const client = new PrometheusClient(`${baseUrl}/`);
		const samples = await client.query('sum(x)', new Date(1_700_000_000_250));
		assert.deepEqual(samples[0], {metric: {destination_version: 'v1'}, value: 12.5});
		assert.ok(Number.isNaN(samples[1]?.value));
		const last = requests.at(-1);
		assert.equal(last?.searchParams.get('query'), 'sum(x)');
		assert.equal(last?.searchParams.get('time'), '1700000000.250');
	});

	test('a rejected query carries Prometheus\' error', async () => {
		routes = {'/api/v1/query': () => ({status: 400, body: {status: 'error', errorType: 'bad_data', error: 'parse error: unexpected end of input'}})};
		await assert.rejects(new PrometheusClient(baseUrl).query('sum('), (error: unknown) => {
			assert.ok(error instanceof PrometheusError);
			assert.equal(error.kind, 'query');
			assert.equal(error.message, `Prometheus at ${baseUrl} refused the request: bad_data: parse error: unexpected end of input`);
			return true;
		});
	});

	test('scrapeInterval reads global.scrape_interval from the config API, default 15 s', async () => {
		let yaml = 'global:\n  scrape_interval: 1s\n  evaluation_interval: 1m\nscrape_configs:\n- job_name: mesh\n  scrape_interval: 5s\n';
		routes = {'/api/v1/status/config': () => ({status: 200, body: {status: 'success', data: {yaml}}})};
		const client = new PrometheusClient(baseUrl);
		assert.equal(await client.scrapeInterval(), 1);
		yaml = 'global:\n  scrape_interval: 1m30s\n';
		assert.equal(await client.scrapeInterval(), 90);
		yaml = 'scrape_configs: []\n';
		assert.equal(await client.scrapeInterval(), 15);
	});

	test('ready is true on 200, false on 503 and when nothing listens', async () => {
		let status = 200;
		routes = {'/-/ready': () => ({status, body: 'Prometheus Server is Ready.\n'})};
		const client = new PrometheusClient(baseUrl);
		assert.equal(await client.ready(), true);
		status = 503;
		assert.equal(await client.ready(), false);
		const nothing = new PrometheusClient('http://127.0.0.1:9', {fetch: async () => Promise.reject(networkError())});
		assert.equal(await nothing.ready(), false);
	});

	test('a Prometheus that does not answer fails with a timeout message', async () => {
		routes = {'/api/v1/query': () => 'hang'};
		const client = new PrometheusClient(baseUrl, {timeoutMs: 200});
		await assert.rejects(client.query('up'), (error: unknown) => {
			assert.ok(error instanceof PrometheusError);
			assert.equal(error.kind, 'timeout');
			assert.equal(error.message, `Prometheus at ${baseUrl} did not answer in 0.2 s`);
			return true;
		});
		server.closeAllConnections();
	});

	test('a body that stops coming is cut at the same time limit as the request', async () => {
		routes = {'/api/v1/query': () => 'stall'};
		const client = new PrometheusClient(baseUrl, {timeoutMs: 200});
		const started = Date.now();
		await assert.rejects(client.query('up'), (error: unknown) => {
			assert.ok(error instanceof PrometheusError);
			assert.match(error.message, /answered HTTP 200 without JSON/);
			return true;
		});
		assert.ok(Date.now() - started < 5000);
		server.closeAllConnections();
	});

	test('network errors are retried twice, HTTP errors are not', async () => {
		let calls = 0;
		const flaky = new PrometheusClient(baseUrl, {
			async fetch(input, init) {
				calls++;
				return calls <= 2 ? Promise.reject(networkError()) : fetch(input, init);
			},
		});
		routes = {'/api/v1/query': () => ({status: 200, body: {status: 'success', data: {resultType: 'vector', result: []}}})};
		assert.deepEqual(await flaky.query('up'), []);
		assert.equal(calls, 3);

		calls = 0;
		const down = new PrometheusClient('http://127.0.0.1:9', {
			async fetch() {
				calls++;
				return Promise.reject(networkError());
			},
		});
		await assert.rejects(down.query('up'), /Prometheus at http:\/\/127\.0\.0\.1:9 is unreachable: connect ECONNREFUSED/);
		assert.equal(calls, 3);

		let httpCalls = 0;
		routes = {'/api/v1/query': () => {
			httpCalls++;
			return {status: 503, body: 'Service Unavailable'};
		}};
		await assert.rejects(new PrometheusClient(baseUrl).query('up'), (error: unknown) => error instanceof PrometheusError && error.kind === 'http');
		assert.equal(httpCalls, 1);
	});
});

describe('parsePrometheusDuration', () => {
	test('parses compound durations and rejects garbage', () => {
		assert.equal(parsePrometheusDuration('15s'), 15);
		assert.equal(parsePrometheusDuration('500ms'), 0.5);
		assert.equal(parsePrometheusDuration('1h2m3s'), 3723);
		assert.equal(parsePrometheusDuration('fast'), undefined);
		assert.equal(parsePrometheusDuration('15'), undefined);
	});
});
