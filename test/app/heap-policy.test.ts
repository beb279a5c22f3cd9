import assert from 'node:assert/strict';
import {execFile} from 'node:child_process';
import {mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {after, before, test} from 'node:test';
import {promisify} from 'node:util';
import {consoleHeapFlags, nodeStartFlags, oneShotCommands, wantsHeapPolicy} from '../../source/app/heap-policy.js';

// A stand-in for the bundle: churns short-lived garbage at a high rate while a little stays alive (like the console's
// refreshes), then prints the young generation's size in MB and whether V8's Maglev compiler is on.
const churn = `
	import v8 from 'node:v8';
	const kept = [];
	for (let round = 0; round < 1500; round++) {
		const batch = [];
		for (let index = 0; index < 2000; index++) batch.push({index, text: 'row ' + index});
		kept.push(batch);
		if (kept.length > 10) kept.shift();
	}
	v8.setFlagsFromString('--allow-natives-syntax');
	const maglev = new Function('return %IsMaglevEnabled()')();
	process.stdout.write(JSON.stringify({young: v8.getHeapSpaceStatistics().find(space => space.space_name === 'new_space').space_size / 1048576, maglev}));
`;

let directory: string;
let launcher: string;

before(async () => {
	directory = await mkdtemp(path.join(os.tmpdir(), 'meshtop-heap-policy-'));
	await mkdir(path.join(directory, 'bundle'));
	await writeFile(path.join(directory, 'bundle/meshtop.js'), churn);
	const {launcherSource} = (await import(new URL('../../../scripts/bundle-launcher.mjs', import.meta.url).href)) as {launcherSource: () => Promise<string>};
	launcher = path.join(directory, 'cli.mjs');
	await writeFile(launcher, await launcherSource());
});

after(async () => {
	await rm(directory, {recursive: true, force: true});
});

/** What the stand-in printed in a process started by the launcher. */
interface Launched {
	/** The young generation after the churn, MB. */
	young: number;
	/** Whether V8's Maglev compiler is on. */
	maglev: boolean;
}

// Each argv is launched once (the churn takes a few hundred milliseconds); the tests read the same run.
const runs = new Map<string, Promise<Launched>>();

/** The stand-in's report from a process started by the launcher with `argv`. */
async function launched(argv: readonly string[]): Promise<Launched> {
	const key = argv.join(' ');
	let run = runs.get(key);
	if (run === undefined) {
		run = promisify(execFile)(process.execPath, [launcher, ...argv], {encoding: 'utf8'}).then(({stdout}) => JSON.parse(stdout) as Launched);
		runs.set(key, run);
	}

	return run;
}

const consoleArgv = ['reviews', '-n', 'bookinfo'];
const statusArgv = ['status', 'reviews'];

test('the launcher keeps the console\'s young generation at its initial size under churn; a one-shot command keeps V8\'s growth', async () => {
	assert.ok(wantsHeapPolicy(consoleArgv) && !wantsHeapPolicy(statusArgv));
	const {young: console} = await launched(consoleArgv);
	const {young: status} = await launched(statusArgv);
	assert.ok(console <= 8, `young generation ${console} MB for the console`);
	// If V8 stopped growing it by default, this test would no longer show the policy does anything.
	assert.ok(status >= 4 * console, `young generation ${status} MB for status, ${console} MB for the console`);
});

test('the launcher turns Maglev off for the console only', async () => {
	assert.equal((await launched(consoleArgv)).maglev, false);
	assert.equal((await launched(statusArgv)).maglev, true);
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

test('every V8 flag of the policy is one this Node\'s V8 knows (an unknown one would be ignored without a word)', async () => {
	const {stdout} = await promisify(execFile)(process.execPath, ['--v8-options'], {encoding: 'utf8', maxBuffer: 16 * 1024 * 1024});
	for (const flag of [...consoleHeapFlags, ...nodeStartFlags]) {
		// A boolean flag turned off (`--no-maglev`) is listed under its own name.
		const name = /^--(?:no-)?([a-z-]+)/.exec(flag)?.[1];
		assert.ok(name !== undefined && stdout.includes(`  --${name} `), `${flag} is among node --v8-options`);
	}
});
