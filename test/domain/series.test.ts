import {describe, test} from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {RingBuffer, SeriesSet} from '../../source/domain/series.js';

describe('RingBuffer', () => {
	test('keeps the newest values up to its capacity, oldest first', () => {
		const buffer = new RingBuffer<number>(3);
		assert.deepEqual(buffer.toArray(), []);
		assert.equal(buffer.last(), undefined);
		buffer.push(1);
		buffer.push(2);
		assert.deepEqual(buffer.toArray(), [1, 2]);
		buffer.push(3);
		buffer.push(4);
		buffer.push(5);
		assert.deepEqual(buffer.toArray(), [3, 4, 5]);
		assert.equal(buffer.length, 3);
		assert.equal(buffer.capacity, 3);
		assert.equal(buffer.last(), 5);
	});

	test('clear empties it and it fills again from scratch', () => {
		const buffer = new RingBuffer<string>(2);
		buffer.push('a');
		buffer.push('b');
		buffer.push('c');
		buffer.clear();
		assert.equal(buffer.length, 0);
		assert.deepEqual(buffer.toArray(), []);
		buffer.push('d');
		assert.deepEqual(buffer.toArray(), ['d']);
		assert.equal(buffer.last(), 'd');
	});

	test('rejects capacities that are not positive integers', () => {
		assert.throws(() => new RingBuffer(0), RangeError);
		assert.throws(() => new RingBuffer(2.5), RangeError);
	});

	test('property: always the last min(n, capacity) values pushed, in order', () => {
		fc.assert(fc.property(fc.integer({min: 1, max: 20}), fc.array(fc.integer(), {maxLength: 60}), (capacity, values) => {
			const buffer = new RingBuffer<number>(capacity);
			for (const value of values) {
				buffer.push(value);
			}

			const expected = values.slice(Math.max(0, values.length - capacity));
			assert.deepEqual(buffer.toArray(), expected);
			assert.equal(buffer.length, expected.length);
			assert.equal(buffer.last(), values.at(-1));
		}));
	});
});

describe('SeriesSet', () => {
	test('keeps series aligned: keys missing from a sample get null, late keys are back-filled', () => {
		const set = new SeriesSet(4);
		set.push({v1: 10});
		set.push({v1: 11, v3: 1});
		set.push({v3: 2});
		assert.deepEqual(set.keys(), ['v1', 'v3']);
		assert.deepEqual(set.series('v1'), [10, 11, null]);
		assert.deepEqual(set.series('v3'), [null, 1, 2]);
		assert.deepEqual(set.series('v2'), [null, null, null]);
		assert.equal(set.length, 3);
	});

	test('null values are kept as gaps; the capacity bounds every series', () => {
		const set = new SeriesSet(2);
		set.push({v1: 1});
		set.push({v1: null});
		set.push({v1: 3, v2: 30});
		assert.deepEqual(set.series('v1'), [null, 3]);
		assert.deepEqual(set.series('v2'), [null, 30]);
		assert.equal(set.length, 2);
		set.clear();
		assert.equal(set.length, 0);
		assert.deepEqual(set.keys(), []);
	});

	test('property: every series has `length` values and holds the last samples of its key', () => {
		const sample = fc.dictionary(fc.constantFrom('v1', 'v2', 'v3'), fc.option(fc.integer({min: 0, max: 1000}), {nil: null}), {noNullPrototype: true});
		fc.assert(fc.property(fc.integer({min: 1, max: 10}), fc.array(sample, {maxLength: 30}), (capacity, samples) => {
			const set = new SeriesSet(capacity);
			for (const value of samples) {
				set.push(value);
			}

			const kept = samples.slice(Math.max(0, samples.length - capacity));
			assert.equal(set.length, kept.length);
			for (const key of ['v1', 'v2', 'v3']) {
				assert.deepEqual(set.series(key), kept.map(value => value[key] ?? null));
			}

			assert.deepEqual(set.keys(), [...new Set(samples.flatMap(value => Object.keys(value)))]);
		}));
	});
});
