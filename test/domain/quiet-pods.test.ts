import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import {QuietPods} from '../../source/domain/quiet-pods.js';

describe('quiet pods: read less often while their answers repeat', () => {
	test('a pod is due until it answers the same twice; then only every quiet period; a changed answer makes it due again', () => {
		const pods = new QuietPods(5000);
		assert.equal(pods.due('a', 0), true, 'never read');
		assert.equal(pods.noteRead('a', 'x 1', 0), false, 'a first answer is not quiet');
		assert.equal(pods.due('a', 1000), true);
		assert.equal(pods.noteRead('a', 'x 1', 1000), true, 'the same answer again: nothing counted in between');
		assert.equal(pods.due('a', 2000), false);
		assert.equal(pods.due('a', 5999), false);
		assert.equal(pods.due('a', 6000), true, 'a quiet pod is still read every quiet period');
		assert.equal(pods.noteRead('a', 'x 2', 6000), false, 'it counted: not quiet');
		assert.equal(pods.due('a', 6500), true);
	});

	test('wake(): every pod is due for two quiet periods, then quiet pods rest again', () => {
		const pods = new QuietPods(1000);
		pods.noteRead('a', 'same', 0);
		pods.noteRead('a', 'same', 100);
		assert.equal(pods.due('a', 200), false);
		pods.wake(200);
		assert.equal(pods.due('a', 300), true);
		pods.noteRead('a', 'same', 300);
		assert.equal(pods.due('a', 2199), true, 'still awake');
		pods.noteRead('a', 'same', 2199);
		assert.equal(pods.due('a', 2200), false, 'awake time over, the answer still the same');
	});

	test('keepOnly() forgets pods that left the sample: a pod that comes back is read at once', () => {
		const pods = new QuietPods(1000);
		pods.noteRead('a', 'same', 0);
		pods.noteRead('a', 'same', 10);
		pods.noteRead('b', 'same', 0);
		pods.noteRead('b', 'same', 10);
		pods.keepOnly(new Set(['b']));
		assert.equal(pods.due('a', 20), true);
		assert.equal(pods.due('b', 20), false);
	});

	test('read(): an answer the same as the last is not parsed again; its value stands in last() until the pod leaves', () => {
		const pods = new QuietPods<string>(1000);
		const parsed: string[] = [];
		const parse = (text: string) => {
			parsed.push(text);
			return `counters of ${text}`;
		};

		assert.equal(pods.read('a', 'x 1', 0, parse), 'counters of x 1');
		assert.equal(pods.read('a', 'x 1', 100, parse), 'counters of x 1');
		assert.equal(pods.due('a', 200), false, 'read() notes quiet answers as noteRead() does');
		assert.equal(pods.read('a', 'x 2', 1100, parse), 'counters of x 2');
		assert.deepEqual(parsed, ['x 1', 'x 2'], 'parsed once per different answer');
		assert.equal(pods.last('a'), 'counters of x 2');
		pods.keepOnly(new Set());
		assert.equal(pods.last('a'), undefined);
	});
});
