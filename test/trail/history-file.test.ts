import assert from 'node:assert/strict';
import {appendFile, mkdtemp, readFile, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {after, before, describe, it} from 'node:test';
import {HistoryFile, historyFilePath} from '../../source/trail/history-file.js';
import type {WeightChange} from '../../source/domain/weight-change.js';

function record(overrides: Partial<WeightChange> = {}): WeightChange {
	return {
		time: '2025-01-01T12:00:05.000Z',
		user: 'sim-admin',
		context: 'sim',
		namespace: 'bookinfo',
		vs: 'reviews',
		route: 'http[0]',
		before: {v1: 100, v3: 0},
		after: {v1: 50, v3: 50},
		resourceVersionBefore: '10',
		resourceVersionAfter: '11',
		source: 'set',
		...overrides,
	};
}

describe('historyFilePath', () => {
	it('prefers the explicit path, then MESHTOP_HISTORY, then XDG_STATE_HOME, then ~/.local/state', () => {
		const env = {HOME: '/home/sre', XDG_STATE_HOME: '/state', MESHTOP_HISTORY: '/tmp/h.jsonl'};
		assert.equal(historyFilePath({path: '/x.jsonl', env}), '/x.jsonl');
		assert.equal(historyFilePath({env}), '/tmp/h.jsonl');
		assert.equal(historyFilePath({env: {HOME: '/home/sre', XDG_STATE_HOME: '/state'}}), path.join('/state', 'meshtop', 'history.jsonl'));
		assert.equal(historyFilePath({env: {HOME: '/home/sre'}}), path.join('/home/sre', '.local', 'state', 'meshtop', 'history.jsonl'));
		// A relative XDG_STATE_HOME is invalid per the XDG spec and ignored.
		assert.equal(historyFilePath({env: {HOME: '/home/sre', XDG_STATE_HOME: 'state'}}), path.join('/home/sre', '.local', 'state', 'meshtop', 'history.jsonl'));
	});
});

describe('HistoryFile', () => {
	let directory: string;
	before(async () => {
		directory = await mkdtemp(path.join(tmpdir(), 'meshtop-history-'));
	});
	after(async () => {
		await rm(directory, {recursive: true, force: true});
	});

	it('reads nothing from a missing file and creates folders on the first append', async () => {
		const file = new HistoryFile(path.join(directory, 'deep', 'er', 'history.jsonl'));
		assert.deepEqual(await file.read(), {records: [], skipped: 0});
		await file.append(record());
		const text = await readFile(file.path, 'utf8');
		assert.equal(text.split('\n').length, 2, 'one line and a final newline');
		assert.deepEqual(JSON.parse(text.split('\n')[0] ?? ''), record());
	});

	it('filters by VirtualService, namespace and context, oldest first', async () => {
		const file = new HistoryFile(path.join(directory, 'filter.jsonl'));
		await file.append(record({time: '2025-01-01T12:00:00.000Z'}));
		await file.append(record({vs: 'ratings'}));
		await file.append(record({namespace: 'other'}));
		await file.append(record({context: 'prod'}));
		await file.append(record({time: '2025-01-01T12:00:09.000Z', source: 'undo'}));
		const {records} = await file.read({vs: 'reviews', namespace: 'bookinfo', context: 'sim'});
		assert.deepEqual(records.map(entry => [entry.time, entry.source]), [['2025-01-01T12:00:00.000Z', 'set'], ['2025-01-01T12:00:09.000Z', 'undo']]);
		assert.equal((await file.read()).records.length, 5);
	});

	it('skips and counts lines that are not records', async () => {
		const file = new HistoryFile(path.join(directory, 'broken.jsonl'));
		await file.append(record());
		await appendFile(file.path, '{"time": "cut short\n{"unrelated": true}\n');
		await file.append(record({source: 'shift'}));
		const {records, skipped} = await file.read();
		assert.equal(skipped, 2);
		assert.deepEqual(records.map(entry => entry.source), ['set', 'shift']);
	});

	it('keeps every line when many appends race', async () => {
		const file = new HistoryFile(path.join(directory, 'race.jsonl'));
		await Promise.all(Array.from({length: 50}, async (_, index) => file.append(record({note: `n${index}`.repeat(200)}))));
		const {records, skipped} = await file.read();
		assert.equal(skipped, 0);
		assert.equal(records.length, 50);
	});
});
