import assert from 'node:assert/strict';
import http from 'node:http';
import type {AddressInfo} from 'node:net';
import {after, before, describe, test} from 'node:test';
import {PrometheusClient} from '../../source/prometheus/client.js';

/** A gateway in the Thanos/Mimir shape: Prometheus' API under /prom, behind a credential it checks. */
const seen: Array<{path: string; authorization: string | undefined}> = [];
let accepted = '';
const server = http.createServer((request, response) => {
	const url = new URL(request.url ?? '/', 'http://localhost');
	seen.push({path: url.pathname, authorization: request.headers.authorization});
	if (request.headers.authorization !== accepted) {
		response.writeHead(401, {'content-type': 'text/plain', 'www-authenticate': 'Basic realm="gateway"'});
		response.end('unauthorized');
		return;
	}

	const body = url.pathname === '/prom/api/v1/query'
		? {status: 'success', data: {resultType: 'vector', result: [{metric: {destination_version: 'v1'}, value: [1, '3']}]}}
		: {status: 'error', error: 'not found'};
	response.writeHead(url.pathname === '/prom/api/v1/query' ? 200 : 404, {'content-type': 'application/json'});
	response.end(JSON.stringify(body));
});
let port = 0;

before(async () => {
	await new Promise<void>(resolve => {
		server.listen(0, '127.0.0.1', resolve);
	});
	port = (server.address() as AddressInfo).port;
});

after(async () => {
	server.closeAllConnections();
	await new Promise(resolve => {
		server.close(resolve);
	});
});

describe('PrometheusClient behind a gateway (path prefix and credentials)', () => {
	test('user:password@ in the URL becomes a Basic header, the prefix is kept, and the URL shown carries no password', async () => {
		accepted = `Basic ${Buffer.from('ops:s3cr:et').toString('base64')}`;
		const client = new PrometheusClient(`http://ops:s3cr%3Aet@127.0.0.1:${port}/prom/`);
		const samples = await client.query('sum(x)');
		assert.deepEqual(samples, [{metric: {destination_version: 'v1'}, value: 3}]);
		assert.deepEqual(seen.at(-1), {path: '/prom/api/v1/query', authorization: accepted});
		assert.equal(client.baseUrl, `http://127.0.0.1:${port}/prom`);
	});

	test('a bearer token is sent as Authorization: Bearer', async () => {
		accepted = 'Bearer tok-123';
		const samples = await new PrometheusClient(`http://127.0.0.1:${port}/prom`, {bearerToken: 'tok-123\n'}).query('sum(x)');
		assert.equal(samples[0]?.value, 3);
		assert.equal(seen.at(-1)?.authorization, 'Bearer tok-123');
	});

	test('a refused credential says so, and without one says how to pass one; no password in the message', async () => {
		accepted = 'Bearer right';
		await assert.rejects(new PrometheusClient(`http://127.0.0.1:${port}/prom`, {bearerToken: 'wrong'}).query('up'), (error: Error) => {
			assert.equal(error.message, `Prometheus at http://127.0.0.1:${port}/prom refused the credentials (HTTP 401)`);
			return true;
		});
		await assert.rejects(new PrometheusClient(`http://127.0.0.1:${port}/prom`).query('up'), /HTTP 401, none were sent: put user:password@ in --prometheus-url or pass --prometheus-token-file/);
		await assert.rejects(new PrometheusClient(`http://u:hunter2@127.0.0.1:${port}/prom`).query('up'), (error: Error) => !error.message.includes('hunter2'));
	});
});
