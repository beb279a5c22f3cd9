/** The console's key-timing instrumentation writes one figure per key, from the key to the frame after it. */
import assert from 'node:assert/strict';
import {mkdtempSync, readFileSync, rmSync, existsSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {test} from 'node:test';
import {keyTiming} from '../../source/commands/key-timing.js';

test('off without MESHTOP_KEY_TIMING; with it, a line of milliseconds per key and none for frames without a key', async t => {
	assert.equal(keyTiming(undefined), undefined);
	assert.equal(keyTiming(''), undefined);
	const dir = mkdtempSync(path.join(tmpdir(), 'meshtop-key-timing-'));
	t.after(() => {
		rmSync(dir, {recursive: true, force: true});
	});
	const file = path.join(dir, 'keys.txt');
	const timing = keyTiming(file)!;
	timing.frameRendered();
	assert.equal(existsSync(file), false, 'a refresh frame with no key is not a figure');
	timing.keyArrived();
	await new Promise(resolve => {
		setTimeout(resolve, 20);
	});
	timing.keyArrived();
	timing.frameRendered();
	timing.frameRendered();
	const lines = readFileSync(file, 'utf8').split('\n').filter(line => line !== '');
	assert.equal(lines.length, 1, 'two keys before one frame: timed from the first');
	assert.ok(Number(lines[0]) >= 19, `from the first key: ${lines[0]}`);
});
