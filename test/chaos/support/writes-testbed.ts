/**
 * The real control plane a writes row runs on: the one named by MESHTOP_TESTBED_STATE when it is set (a test bed
 * started by hand with `npm run testbed -- --state-out FILE`, left running), else one the row starts from the cached
 * binaries and stops when it is done. Also the row's way to run the test bed's kubectl and other processes.
 */
import {execFile} from 'node:child_process';
import {readFile} from 'node:fs/promises';
import {fileURLToPath} from 'node:url';
import type {TestbedState} from '../../testbed/main.js';
import {startTestbed, testbedState} from '../../testbed/testbed.js';
import type {ChaosContext} from '../row.js';
import {lendSharedTestbed, stopSharedTestbed} from './shared-testbed.js';

/** A test bed lent to one row. */
export interface RowTestbed {
	state: TestbedState;
	/** Stops it when the row started it; leaves a shared one running. */
	release(): Promise<void>;
}

/** The built CLI (dist/cli.js), run with the Node that runs the chaos suite. */
export const cliPath = fileURLToPath(new URL('../../../cli.js', import.meta.url));

/**
 * Lends the test bed of MESHTOP_TESTBED_STATE, else the run's shared one (for a row that shares it), else starts one
 * for the row (about 20–40 s from cached binaries; never builds them).
 */
export async function rowTestbed(context: ChaosContext): Promise<RowTestbed> {
	const shared = process.env['MESHTOP_TESTBED_STATE'];
	if (shared !== undefined && shared !== '') {
		// A test bed the API rows before this one shared is not needed by rows on the named one: not kept running beside it.
		await stopSharedTestbed();
		return {state: JSON.parse(await readFile(shared, 'utf8')) as TestbedState, release: async () => undefined};
	}

	if (context.sharedTestbed !== undefined) {
		const {testbed, release} = await lendSharedTestbed(context);
		return {state: testbedState(testbed), release};
	}

	const testbed = await startTestbed({build: false, log: line => context.log(line)});
	const state = testbedState(testbed);
	return {state, release: async () => testbed.stop()};
}

/** How a process ended: its exit code (null after a signal) and what it printed. */
export interface ProcessResult {
	code: number | null;
	stdout: string;
	stderr: string;
}

/** Runs a command to its end; never rejects for a non-zero exit. Aborting `signal` kills it. */
export async function runProcess(command: string, args: readonly string[], options: {env?: NodeJS.ProcessEnv; input?: string; signal?: AbortSignal} = {}): Promise<ProcessResult> {
	return new Promise(resolve => {
		const child = execFile(command, args, {env: options.env ?? process.env, maxBuffer: 16 * 1024 * 1024, signal: options.signal}, (error, stdout, stderr) => {
			const code = error === null ? 0 : typeof (error as {code?: unknown}).code === 'number' ? (error as {code: number}).code : null;
			resolve({code, stdout, stderr});
		});
		if (options.input !== undefined) {
			child.stdin?.end(options.input);
		}
	});
}

/** Runs the test bed's kubectl as the admin; rejects with its stderr when it fails. */
export async function kubectl(state: TestbedState, args: readonly string[], input?: string): Promise<string> {
	const result = await runProcess(state.kubectl, ['--kubeconfig', state.kubeconfig, ...args], input === undefined ? {} : {input});
	if (result.code !== 0) {
		throw new Error(`kubectl ${args.join(' ')}: ${result.stderr.trim()}`);
	}

	return result.stdout;
}
