/** The client's retry back-off runs on the injected Clock: a test moves time instead of sleeping. */
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {PrometheusClient} from '../../source/prometheus/client.js';
import {ManualClock} from '../helpers/manual-clock.js';

test('a dropped connection is retried after 100 ms, then 200 ms, on the client\'s clock', async () => {
	const clock = new ManualClock();
	let calls = 0;
	const client = new PrometheusClient('http://prometheus.invalid', {
		clock,
		async fetch() {
			calls++;
			if (calls < 3) {
				throw new TypeError('fetch failed', {cause: Object.assign(new Error('connect ECONNREFUSED'), {code: 'ECONNREFUSED'})});
			}

			return Response.json({status: 'success', data: {resultType: 'vector', result: []}});
		},
	});
	const settle = async () => new Promise(resolve => setImmediate(resolve));
	const answer = client.query('up');
	await settle();
	assert.equal(calls, 1);
	assert.equal(clock.pending, 1, 'waiting on the clock, not on a real timer');
	clock.advanceTo(99);
	await settle();
	assert.equal(calls, 1);
	clock.advanceTo(100);
	await settle();
	assert.equal(calls, 2);
	clock.advanceTo(300);
	assert.deepEqual(await answer, []);
	assert.equal(calls, 3);
});
