import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import type {VersionMetrics} from '../../source/domain/metrics.js';
import {evaluateGates, formatGateResult, parseGate} from '../../source/domain/rollout-gates.js';

const healthy: VersionMetrics = {rps: 9.8, successRate: 1, p50Ms: 5, p99Ms: 12};

describe('parseGate', () => {
	it('reads the comparison form with units', () => {
		assert.deepEqual(parseGate('success>=99.5'), {metric: 'success', comparator: '>=', threshold: 99.5, text: 'success>=99.5'});
		assert.deepEqual(parseGate('p99<=500ms'), {metric: 'p99', comparator: '<=', threshold: 500, text: 'p99<=500ms'});
		assert.equal(parseGate('p99 <= 0.5s').threshold, 500);
		assert.equal(parseGate('p50<80').comparator, '<');
		assert.equal(parseGate('success >= 99%').threshold, 99);
	});

	it('reads the min-/max- forms', () => {
		assert.deepEqual(parseGate('min-rps=1'), {metric: 'rps', comparator: '>=', threshold: 1, text: 'min-rps=1'});
		assert.deepEqual(parseGate('max-p99=250ms'), {metric: 'p99', comparator: '<=', threshold: 250, text: 'max-p99=250ms'});
		assert.equal(parseGate('min-success=99.9').metric, 'success');
	});

	it('explains bad input', () => {
		assert.throws(() => parseGate('latency<5'), /invalid gate "latency<5": unknown metric "latency".*success>=99\.5/);
		assert.throws(() => parseGate('success'), /expected METRIC OP VALUE/);
		assert.throws(() => parseGate('success>=abc'), /"abc" is not a number/);
		assert.throws(() => parseGate('success>=120'), /between 0 and 100/);
		assert.throws(() => parseGate('p99<=5%'), /duration/);
		assert.throws(() => parseGate('min-rps=2ms'), /requests per second/);
	});
});

describe('evaluateGates', () => {
	const gates = ['success>=99.5', 'p99<=500ms', 'min-rps=1'].map(text => parseGate(text));

	it('passes a healthy version and formats like the progress line', () => {
		const results = evaluateGates(gates, healthy);
		assert.deepEqual(results.map(result => result.pass), [true, true, true]);
		assert.deepEqual(results.map(result => formatGateResult(result)), ['success 100.0% ≥ 99.5 ✓', 'p99 12ms ≤ 500ms ✓', 'rps 9.8 ≥ 1 ✓']);
		assert.equal(results[0]?.value, 100);
	});

	it('fails the gate whose threshold is crossed and says by how much', () => {
		const results = evaluateGates(gates, {...healthy, successRate: 0.8, p99Ms: 900});
		assert.equal(results[0]?.pass, false);
		assert.equal(results[0]?.reason, '80.0% < 99.5');
		assert.equal(results[1]?.reason, '900ms > 500ms');
		assert.equal(results[2]?.pass, true);
	});

	it('never passes on silence', () => {
		for (const result of evaluateGates(gates, undefined)) {
			assert.equal(result.pass, false);
			assert.match(result.reason, /insufficient data \(no metrics\)/);
		}

		const silent = evaluateGates(gates, {rps: 0, successRate: null, p50Ms: null, p99Ms: null});
		assert.deepEqual(silent.map(result => result.pass), [false, false, false]);
		assert.match(silent[0]?.reason ?? '', /insufficient data/);
		assert.match(formatGateResult(silent[0]!), /^success insufficient data .* ✗$/);
	});

	it('treats quality gates as insufficient below the min-rps volume', () => {
		const results = evaluateGates(gates, {...healthy, rps: 0.4});
		assert.equal(results[0]?.pass, false);
		assert.match(results[0]?.reason ?? '', /rps 0\.4 below the minimum volume/);
		assert.equal(results[2]?.reason, '0.4 < 1');
	});

	it('without a volume gate, any traffic is judged', () => {
		const results = evaluateGates([parseGate('success>=99')], {...healthy, rps: 0.1});
		assert.equal(results[0]?.pass, true);
	});
});
