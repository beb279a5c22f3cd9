import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {ObjectStore, type KubeObject} from '../../source/sim/api/store.js';
import {seedBookinfo} from '../../source/sim/bookinfo.js';
import {readIstioYaml} from '../../source/sim/istio-data.js';
import {runControlCommand} from '../../source/sim/mesh/control.js';
import {formatFault, parseFaultFlag} from '../../source/sim/mesh/faults.js';
import {createMesh, type Mesh} from '../../source/sim/mesh/mesh.js';
import type {RequestRecord} from '../../source/sim/mesh/request-record.js';

describe('parseFaultFlag', () => {
	it('parses errors and latency', () => {
		assert.deepEqual(parseFaultFlag('reviews:v3:errors=10%,latency=+300ms'), {service: 'reviews', version: 'v3', errorRate: 0.1, extraLatencyMs: 300});
	});

	it('accepts a fraction, seconds, and either setting alone', () => {
		assert.deepEqual(parseFaultFlag('ratings:v1:errors=0.25'), {service: 'ratings', version: 'v1', errorRate: 0.25});
		assert.deepEqual(parseFaultFlag('reviews:v2:latency=1.5s'), {service: 'reviews', version: 'v2', extraLatencyMs: 1500});
		assert.deepEqual(parseFaultFlag(' reviews:v2: latency=+20ms , errors=100% '), {service: 'reviews', version: 'v2', extraLatencyMs: 20, errorRate: 1});
	});

	it('round-trips through formatFault', () => {
		for (const text of ['reviews:v3:errors=12.5%,latency=+300ms', 'details:v1:latency=+40ms', 'ratings:v1:errors=100%']) {
			assert.equal(formatFault(parseFaultFlag(text)), text);
		}
	});

	it('rejects malformed flags with a message naming the problem', () => {
		const cases: Array<[string, RegExp]> = [
			['reviews:errors=10%', /SERVICE:VERSION/],
			[':v3:errors=10%', /service and version/],
			['reviews:v3:', /errors=/],
			['reviews:v3:errors=150%', /exceed/],
			['reviews:v3:errors=ten', /error rate/],
			['reviews:v3:latency=300', /latency/],
			['reviews:v3:colour=red', /known keys/],
			['reviews:v3:errors', /KEY=VALUE/],
		];
		for (const [text, message] of cases) {
			assert.throws(() => parseFaultFlag(text), message, text);
		}
	});
});

function fiftyFiftyMesh(): {mesh: Mesh; records: RequestRecord[]} {
	const store = new ObjectStore();
	seedBookinfo(store);
	const object = readIstioYaml('bookinfo/virtual-service-reviews-50-v3.yaml')[0] as KubeObject;
	object.metadata.namespace = 'bookinfo';
	store.create('networking.istio.io/virtualservices', object, {replace: true});
	const records: RequestRecord[] = [];
	const mesh = createMesh({store, seed: 3, recorder: record => records.push(record)});
	return {mesh, records};
}

/** 5xx share and mean duration of the requests reviews' version served, over the records from `from` on. */
function servedBy(records: RequestRecord[], version: string, from = 0): {count: number; errorRate: number; meanMs: number} {
	const served = records.slice(from).filter(record => record.service.name === 'reviews' && record.destination?.version === version);
	const errors = served.filter(record => record.responseCode >= 500).length;
	const total = served.reduce((sum, record) => sum + record.durationMs, 0);
	return {count: served.length, errorRate: errors / served.length, meanMs: total / served.length};
}

