/**
 * The write-ahead intent's own cost, alone: save (temp file, fsync, rename, fsync of the folder) and remove, as every
 * write does before and after its PATCH, in a temporary folder on the disk the history file would be on ($TMPDIR here).
 */
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {performance} from 'node:perf_hooks';
import {WriteIntents} from '../source/trail/write-intents.js';
import type {WriteIntent} from '../source/domain/write-intent.js';
import {failedRow, type Row} from './report.js';
import {formatMs, summarize} from './stats.js';

/** Save + remove of `iterations` intents, one after another, as rows (for information: no budget of its own). */
export async function runIntentBench(iterations = 100): Promise<Row[]> {
	const label = '  of which the write-ahead intent (save with fsync + remove)';
	const dir = await mkdtemp(path.join(tmpdir(), 'meshtop-bench-intent-'));
	try {
		const intents = new WriteIntents(path.join(dir, 'history.jsonl'));
		const saves: number[] = [];
		const totals: number[] = [];
		for (let index = 0; index < iterations; index++) {
			const intent: WriteIntent = {
				version: 1, kind: 'VirtualService', namespace: 'bookinfo', name: 'reviews', route: 'http[0]', resourceVersion: String(index),
				before: {v1: 100, v3: 0}, asked: {v1: 90, v3: 10}, time: new Date().toISOString(), pid: process.pid, command: 'meshtop bench',
				user: 'bench', context: 'bench', source: 'console',
			};
			const started = performance.now();
			const saved = await intents.save(intent);
			const savedAt = performance.now();
			await saved.remove();
			saves.push(savedAt - started);
			totals.push(performance.now() - started);
		}

		const save = summarize(saves);
		const total = summarize(totals);
		return [{
			measurement: `${label}: p50 / p99 (n=${save.count}; with remove ${formatMs(total.p50)} / ${formatMs(total.p99)})`,
			value: `${formatMs(save.p50)} / ${formatMs(save.p99)}`,
			target: '-',
			ok: undefined,
		}];
	} catch (error) {
		return [failedRow(label, '-', error)];
	} finally {
		await rm(dir, {recursive: true, force: true});
	}
}
