import assert from 'node:assert/strict';
import {execFile} from 'node:child_process';
import {mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {after, before, test} from 'node:test';
import {promisify} from 'node:util';
import {oneShotCommands, wantsHeapPolicy} from '../../source/app/heap-policy.js';

// A stand-in for the bundle: churns short-lived garbage at a high rate while a little stays alive (like the console's
// refreshes), then prints the young generation's size in MB.
const churn = `
	import v8 from 'node:v8';
	const kept = [];
	for (let round = 0; round < 1500; round++) {
		const batch = [];
		for (let index = 0; index < 2000; index++) batch.push({index, text: 'row ' + index});
		kept.push(batch);
		if (kept.length > 10) kept.shift();
	}
	process.stdout.write(String(v8.getHeapSpaceStatistics().find(space => space.space_name === 'new_space').space_size / 1048576));
`;

// A burst (a reconnect's worth of objects, many times over), dropped, then two seconds of the console's kind of churn
// (short-lived batches, some promoted): prints the heap pages still resident (V8's 256 kB anonymous mappings, in MB)
// and V8's committed heap (MB), as JSON.
const burst = `
	import v8 from 'node:v8';
	import {readFileSync} from 'node:fs';
	let burst = [];
	for (let index = 0; index < 400000; index++) burst.push({index, text: 'row ' + index, cells: [index]});
	burst = undefined;
	const kept = [];
	for (const start = Date.now(); Date.now() - start < 2000;) {
		const batch = [];
		for (let index = 0; index < 2000; index++) batch.push({index, text: 'row ' + index});
		kept.push(batch);
		if (kept.length > 50) kept.shift();
		// The pool is given back by tasks after each collection: let them run.
		if (kept.length % 25 === 0) await new Promise(resolve => setTimeout(resolve, 1));
	}
	let pages = 0;
	let page = false;
	for (const line of readFileSync('/proc/self/smaps', 'utf8').split('\\n')) {
		const mapping = /^([0-9a-f]+)-([0-9a-f]+) \\S+ \\S+ \\S+ \\d+\\s*$/.exec(line);
		if (mapping) page = Number.parseInt(mapping[2], 16) - Number.parseInt(mapping[1], 16) === 262144;
		else if (page && /^Rss:\\s+[1-9]/.test(line)) pages++;
	}
	process.stdout.write(JSON.stringify({residentPagesMb: pages / 4, committedMb: v8.getHeapStatistics().total_heap_size / 1048576}));
`;

let directory: string;
let launcher: string;

before(async () => {
	directory = await mkdtemp(path.join(os.tmpdir(), 'meshtop-heap-policy-'));
	await mkdir(path.join(directory, 'bundle'));
	await writeFile(path.join(directory, 'bundle/meshtop.js'), churn);
	await mkdir(path.join(directory, 'burst/bundle'), {recursive: true});
	await writeFile(path.join(directory, 'burst/bundle/meshtop.js'), burst);
	const {launcherSource} = (await import(new URL('../../../scripts/bundle-launcher.mjs', import.meta.url).href)) as {launcherSource: () => Promise<string>};
	launcher = path.join(directory, 'cli.mjs');
	await writeFile(launcher, await launcherSource());
	await writeFile(path.join(directory, 'burst/cli.mjs'), await launcherSource());
});

after(async () => {
	await rm(directory, {recursive: true, force: true});
});

/** The young generation (MB) after the churn, in a process started by the launcher with `argv`. */
async function youngGeneration(argv: readonly string[]): Promise<number> {
	const {stdout} = await promisify(execFile)(process.execPath, [launcher, ...argv], {encoding: 'utf8'});
	return Number(stdout);
}

test('the launcher keeps the console\'s young generation at its initial size under churn; a one-shot command keeps V8\'s growth', async () => {
	const consoleArgv = ['reviews', '-n', 'bookinfo'];
	const statusArgv = ['status', 'reviews'];
	assert.ok(wantsHeapPolicy(consoleArgv) && !wantsHeapPolicy(statusArgv));
	const console = await youngGeneration(consoleArgv);
	const status = await youngGeneration(statusArgv);
	assert.ok(console <= 8, `young generation ${console} MB for the console`);
	// If V8 stopped growing it by default, this test would no longer show the policy does anything.
	assert.ok(status >= 4 * console, `young generation ${status} MB for status, ${console} MB for the console`);
});

test('the console gives a burst\'s heap pages back as it collects', {skip: process.platform !== 'linux' && 'reads /proc/self/smaps'}, async () => {
	const run = async (argv: readonly string[]) => {
		const {stdout} = await promisify(execFile)(process.execPath, [path.join(directory, 'burst/cli.mjs'), ...argv], {encoding: 'utf8'});
		return JSON.parse(stdout) as {residentPagesMb: number; committedMb: number};
	};
	// Resident pages beyond the committed heap are the pool: a few MB at most with the policy; without memory saver mode
	// they were 70–95 MB here (the burst's pages, never given back while the churn goes on).
	const console = await run(['reviews', '-n', 'bookinfo']);
	assert.ok(console.residentPagesMb - console.committedMb < 8, `console: ${JSON.stringify(console)}`);
});

test('every invocation gets the policy but the one-shot commands', () => {
	assert.equal(wantsHeapPolicy([]), true);
	assert.equal(wantsHeapPolicy(['reviews', '-n', 'bookinfo']), true);
	assert.equal(wantsHeapPolicy(['demo']), true);
	assert.equal(wantsHeapPolicy(['shift', 'reviews', '--to', 'v3']), true);
	for (const command of oneShotCommands) {
		assert.equal(wantsHeapPolicy(['-n', 'bookinfo', command, 'reviews']), false, command);
	}
});
