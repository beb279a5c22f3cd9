import {describe, test} from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {apportion, nextStep, normalizeWeights, parseAssignments, shiftWeights, stepSizes} from '../../source/domain/weights.js';

const sum = (values: readonly number[]): number => values.reduce((total, value) => total + value, 0);

/** Random valid splits of 2..6 destinations, zeros included (a fresh canary at 0 is the common case). */
const splitArbitrary = fc
	.array(fc.oneof(fc.constant(0), fc.integer({min: 0, max: 100})), {minLength: 2, maxLength: 6})
	.filter(raw => sum(raw) > 0)
	.map(raw => normalizeWeights(raw));

const shiftCase = splitArbitrary.chain(weights => fc.record({
	weights: fc.constant(weights),
	index: fc.nat(weights.length - 1),
	delta: fc.integer({min: 1, max: 100}).chain(size => fc.constantFrom(size, -size)),
}));

describe('normalizeWeights', () => {
	test('a single destination without weight gets all the traffic', () => {
		assert.deepEqual(normalizeWeights([undefined]), [100]);
	});

	test('several destinations: unset counts as 0', () => {
		assert.deepEqual(normalizeWeights([100, undefined]), [100, 0]);
		assert.deepEqual(normalizeWeights([undefined, 60, 40]), [0, 60, 40]);
	});

	test('relative weights are scaled with largest remainder, ties to the lower index', () => {
		assert.deepEqual(normalizeWeights([1, 1, 1]), [34, 33, 33]);
		assert.deepEqual(normalizeWeights([1, 3]), [25, 75]);
		assert.deepEqual(normalizeWeights([2, 1]), [67, 33]);
		assert.deepEqual(normalizeWeights([500, 500]), [50, 50]);
	});

	test('all-zero and empty stay as they are', () => {
		assert.deepEqual(normalizeWeights([]), []);
		assert.deepEqual(normalizeWeights([0, 0, 0]), [0, 0, 0]);
		assert.deepEqual(normalizeWeights([undefined, undefined]), [0, 0]);
	});

	test('property: any non-zero input gives integers >= 0 summing to 100, each within a point of its exact share', () => {
		fc.assert(fc.property(fc.array(fc.option(fc.integer({min: 0, max: 10_000}), {nil: undefined}), {minLength: 2, maxLength: 8}), raw => {
			const result = normalizeWeights(raw);
			assert.equal(result.length, raw.length);
			const values = raw.map(value => value ?? 0);
			if (sum(values) === 0) {
				assert.ok(result.every(value => value === 0));
				return;
			}

			assert.equal(sum(result), 100);
			for (const [index, value] of result.entries()) {
				assert.ok(Number.isInteger(value) && value >= 0);
				// Largest remainder never strays a whole point from the exact share.
				assert.ok(Math.abs(value - (100 * (values[index] ?? 0) / sum(values))) < 1);
			}
		}));
	});

	test('property: a valid split is returned unchanged', () => {
		fc.assert(fc.property(splitArbitrary, split => {
			assert.deepEqual(normalizeWeights(split), split);
		}));
	});
});

describe('apportion', () => {
	test('distributes exactly the total, never more than a share allows', () => {
		fc.assert(fc.property(fc.array(fc.nat(100), {minLength: 1, maxLength: 6}), fc.nat(100), (shares, rawTotal) => {
			const total = Math.min(rawTotal, sum(shares));
			const parts = apportion(total, shares);
			if (sum(shares) === 0) {
				assert.ok(parts.every(part => part === 0));
				return;
			}

			assert.equal(sum(parts), total);
			for (const [index, part] of parts.entries()) {
				assert.ok(part >= 0 && part <= (shares[index] ?? 0));
			}
		}));
	});
});