describe('mesh faults', () => {
	it('healthy versions answer 200 with latencies of tens of milliseconds', () => {
		const {mesh, records} = fiftyFiftyMesh();
		mesh.sendRequests(1000);
		for (const version of ['v1', 'v3']) {
			const {errorRate, meanMs} = servedBy(records, version);
			assert.equal(errorRate, 0, version);
			assert.ok(meanMs > 3 && meanMs < 60, `${version} mean ${meanMs} ms`);
		}

		mesh.stop();
	});

	it('raises the faulty version\'s 5xx rate and latency only, and clearFault restores it', () => {
		const {mesh, records} = fiftyFiftyMesh();
		mesh.setFault(parseFaultFlag('reviews:v3:errors=30%,latency=+300ms'));
		mesh.sendRequests(2000);
		const v3 = servedBy(records, 'v3');
		const v1 = servedBy(records, 'v1');
		assert.ok(Math.abs(v3.errorRate - 0.3) < 0.05, `v3 error rate ${v3.errorRate}`);
		assert.ok(v3.meanMs > 300, `v3 mean ${v3.meanMs} ms`);
		assert.equal(v1.errorRate, 0);
		assert.ok(v1.meanMs < 60, `v1 mean ${v1.meanMs} ms`);
		assert.deepEqual(mesh.faults(), [{service: 'reviews', version: 'v3', errorRate: 0.3, extraLatencyMs: 300}]);

		assert.equal(mesh.clearFault('reviews', 'v3'), true);
		assert.equal(mesh.clearFault('reviews', 'v3'), false);
		const from = records.length;
		mesh.sendRequests(1000);
		const after = servedBy(records, 'v3', from);
		assert.equal(after.errorRate, 0);
		assert.ok(after.meanMs < 60, `v3 mean after clear ${after.meanMs} ms`);
		mesh.stop();
	});

	it('applies faults given at creation, and the stats count the 5xx', () => {
		const store = new ObjectStore();
		seedBookinfo(store);
		const mesh = createMesh({store, faults: [{service: 'details', version: 'v1', errorRate: 1}]});
		mesh.sendRequests(50);
		const details = mesh.stats().services['details']?.['v1'];
		assert.equal(details?.requests, 50);
		assert.equal(details?.errors, 50);
		assert.equal(mesh.stats().services['productpage']?.['v1']?.errors, 0, 'errors do not propagate to the page');
		mesh.stop();
	});

	it('a failing reviews version makes no call to ratings', () => {
		const {mesh, records} = fiftyFiftyMesh();
		mesh.setFault({service: 'reviews', version: 'v3', errorRate: 1});
		mesh.sendRequests(300);
		const v3Served = servedBy(records, 'v3').count;
		assert.ok(v3Served > 0);
		assert.equal(records.filter(record => record.service.name === 'ratings').length, 0);
		mesh.stop();
	});
});

describe('sim control commands', () => {
	it('sets, lists and clears faults, changes the rate, and reports stats', () => {
		const {mesh} = fiftyFiftyMesh();
		assert.deepEqual(runControlCommand('faults', mesh), {text: 'no faults', error: false, quit: false});
		assert.equal(runControlCommand('fault reviews:v3:errors=100%', mesh).text, 'fault set: reviews:v3:errors=100%');
		assert.equal(runControlCommand('fault ratings:v1:latency=+5ms', mesh).error, false);
		assert.equal(runControlCommand('faults', mesh).text, 'reviews:v3:errors=100%\nratings:v1:latency=+5ms');
		mesh.sendRequests(200);
		const stats = runControlCommand('stats', mesh).text;
		const v3 = /^reviews v3: (\d+) requests, (\d+) 5xx$/m.exec(stats);
		assert.ok(v3 && Number(v3[1]) > 0 && v3[1] === v3[2], stats);
		assert.match(stats, /^reviews v1: \d+ requests, 0 5xx$/m);
		assert.equal(runControlCommand('clear reviews:v3', mesh).text, 'fault cleared: reviews:v3');
		assert.deepEqual(runControlCommand('clear reviews:v3', mesh), {text: 'error: no fault on reviews:v3', error: true, quit: false});
		assert.equal(runControlCommand('clear all', mesh).text, 'cleared 1 fault(s)');
		assert.deepEqual(mesh.faults(), []);
		mesh.stop();
	});

	it('reports bad input as errors and recognises quit', () => {
		const {mesh} = fiftyFiftyMesh();
		for (const line of ['fault reviews', 'clear reviews', 'rps', 'rps -1', 'rps many', 'launch']) {
			const reply = runControlCommand(line, mesh);
			assert.equal(reply.error, true, line);
			assert.match(reply.text, /^error: /, line);
		}

		assert.equal(runControlCommand('quit', mesh).quit, true);
		assert.equal(runControlCommand('  ', mesh).text, '');
		mesh.stop();
	});

	it('rps changes the load generator\'s rate', () => {
		const store = new ObjectStore();
		seedBookinfo(store);
		let now = 0;
		const mesh = createMesh({store, clock: {now: () => now, setInterval: () => 1, clearInterval: () => undefined}});
		mesh.start();
		assert.equal(runControlCommand('rps 7', mesh).text, 'entry rate: 7 req/s');
		now += 2000;
		assert.equal(mesh.tick(), 14);
		mesh.stop();
	});
});
