/**
 * `npm test`'s global setup: starts one real control plane (test/testbed) for every test file that runs on it,
 * building its binaries first when they are not cached (progress on stderr). Test files find it through
 * MESHTOP_TESTBED_STATE, or the reason it is missing through MESHTOP_TESTBED_SKIP. With CI=true a test bed that
 * cannot start fails the run instead of skipping. An already running test bed (MESHTOP_TESTBED_STATE set by hand,
 * from `npm run testbed -- --state-out FILE`) is used as it is. MESHTOP_TESTBED=off skips it (not with CI=true).
 */
import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {goAvailable} from './testbed/binaries.js';
import {startTestbed, testbedState, type Testbed} from './testbed/testbed.js';

let testbed: Testbed | undefined;
let directory: string | undefined;

function skip(reason: string): void {
	if (process.env['CI'] === 'true') {
		throw new Error(`the test bed is required with CI=true: ${reason}`);
	}

	process.stderr.write(`[testbed] skipping the real-API-server suites: ${reason}\n`);
	process.env['MESHTOP_TESTBED_SKIP'] = reason;
}

/** Starts the test bed (or records why it is skipped). */
export async function globalSetup(): Promise<void> {
	if (process.env['MESHTOP_TESTBED_STATE'] !== undefined) {
		return;
	}

	if (process.env['MESHTOP_TESTBED'] === 'off') {
		skip('MESHTOP_TESTBED=off');
		return;
	}

	if (!goAvailable()) {
		skip('Go is not on PATH, so the real control plane cannot be built (install Go 1.26+ to run them)');
		return;
	}

	try {
		// Prometheus 3.x (built) by default; MESHTOP_TESTBED_PROMETHEUS=2 runs the suites on Debian's 2.x instead.
		const prometheus = process.env['MESHTOP_TESTBED_PROMETHEUS'] === '2' ? '2' : '3';
		testbed = await startTestbed({prometheus, log: line => process.stderr.write(`${line}\n`)});
	} catch (error) {
		skip(error instanceof Error ? error.message : String(error));
		return;
	}

	directory = await mkdtemp(path.join(tmpdir(), 'meshtop-testbed-state-'));
	const state = testbedState(testbed);
	const file = path.join(directory, 'testbed.json');
	await writeFile(file, JSON.stringify(state));
	process.env['MESHTOP_TESTBED_STATE'] = file;
	process.stderr.write(`[testbed] kubernetes ${state.kubernetesVersion}, prometheus ${state.prometheusVersion}: real-API-server suites enabled\n`);
}

/** Stops the test bed quietly (the test runner's summary must stay the last line). */
export async function globalTeardown(): Promise<void> {
	await testbed?.stop();
	if (directory !== undefined) {
		await rm(directory, {recursive: true, force: true});
	}
}
