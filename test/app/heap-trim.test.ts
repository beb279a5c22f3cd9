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
	/** Checks every 15 s for `minutes`, the memory outside the heap at `level(minute)` MB, swinging ±2.5 MB as it does. */
	async function run(fake: ReturnType<typeof fakeTrim>, minutes: number, level: (minute: number) => number): Promise<void> {
		for (let check = 0; check < minutes * 4; check++) {
			fake.setOutside(level(check / 4) + [0, 2.5, -2.5, 1][check % 4]!);
			fake.advance(15_000);
			await fake.trim.check();
		}
	}

	test('the readings\' swing is left alone for half an hour; a 5 MB step of their floor is trimmed once, within two minutes', async () => {
		const fake = fakeTrim();
		await run(fake, 30, () => 80);
		assert.equal(fake.trim.trims, 0, 'the swing of ±2.5 MB is not a burst');
		await run(fake, 1, () => 85);
		assert.equal(fake.trim.trims, 1, 'the floor stepped up 5 MB');
		// The trim gave the pages back and more: a minute below the working size (72), until the heap has grown back to
		// it (80). The low is read after that, so the regrowth is not a step.
		await run(fake, 1, () => 72);
		await run(fake, 30, () => 80);
		assert.equal(fake.trim.trims, 1);
	});

	test('memory a collection cannot give back asks for one trim, not one a minute', async () => {
		const fake = fakeTrim();
		await run(fake, 5, () => 80);
		await run(fake, 30, () => 86);
		assert.equal(fake.trim.trims, 1);
	});

	test('no trim within 5 s of a key', async () => {
		const fake = fakeTrim();
		await run(fake, 5, () => 80);
		for (let check = 0; check < 12; check++) {
			fake.setOutside(86);
			fake.trim.keyArrived();
			fake.advance(4000);
			await fake.trim.check();
		}

		assert.equal(fake.trim.trims, 0, 'a key every 4 s');
		fake.advance(2000);
		await fake.trim.check();
		assert.equal(fake.trim.trims, 1, 'quiet for 6 s');
	});

	test('a collection that cannot run (no inspector in this Node) turns the trim off', async () => {
		let calls = 0;
		const fake = fakeTrim({
			async collect() {
				calls++;
				throw new Error('ERR_INSPECTOR_NOT_AVAILABLE');
			},
		});
		await run(fake, 5, () => 80);
		await run(fake, 2, () => 90);
		await run(fake, 10, () => 100);
		assert.equal(calls, 1);
		assert.equal(fake.trim.trims, 0);
	});

	// A burst (a reconnect's worth of objects, many times over) dropped and collected, with the console's
	// young-generation policy: prints the heap pages resident beyond V8's committed heap (V8's 256 kB anonymous
	// mappings, MB) before and after collectAllGarbage().
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
		// An ordinary major collection, as the console's churn brings: the heap shrinks, its pages go to the pool.
		globalThis.gc({type: 'major'});
		const before = pooled();
		const started = performance.now();
		await collectAllGarbage();
		const ms = performance.now() - started;
		await new Promise(resolve => setTimeout(resolve, 100));
		process.stdout.write(JSON.stringify({before, after: pooled(), ms}));
	`;

	test('collectAllGarbage() gives the pooled pages back', {skip: process.platform !== 'linux' && 'reads /proc/self/smaps'}, async () => {
		const {stdout} = await promisify(execFile)(process.execPath, ['--expose-gc', '--input-type=module', '--eval', burst], {encoding: 'utf8'});
		const result = JSON.parse(stdout) as {before: number; after: number; ms: number};
		assert.ok(result.before > 20, `the burst's pages stay pooled after a major collection: ${stdout}`);
		assert.ok(result.after < 8, `given back: ${stdout}`);
	});
});
