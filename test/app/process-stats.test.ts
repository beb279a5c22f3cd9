import assert from 'node:assert/strict';
import {mkdtemp, readFile, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {describe, test} from 'node:test';
import {startProcessStats, type ProcessStatsLine} from '../../source/app/process-stats.js';
import {waitFor} from '../helpers/wait-for.js';

async function lines(file: string): Promise<ProcessStatsLine[]> {
	const text = await readFile(file, 'utf8').catch(() => '');
	return text.split('\n').filter(line => line !== '').map(line => JSON.parse(line) as ProcessStatsLine);
}

describe('process stats for a soak (MESHTOP_STATS_FILE)', () => {
	test('without a file nothing runs', () => {
		assert.equal(startProcessStats(undefined), undefined);
		assert.equal(startProcessStats(''), undefined);
	});

	test('a line per interval with RSS, heap, open fds, event-loop p99 and CPU; a blocked loop shows in the p99; stop() ends the lines', async () => {
		const dir = await mkdtemp(path.join(tmpdir(), 'meshtop-stats-'));
		const file = path.join(dir, 'stats.jsonl');
		const stats = startProcessStats(file, 200)!;
		try {
			await waitFor(async () => (await lines(file)).length >= 1, {timeout: 3000, message: 'a first line'});
			// Block the event loop for 120 ms: the next line's interval holds the block, in its p99 and its CPU time.
			const until = Date.now() + 120;
			while (Date.now() < until) {
				// Busy on purpose.
			}

			// The first line sampled after the block, and the one before it (sampled before the block).
			const all = await waitFor(async () => {
				const now = await lines(file);
				const index = now.findIndex(line => line.at >= until);
				return index > 0 ? now.slice(index - 1, index + 1) : undefined;
			}, {timeout: 3000, message: 'a line after the block'});
			const [first, second] = all;
			assert.ok(first!.rssBytes > 10_000_000, `RSS ${first!.rssBytes}`);
			assert.ok(first!.heapUsedBytes > 1_000_000 && first!.heapUsedBytes <= first!.heapTotalBytes && first!.heapTotalBytes < first!.rssBytes);
			assert.ok(first!.externalBytes > 0 && first!.externalBytes < first!.rssBytes);
			// The map's kinds add up to about the RSS (sampled a moment apart), and the JavaScript heap sits in anonymous pages.
			const map = first!.memoryMap!;
			const mappedKb = map.heapKb + map.anonKb + map.fileKb + map.otherKb;
			assert.ok(Math.abs((mappedKb * 1024) - first!.rssBytes) < 0.2 * first!.rssBytes, `map ${JSON.stringify(map)} against RSS ${first!.rssBytes}`);
			assert.ok(map.anonKb * 1024 > first!.heapUsedBytes, `anonymous ${map.anonKb} kB holds the heap's ${first!.heapUsedBytes} bytes`);
			assert.ok(map.fileKb > 1000, `the node binary is mapped: ${map.fileKb} kB`);
			assert.ok(typeof first!.fds === 'number' && first!.fds > 2, `fds ${String(first!.fds)}`);
			assert.ok(second!.eventLoopP99Ms >= 100, `p99 ${second!.eventLoopP99Ms} ms after a 120 ms block`);
			// On a shared machine the busy loop is not all CPU time (the process may wait for a core): only that it grew.
			assert.ok(second!.cpuMs > first!.cpuMs, `the busy loop is CPU time: ${JSON.stringify(all)}`);
		} finally {
			stats.stop();
		}

		const count = (await lines(file)).length;
		await new Promise(resolve => setTimeout(resolve, 500));
		assert.ok((await lines(file)).length <= count + 1, 'no lines after stop() (one may have been in flight)');
		await rm(dir, {recursive: true, force: true});
	});
});
