import {describe, test} from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {SeriesHistory} from '../../source/domain/series.js';

function pushAll(history: SeriesHistory, samples: ReadonlyArray<Record<string, number | null>>): SeriesHistory {
	return samples.reduce((current, sample) => current.withSample(sample), history);
}

describe('SeriesHistory', () => {
	test('keeps series aligned: keys missing from a sample get null, late keys are back-filled', () => {
		const set = pushAll(new SeriesHistory(4), [{v1: 10}, {v1: 11, v3: 1}, {v3: 2}]);
		assert.deepEqual(set.keys(), ['v1', 'v3']);
		assert.deepEqual(set.series('v1'), [10, 11, null]);
		assert.deepEqual(set.series('v3'), [null, 1, 2]);
		assert.deepEqual(set.series('v2'), [null, null, null]);
		assert.equal(set.length, 3);
	});

	test('null values are kept as gaps; the capacity bounds every series', () => {
		const set = pushAll(new SeriesHistory(2), [{v1: 1}, {v1: null}, {v1: 3, v2: 30}]);
		assert.deepEqual(set.series('v1'), [null, 3]);
		assert.deepEqual(set.series('v2'), [null, 30]);
		assert.equal(set.length, 2);
		const cleared = set.cleared();
		assert.equal(cleared.length, 0);
		assert.deepEqual(cleared.keys(), []);
		assert.equal(cleared.capacity, 2);
	});

	test('a value: adding a sample or clearing never changes the history it was made from', () => {
		const first = pushAll(new SeriesHistory(3), [{v1: 1}, {v1: 2}]);
		const second = first.withSample({v1: 3, v3: 7});
		second.cleared();
		assert.deepEqual(first.series('v1'), [1, 2]);
		assert.deepEqual(first.keys(), ['v1']);
		assert.deepEqual(second.series('v1'), [1, 2, 3]);
		assert.ok(Object.isFrozen(second.series('v1')), 'callers cannot edit a series in place');
	});

	test('rejects capacities that are not positive integers', () => {
		assert.throws(() => new SeriesHistory(0), RangeError);
		assert.throws(() => new SeriesHistory(2.5), RangeError);
	});

	test('property: every series has `length` values and holds the last samples of its key', () => {
		const sample = fc.dictionary(fc.constantFrom('v1', 'v2', 'v3'), fc.option(fc.integer({min: 0, max: 1000}), {nil: null}), {noNullPrototype: true});
		fc.assert(fc.property(fc.integer({min: 1, max: 10}), fc.array(sample, {maxLength: 30}), (capacity, samples) => {
			const set = pushAll(new SeriesHistory(capacity), samples);
			const kept = samples.slice(Math.max(0, samples.length - capacity));
			assert.equal(set.length, kept.length);
			for (const key of ['v1', 'v2', 'v3']) {
				assert.deepEqual(set.series(key), kept.map(value => value[key] ?? null));
			}

			assert.deepEqual(set.keys(), [...new Set(samples.flatMap(value => Object.keys(value)))]);
		}));
	});
});
