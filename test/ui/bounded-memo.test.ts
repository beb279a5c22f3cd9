import assert from 'node:assert/strict';
import {test} from 'node:test';
import fc from 'fast-check';
import {BoundedMemo} from '../../source/ui/bounded-memo.js';

test('a memo answers what was set, and never holds more than two generations', () => {
	fc.assert(fc.property(fc.integer({min: 1, max: 8}), fc.array(fc.integer({min: 0, max: 30}), {maxLength: 200}), (capacity, keys) => {
		const memo = new BoundedMemo<number, string>(capacity);
		for (const key of keys) {
			const held = memo.get(key);
			assert.ok(held === undefined || held === `v${key}`, `key ${key} answered ${held}`);
			if (held === undefined) {
				memo.set(key, `v${key}`);
			}

			assert.ok(memo.size <= 2 * capacity, `${memo.size} entries with capacity ${capacity}`);
		}
	}));
});

test('what every frame uses survives the turnovers; what stopped being used is dropped', () => {
	const memo = new BoundedMemo<string, number>(4);
	memo.set('header', 1);
	for (let frame = 0; frame < 50; frame++) {
		assert.equal(memo.get('header'), 1, `frame ${frame}`);
		memo.set(`changing ${frame}`, frame);
	}

	assert.equal(memo.get('changing 0'), undefined);
	assert.equal(memo.get('changing 49'), 49);
});
