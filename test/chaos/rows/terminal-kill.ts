/**
 * Process rows: `meshtop sim`, `meshtop demo` and the test bed killed with SIGKILL (no handler runs) must leave no
 * process behind within 2 s: their children die with them (the lifeline and supervisor pipes close with the process).
 */
import {spawn} from 'node:child_process';
import {existsSync, readFileSync, readdirSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import type {ChaosContext, ChaosResult, ChaosRow} from '../row.js';
import {cliPath, programPid, seconds} from '../support/console-screen.js';
import {TmuxTerminal} from '../../helpers/tmux.js';
import {alive, descendants} from '../../helpers/processes.js';
import {waitFor} from '../../helpers/wait-for.js';

const testbedMain = fileURLToPath(new URL('../../testbed/main.js', import.meta.url));

/** `PID (program)` for messages, from /proc/PID/comm. */
function describeProcess(pid: number): string {
	try {
		return `${pid} (${readFileSync(`/proc/${pid}/comm`, 'utf8').trim()})`;
	} catch {
		return String(pid);
	}
}

/** Temporary directories named in the processes' command lines (a Prometheus' --storage.tsdb.path). */
function temporaryDirectories(pids: readonly number[]): string[] {
	const found = new Set<string>();
	for (const pid of pids) {
		try {
			for (const match of readFileSync(`/proc/${pid}/cmdline`, 'utf8').matchAll(/(\/[^\0=]*?\/meshtop-[a-z]+-[A-Za-z\d]+)(?:\/|\0|$)/g)) {
				found.add(match[1]!);
			}
		} catch {
			// Gone meanwhile.
		}
	}

	return [...found];
}

/** SIGKILL to `pid`, then up to 2 s for it and every process it had started to be gone, and their temporary directories. */
async function killAndCount(pid: number, what: string, ownDirectories: readonly string[] = []): Promise<ChaosResult> {
	const family = descendants(pid);
	const directories = [...new Set([...ownDirectories, ...temporaryDirectories(family)])];
	const start = Date.now();
	process.kill(pid, 'SIGKILL');
	try {
		await waitFor(() => !alive(pid) && family.every(child => !alive(child)), {timeout: 2000, interval: 50});
		const goneMs = Date.now() - start;
		const left = await waitFor(() => directories.every(directory => !existsSync(directory)), {timeout: 2000, interval: 50}).then(() => [], () => directories.filter(directory => existsSync(directory)));
		if (left.length > 0) {
			return {ok: false, figure: `processes gone after ${seconds(goneMs)}, ${left.length} temporary directories left`, detail: left.join('\n')};
		}

		return {ok: true, figure: `${what}, its ${family.length} descendants${directories.length === 0 ? '' : ` and ${directories.length} temp dir${directories.length === 1 ? '' : 's'}`} gone ${seconds(goneMs)} after SIGKILL (≤ 2 s)`};
	} catch {
		// Gone late is still worth knowing: wait a little longer for the figure, then end what is left (we started it).
		const left = family.filter(child => alive(child));
		await waitFor(() => family.every(child => !alive(child)), {timeout: 10_000, interval: 100}).catch(() => undefined);
		const lateMs = Date.now() - start;
		for (const child of family.filter(candidate => alive(candidate))) {
			try {
				process.kill(child, 'SIGKILL');
			} catch {
				// Gone meanwhile.
			}
		}

		return {ok: false, figure: `${left.length} of ${family.length} descendants still alive 2 s after SIGKILL`, detail: `left: ${left.map(describeProcess).join(', ')}; all gone after ${seconds(lateMs)}`};
	}
}

async function killSim(context: ChaosContext): Promise<ChaosResult> {
	const kubeconfig = path.join(context.dir, 'sim.yaml');
	// Its stdin stays open (a pipe we hold): `meshtop sim` reads commands from it and must not see an end of input.
	const child = spawn(process.execPath, [cliPath, 'sim', '--kubeconfig-out', kubeconfig], {stdio: ['pipe', 'ignore', 'ignore'], env: {...process.env, HOME: context.dir}});
	try {
		await waitFor(() => existsSync(kubeconfig), {timeout: 30_000, interval: 100, message: 'the sim\'s kubeconfig'});
		// Its Prometheus (the real binary when installed) is a child by then.
		const result = await killAndCount(child.pid!, 'meshtop sim');
		return result;
	} finally {
		child.kill('SIGKILL');
		child.stdin.destroy();
	}
}

async function killDemo(context: ChaosContext): Promise<ChaosResult> {
	const demoDirectories = () => readdirSync(tmpdir()).filter(name => name.startsWith('meshtop-demo-'));
	const before = new Set(demoDirectories());
	const terminal = TmuxTerminal.start([process.execPath, cliPath, 'demo'], {columns: 100, rows: 30, env: {CI: undefined, TERM: 'xterm-256color', NO_COLOR: '1', HOME: context.dir}});
	try {
		await terminal.waitForScreen(text => /^[ ▸] v1 /m.test(text), 30_000, 'the demo console');
		const pid = programPid(terminal);
		if (pid === undefined) {
			return {ok: false, figure: '—', detail: 'no demo process in the terminal'};
		}

		// The demo's own directory (its kubeconfig and history) is named nowhere in a command line: the new one in /tmp.
		const own = demoDirectories().filter(name => !before.has(name)).map(name => path.join(tmpdir(), name));
		return await killAndCount(pid, 'meshtop demo', own);
	} finally {
		terminal.kill();
	}
}

async function killTestbed(context: ChaosContext): Promise<ChaosResult> {
	const kubeconfig = path.join(context.dir, 'testbed.yaml');
	const child = spawn(process.execPath, [testbedMain, '--kubeconfig-out', kubeconfig], {stdio: ['ignore', 'pipe', 'pipe'], env: {...process.env, MESHTOP_TESTBED_NO_BUILD: '1'}});
	let output = '';
	child.stdout.on('data', (chunk: Buffer) => {
		output += chunk.toString();
	});
	child.stderr.on('data', (chunk: Buffer) => {
		context.log(chunk.toString().trim());
	});
	try {
		await waitFor(() => /testbed ready/.test(output) || child.exitCode !== null, {timeout: 150_000, interval: 200, message: 'the test bed ready'});
		if (child.exitCode !== null) {
			return {ok: false, figure: '—', detail: `the test bed did not start (exit ${child.exitCode}); are its binaries built?`};
		}

		return await killAndCount(child.pid!, 'the test bed');
	} finally {
		child.kill('SIGKILL');
	}
}

/** Rows: the programs that start others, killed without warning. */
export const terminalKillRows: ChaosRow[] = [
	{group: 'terminal', name: 'meshtop sim killed (SIGKILL)', short: true, limitSeconds: 60, run: killSim},
	{group: 'terminal', name: 'meshtop demo killed (SIGKILL)', short: true, limitSeconds: 60, run: killDemo},
	{group: 'terminal', name: 'test bed killed (SIGKILL)', short: false, limitSeconds: 200, run: killTestbed},
];
