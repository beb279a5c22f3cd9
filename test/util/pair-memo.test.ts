import assert from 'node:assert/strict';
import {test} from 'node:test';
import v8 from 'node:v8';
import vm from 'node:vm';
import {PairMemo} from '../../source/util/pair-memo.js';

test('a pair\'s value is computed once, and each ordered pair has its own', () => {
	const memo = new PairMemo<object, object, string | undefined>();
	const a = {};
	const b = {};
	let calls = 0;
	const compute = (first: object, second: object) => {
		calls++;
		return first === a && second === b ? 'a→b' : (first === b ? undefined : 'other');
	};

	assert.equal(memo.get(a, b, compute), 'a→b');
	assert.equal(memo.get(a, b, compute), 'a→b');
	assert.equal(memo.get(b, a, compute), undefined);
	assert.equal(memo.get(b, a, compute), undefined);
	assert.equal(memo.get(a, a, compute), 'other');
	assert.equal(calls, 3);
});

test('an entry does not keep its objects alive', async () => {
	v8.setFlagsFromString('--expose-gc');
	const gc = vm.runInNewContext('gc') as () => void;
	const memo = new PairMemo<object, object, number>();
	const kept = {};
	let gone: WeakRef<object>;
	(() => {
		const second = {};
		gone = new WeakRef(second);
		memo.get(kept, second, () => 1);
	})();
	await new Promise(resolve => {
		setImmediate(resolve);
	});
	gc();
	assert.equal(gone!.deref(), undefined);
});
