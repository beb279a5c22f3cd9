import {describe, test} from 'node:test';
import assert from 'node:assert/strict';
import {observedShares, type MetricsSnapshot} from '../../source/domain/metrics.js';

function snapshot(rates: Record<string, number>): MetricsSnapshot {
	return {at: 0, window: '4s', byVersion: Object.fromEntries(Object.entries(rates).map(([key, rps]) => [key, {rps, successRate: 1, p50Ms: 5, p99Ms: 20}]))};
}

describe('observedShares', () => {
	test('shares of the total request rate, versions without data at 0', () => {
		assert.deepEqual(observedShares(snapshot({v1: 30, v3: 10}), ['v1', 'v2', 'v3']), {v1: 75, v2: 0, v3: 25});
	});

	test('a version with all the traffic has exactly 100%, whatever its rate', () => {
		// (100 × 10.689963931204964) / 10.689963931204964 is 99.99999999999999 in floating point; `status --json` printed it.
		for (const rps of [10.689963931204964, 10.759769028876839, 20.927868866213583, 0.1, 1e-9, 3]) {
			assert.deepEqual(observedShares(snapshot({v1: rps, v3: 0}), ['v1', 'v3']), {v1: 100, v3: 0}, String(rps));
		}
	});

	test('no traffic or no snapshot: unknown (null), not 0', () => {
		assert.deepEqual(observedShares(snapshot({v1: 0}), ['v1', 'v3']), {v1: null, v3: null});
		assert.deepEqual(observedShares(undefined, ['v1']), {v1: null});
	});
});
