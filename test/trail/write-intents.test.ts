/**
 * The intents folder and the resolver's edges, with a fake API: a route that cannot be read now gives the claim back,
 * a damaged file is removed and said, another cluster's intent waits, a deleted route is unknown; a save leaves no
 * temp file behind.
 */
import assert from 'node:assert/strict';
import {mkdtemp, readdir, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {afterEach, beforeEach, describe, it} from 'node:test';
import type {WriteIntent} from '../../source/domain/write-intent.js';
import {KubeError} from '../../source/kube/errors.js';
import {HistoryFile} from '../../source/trail/history-file.js';
import {resolveLeftoverIntents, type ResolveIntentsOptions} from '../../source/trail/resolve-intents.js';
import {WriteIntents} from '../../source/trail/write-intents.js';

const intent = (overrides: Partial<WriteIntent> = {}): WriteIntent => ({
	version: 1, kind: 'VirtualService', namespace: 'bookinfo', name: 'reviews', route: 'http[0]', resourceVersion: '10',
	before: {v1: 100, v3: 0}, asked: {v1: 50, v3: 50}, time: '2026-12-03T05:00:00.000Z', pid: 999_999_999, command: 'meshtop set',
	user: 'admin', context: 'sim', source: 'set', ...overrides,
});

describe('write-ahead intents on disk', () => {
	let dir: string;
	let historyPath: string;
	let intents: WriteIntents;
	let events: string[];

	beforeEach(async () => {
		dir = await mkdtemp(path.join(tmpdir(), 'meshtop-intents-'));
		historyPath = path.join(dir, 'history.jsonl');
		intents = new WriteIntents(historyPath);
		events = [];
	});
	afterEach(async () => {
		await rm(dir, {recursive: true, force: true});
	});

	const resolve = async (getRoute: ResolveIntentsOptions['api']['getRoute']) => resolveLeftoverIntents({
		intents,
		historyFile: new HistoryFile(historyPath),
		api: {getRoute, async createEvent(_namespace, event) {
			events.push(`${event.reason}: ${event.message}`);
		}},
		context: 'sim',
		isAlive: () => false,
	});

	it('save writes one file in intents/ beside the history file, no temp file; remove deletes it', async () => {
		const saved = await intents.save(intent());
		assert.equal(intents.dir, path.join(dir, 'intents'));
		const files = await readdir(intents.dir);
		assert.equal(files.length, 1);
		assert.match(files[0]!, /^2026-12-03T050000\.000Z-999999999-[\da-f]{8}\.json$/);
		assert.deepEqual((await intents.leftovers()).map(leftover => leftover.intent), [intent()]);
		await saved.remove();
		assert.deepEqual(await readdir(intents.dir), []);
	});

	it('a route that cannot be read now (not a 404) gives the claim back, for a later meshtop', async () => {
		await intents.save(intent());
		const report = await resolve(async () => {
			throw new KubeError('unreachable', 'connect ECONNREFUSED');
		});
		assert.deepEqual(report.resolved, []);
		assert.match(report.problems[0] ?? '', /not resolved yet: connect ECONNREFUSED/);
		const [left] = await intents.leftovers();
		assert.equal(left?.claimedBy, undefined, 'back under its own name');
		assert.deepEqual(await new HistoryFile(historyPath).read(), {records: [], skipped: 0});
	});

	it('a deleted route: unknown, with an interrupted-write Event', async () => {
		await intents.save(intent());
		const report = await resolve(async () => {
			throw new KubeError('not-found', 'not found');
		});
		assert.equal(report.resolved[0]?.resolution.outcome, 'unknown');
		assert.equal((await new HistoryFile(historyPath).read()).records[0]?.interrupted, 'unknown');
		assert.match(events[0] ?? '', /^MeshtopWriteInterrupted: reviews http\[0\]: unknown \(interrupted\): VirtualService reviews no longer exists$/);
		assert.deepEqual(await readdir(intents.dir), []);
	});

	it('another context\'s intent waits; a damaged file is removed and said', async () => {
		await intents.save(intent({context: 'elsewhere'}));
		await writeFile(path.join(intents.dir, '2026-12-03T040000.000Z-1-deadbeef.json'), '{"version": 1, "pid": 1, "kind":');
		const report = await resolve(async () => {
			throw new Error('not asked');
		});
		assert.deepEqual(report.resolved, []);
		assert.deepEqual(report.problems, ['unreadable write-ahead intent 2026-12-03T040000.000Z-1-deadbeef.json removed']);
		assert.equal((await intents.leftovers())[0]?.intent?.context, 'elsewhere');
	});
});
