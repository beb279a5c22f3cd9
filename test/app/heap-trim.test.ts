import assert from 'node:assert/strict';
import {execFile} from 'node:child_process';
import {describe, test} from 'node:test';
import {promisify} from 'node:util';
import {startHeapTrim, type MemoryReading} from '../../source/app/heap-trim.js';

const megabyte = 1024 * 1024;

/** A trim on a fake clock and fake memory: `outside` MB outside the heap (RSS − committed − external). */
function fakeTrim(options: {collect?: () => Promise<void>} = {}) {
	let clock = 1_000_000;
	let outside = 80;
	const collected: number[] = [];
	const memory = (): MemoryReading => ({rss: (outside + 40 + 20) * megabyte, heapTotal: 40 * megabyte, external: 20 * megabyte});
	const trim = startHeapTrim({
		now: () => clock,
		memory,
		collect: options.collect ?? (async () => {
			collected.push(clock);
		}),
		setInterval: () => ({}),
		clearInterval() {
			// The fake timer never fires: the tests call check().
		},
	});
	return {
		trim,
		collected,
		advance(ms: number) {
			clock += ms;
		},
		setOutside(mb: number) {
			outside = mb;
		},
	};
}

describe('heap trim: V8\'s pooled pages given back after a burst', () => {
	test('growth outside the heap below 4 MB is left alone; at 4 MB over the low it trims once, then waits for new growth', async () => {
		const fake = fakeTrim();
		await fake.trim.check();
		fake.setOutside(83.5);
		fake.advance(15_000);
		await fake.trim.check();
		assert.equal(fake.trim.trims, 0, '3.5 MB is not a burst');
		fake.setOutside(84.5);
		fake.advance(15_000);
		await fake.trim.check();
		assert.equal(fake.trim.trims, 1);
		// What the collection could not give back is the new low: no trim a minute for memory that stays.
		for (let minute = 0; minute < 5; minute++) {
			fake.advance(60_000);
			await fake.trim.check();
		}

		assert.equal(fake.trim.trims, 1);
		fake.setOutside(89);
		fake.advance(60_000);
		await fake.trim.check();
		assert.equal(fake.trim.trims, 2, 'new growth beyond the low after the trim');
	});

	test('no trim within 5 s of a key, nor within a minute of the last trim', async () => {
		const fake = fakeTrim();
		await fake.trim.check();
		fake.setOutside(90);
		fake.trim.keyArrived();
		fake.advance(4000);
		await fake.trim.check();
		assert.equal(fake.trim.trims, 0, 'a key 4 s ago');
		fake.advance(2000);
		await fake.trim.check();
		assert.equal(fake.trim.trims, 1, 'quiet for 6 s');
		await fake.trim.check();
		fake.setOutside(100);
		fake.advance(30_000);
		await fake.trim.check();
		assert.equal(fake.trim.trims, 1, '30 s after the last trim');
		fake.advance(31_000);
		await fake.trim.check();
		assert.equal(fake.trim.trims, 2);
	});

	test('a collection that cannot run (no inspector in this Node) turns the trim off', async () => {
		let calls = 0;
		const fake = fakeTrim({
			async collect() {
				calls++;
				throw new Error('ERR_INSPECTOR_NOT_AVAILABLE');
			},
		});
		await fake.trim.check();
		fake.setOutside(90);
		fake.advance(15_000);
		await fake.trim.check();
		fake.setOutside(100);
		fake.advance(120_000);
		await fake.trim.check();
		assert.equal(calls, 1);
		assert.equal(fake.trim.trims, 0);
	});

	// A burst (a reconnect's worth of objects, many times over) dropped, then a second of the console's kind of churn
	// (short-lived batches, some promoted), with the console's young-generation policy: prints the heap pages resident
	// beyond V8's committed heap (V8's 256 kB anonymous mappings, MB) before and after collectAllGarbage().
	const burst = `
		import v8 from 'node:v8';
		import {readFileSync} from 'node:fs';
		import {collectAllGarbage} from ${JSON.stringify(new URL('../../source/app/heap-trim.js', import.meta.url).href)};
		v8.setFlagsFromString('--semi-space-growth-factor=1');
		const pooled = () => {
			let pages = 0;
			let page = false;
			for (const line of readFileSync('/proc/self/smaps', 'utf8').split('\\n')) {
				const mapping = /^([0-9a-f]+)-([0-9a-f]+) \\S+ \\S+ \\S+ \\d+\\s*$/.exec(line);
				if (mapping) page = Number.parseInt(mapping[2], 16) - Number.parseInt(mapping[1], 16) === 262144;
				else if (page && /^Rss:\\s+[1-9]/.test(line)) pages++;
			}
			return (pages / 4) - (v8.getHeapStatistics().total_heap_size / 1048576);
		};
		let burst = [];
		for (let index = 0; index < 400000; index++) burst.push({index, text: 'row ' + index, cells: [index]});
		burst = undefined;
		const kept = [];
		for (const start = Date.now(); Date.now() - start < 1000;) {
			const batch = [];
			for (let index = 0; index < 2000; index++) batch.push({index, text: 'row ' + index});
			kept.push(batch);
			if (kept.length > 50) kept.shift();
			if (kept.length % 25 === 0) await new Promise(resolve => setTimeout(resolve, 1));
		}
		const before = pooled();
		const started = performance.now();
		await collectAllGarbage();
		const ms = performance.now() - started;
		await new Promise(resolve => setTimeout(resolve, 100));
		process.stdout.write(JSON.stringify({before, after: pooled(), ms}));
	`;

	test('collectAllGarbage() gives the pooled pages back', {skip: process.platform !== 'linux' && 'reads /proc/self/smaps'}, async () => {
		const {stdout} = await promisify(execFile)(process.execPath, ['--input-type=module', '--eval', burst], {encoding: 'utf8'});
		const result = JSON.parse(stdout) as {before: number; after: number; ms: number};
		assert.ok(result.before > 20, `the burst's pages stay pooled under churn: ${stdout}`);
		assert.ok(result.after < 8, `given back: ${stdout}`);
	});
});