describe('shiftWeights', () => {
	test('examples', () => {
		assert.deepEqual(shiftWeights([100, 0], 1, 10), [90, 10]);
		assert.deepEqual(shiftWeights([50, 50], 1, 10), [40, 60]);
		assert.deepEqual(shiftWeights([34, 33, 33], 0, 10), [44, 28, 28]);
		// Others 34/33 give 10 in proportion: 5.07 and 4.93 → 5 and 4, the leftover point goes to the larger remainder (4.93).
		assert.deepEqual(shiftWeights([34, 33, 33], 1, 10), [29, 43, 28]);
		// Equal remainders: the lower index gives the extra point.
		assert.deepEqual(shiftWeights([50, 0, 50], 1, 5), [47, 5, 48]);
		assert.deepEqual(shiftWeights([0, 100], 1, 10), [0, 100]);
	});

	test('giving back goes in proportion, or equally when the others are all 0', () => {
		assert.deepEqual(shiftWeights([90, 10], 1, -10), [100, 0]);
		assert.deepEqual(shiftWeights([0, 100, 0], 1, -10), [5, 90, 5]);
		assert.deepEqual(shiftWeights([0, 100, 0, 0], 1, -10), [4, 90, 3, 3]);
		assert.deepEqual(shiftWeights([20, 60, 20], 1, -20), [30, 40, 30]);
		assert.deepEqual(shiftWeights([100, 0], 1, -10), [100, 0]);
	});

	test('clamps to what is available', () => {
		assert.deepEqual(shiftWeights([95, 5], 1, 25), [70, 30]);
		assert.deepEqual(shiftWeights([10, 90], 0, -25), [0, 100]);
		assert.deepEqual(shiftWeights([10, 90], 1, 25), [0, 100]);
	});

	test('1 destination and out-of-range index are no-ops', () => {
		assert.deepEqual(shiftWeights([100], 0, 10), [100]);
		assert.deepEqual(shiftWeights([100], 0, -10), [100]);
		assert.deepEqual(shiftWeights([60, 40], 2, 10), [60, 40]);
		assert.deepEqual(shiftWeights([60, 40], -1, 10), [60, 40]);
		assert.deepEqual(shiftWeights([60, 40], 0, 0), [60, 40]);
	});

	test('raw relative weights are normalized first so the sum holds', () => {
		assert.deepEqual(shiftWeights([1, 1], 0, 10), [60, 40]);
	});

	test('property: sum stays 100, integers >= 0, selected moves by what is available, others never move against it', () => {
		fc.assert(fc.property(shiftCase, ({weights, index, delta}) => {
			const result = shiftWeights(weights, index, delta);
			assert.equal(result.length, weights.length);
			assert.equal(sum(result), 100);
			assert.ok(result.every(value => Number.isInteger(value) && value >= 0 && value <= 100));
			const before = weights[index] ?? 0;
			const available = delta > 0 ? 100 - before : before;
			const moved = Math.min(Math.abs(delta), available);
			assert.equal(result[index], before + (Math.sign(delta) * moved));
			const others = weights.map((_, position) => position).filter(position => position !== index);
			const otherTotal = sum(others.map(position => weights[position] ?? 0));
			for (const position of others) {
				const change = (result[position] ?? 0) - (weights[position] ?? 0);
				assert.ok(delta > 0 ? change <= 0 : change >= 0, `destination ${position} moved against the shift`);
				// In proportion: within one point of the exact share of what moved.
				const share = otherTotal > 0 ? (weights[position] ?? 0) / otherTotal : 1 / others.length;
				assert.ok(Math.abs(Math.abs(change) - (moved * share)) < 1, `destination ${position} did not move in proportion`);
			}
		}));
	});

	test('property: +d then back by what moved returns to a close split', () => {
		fc.assert(fc.property(shiftCase, ({weights, index, delta}) => {
			const there = shiftWeights(weights, index, delta);
			const moved = (there[index] ?? 0) - (weights[index] ?? 0);
			const back = shiftWeights(there, index, -moved);
			assert.equal(back[index], weights[index]);
			const giving = delta > 0 ? 100 - (weights[index] ?? 0) : weights[index] ?? 0;
			if (weights.length === 2) {
				assert.deepEqual(back, weights);
			} else if (Math.abs(moved) * 2 <= giving) {
				// Rounding twice: bounded by 2 points per destination while the givers keep at least half.
				for (const [position, value] of back.entries()) {
					assert.ok(Math.abs(value - (weights[position] ?? 0)) <= 2, `destination ${position}: ${weights.join()} → ${there.join()} → ${back.join()}`);
				}
			}
		}));
	});

	test('fixed destinations (HTTPRoute backends of another kind) keep their weight; the others shift within the rest', () => {
		const table: Array<{weights: number[]; fixed: boolean[]; index: number; delta: number; expect: number[]}> = [
			// v1 gives to v3; the fixed 20 stays.
			{weights: [80, 20, 0], fixed: [false, true, false], index: 2, delta: 10, expect: [70, 20, 10]},
			// Taking is capped by what the movable others hold, not by 100.
			{weights: [10, 20, 70], fixed: [false, true, false], index: 2, delta: 25, expect: [0, 20, 80]},
			// Giving back goes to the movable others only, even when the fixed one holds the most.
			{weights: [0, 60, 40], fixed: [false, true, false], index: 2, delta: -10, expect: [10, 60, 30]},
			// A fixed selected destination moves nothing.
			{weights: [50, 50], fixed: [false, true], index: 1, delta: 10, expect: [50, 50]},
			// Fixed at 0 stays 0 even when the others are all 0 and get back equally.
			{weights: [0, 0, 100], fixed: [false, true, false], index: 2, delta: -10, expect: [10, 0, 90]},
			// Everything else fixed: nothing can move.
			{weights: [30, 70], fixed: [true, false], index: 1, delta: -10, expect: [30, 70]},
		];
		for (const row of table) {
			assert.deepEqual(shiftWeights(row.weights, row.index, row.delta, row.fixed), row.expect, JSON.stringify(row));
		}
	});

	test('property: with fixed destinations the sum stays 100 and each fixed weight stays exactly as it was', () => {
		fc.assert(fc.property(shiftCase.chain(shift => fc.record({shift: fc.constant(shift), fixed: fc.array(fc.boolean(), {minLength: shift.weights.length, maxLength: shift.weights.length})})), ({shift, fixed}) => {
			const result = shiftWeights(shift.weights, shift.index, shift.delta, fixed);
			assert.equal(sum(result), 100);
			assert.ok(result.every(value => Number.isInteger(value) && value >= 0));
			for (const [position, isFixed] of fixed.entries()) {
				if (isFixed) {
					assert.equal(result[position], shift.weights[position]);
				}
			}
		}));
	});

	test('property: does not modify its input', () => {
		fc.assert(fc.property(shiftCase, ({weights, index, delta}) => {
			const copy = [...weights];
			shiftWeights(weights, index, delta);
			assert.deepEqual(weights, copy);
		}));
	});
});

describe('step sizes', () => {
	test('are 1, 5, 10, 25', () => {
		assert.deepEqual([...stepSizes], [1, 5, 10, 25]);
	});

	test('nextStep moves through the list and stops at its ends', () => {
		assert.equal(nextStep(1, 1), 5);
		assert.equal(nextStep(5, 1), 10);
		assert.equal(nextStep(10, 1), 25);
		assert.equal(nextStep(25, 1), 25);
		assert.equal(nextStep(25, -1), 10);
		assert.equal(nextStep(5, -1), 1);
		assert.equal(nextStep(1, -1), 1);
	});

	test('nextStep from a size not in the list goes to the nearest listed one in that direction', () => {
		assert.equal(nextStep(7, 1), 10);
		assert.equal(nextStep(7, -1), 5);
		assert.equal(nextStep(100, -1), 25);
		assert.equal(nextStep(0, 1), 1);
	});
});

describe('parseAssignments', () => {
	const keys = ['v1', 'v2', 'v3'];

	test('parses assignments, omitted keys get 0', () => {
		assert.deepEqual(parseAssignments(['v1=50', 'v3=50'], keys), {ok: true, weights: {v1: 50, v2: 0, v3: 50}});
		assert.deepEqual(parseAssignments(['v2=100'], keys), {ok: true, weights: {v1: 0, v2: 100, v3: 0}});
	});

	test('read-only keys keep their weight: omitted or restated they count in the sum, changed they are refused with the reason', () => {
		const fixed = {v2: {weight: 20, reason: 'a ServiceImport, not a Service'}};
		assert.deepEqual(parseAssignments(['v1=30', 'v3=50'], keys, fixed), {ok: true, weights: {v1: 30, v2: 20, v3: 50}});
		assert.deepEqual(parseAssignments(['v1=30', 'v2=20', 'v3=50'], keys, fixed), {ok: true, weights: {v1: 30, v2: 20, v3: 50}});
		assert.deepEqual(parseAssignments(['v1=40', 'v2=10', 'v3=50'], keys, fixed), {ok: false, error: 'v2 is read-only (a ServiceImport, not a Service): its weight stays 20'});
		assert.deepEqual(parseAssignments(['v1=50', 'v3=50'], keys, fixed), {ok: false, error: 'weights must sum to 100 (got 120, with read-only v2=20)'});
	});

	test('accepts one shell argument with spaces or commas, and a % sign', () => {
		assert.deepEqual(parseAssignments(['v1=50 v3=50'], keys), {ok: true, weights: {v1: 50, v2: 0, v3: 50}});
		assert.deepEqual(parseAssignments(['v1=25%,v2=75%'], keys), {ok: true, weights: {v1: 25, v2: 75, v3: 0}});
	});

	test('rejects with a message naming the problem', () => {
		const error = (args: string[]): string => {
			const result = parseAssignments(args, keys);
			assert.equal(result.ok, false);
			return result.ok ? '' : result.error;
		};

		assert.match(error(['v4=100']), /unknown version "v4".*v1, v2, v3/);
		assert.match(error(['v1=50.5', 'v2=49.5']), /integer/);
		assert.match(error(['v1=fifty', 'v2=50']), /integer.*"fifty"/);
		assert.match(error(['v1=-10', 'v2=110']), /negative/);
		assert.match(error(['v1=50', 'v2=40']), /sum to 100 \(got 90\)/);
		assert.match(error(['v1=50', 'v1=50']), /twice/);
		assert.match(error(['v1']), /VERSION=WEIGHT/);
		assert.match(error(['=50']), /VERSION=WEIGHT/);
		assert.match(error([]), /no weights/);
	});

	test('property: any split over the keys round-trips', () => {
		fc.assert(fc.property(fc.array(fc.nat(100), {minLength: 3, maxLength: 3}).filter(raw => sum(raw) > 0).map(raw => normalizeWeights(raw)), split => {
			const args = split.map((weight, index) => `${keys[index] ?? ''}=${weight}`);
			assert.deepEqual(parseAssignments(args, keys), {ok: true, weights: {v1: split[0], v2: split[1], v3: split[2]}});
		}));
	});
});
