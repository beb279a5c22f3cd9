/**
 * The console as chaos rows drive it: the real CLI in tmux (keys in with send-keys, the screen out with capture-pane),
 * on a test bed, optionally through the API proxy; plus what rows read off the screen.
 */
import {readFile, writeFile} from 'node:fs/promises';
import path from 'node:path';
import type {TmuxTerminal} from '../../helpers/tmux.js';
import {openConsole as openScreenConsole} from './console-screen.js';
import {startTestbed, type Testbed, type TestbedOptions} from '../../testbed/testbed.js';
import type {ChaosContext} from '../row.js';
import {withSharedTestbed} from './shared-testbed.js';

/** A copy of the test bed's kubeconfig whose server is `server` (the proxy), in the row's directory. */
export async function kubeconfigVia(testbed: Testbed, server: string, dir: string): Promise<string> {
	const text = await readFile(testbed.kubeconfigFile, 'utf8');
	const file = path.join(dir, `kubeconfig-${new URL(server).port}`);
	await writeFile(file, text.replaceAll(testbed.server, server), {mode: 0o600});
	return file;
}

/** How a row opens the console: its directory, kubeconfig (and context), meshtop's arguments, the terminal's size. */
export interface ConsoleOptions {
	dir: string;
	kubeconfig: string;
	context?: string;
	args: readonly string[];
	columns?: number;
	rows?: number;
	/** More environment for meshtop (MESHTOP_KEY_TIMING…). */
	env?: Record<string, string>;
}

/** Opens `meshtop ARGS` in tmux (100×30 unless told), NO_COLOR for plain captures, history in the row's directory. */
export function openConsole(options: ConsoleOptions): TmuxTerminal {
	return openScreenConsole({
		kubeconfig: options.kubeconfig,
		args: [...(options.context === undefined ? [] : ['--context', options.context]), '-n', 'bookinfo', ...options.args],
		home: options.dir,
		...(options.columns === undefined ? {} : {columns: options.columns}),
		...(options.rows === undefined ? {} : {rows: options.rows}),
		env: {MESHTOP_HISTORY: path.join(options.dir, 'history.jsonl'), ...options.env},
	});
}

/** The row of a version on the console screen. */
export function versionRow(screen: string, version: string): string | undefined {
	return screen.split('\n').find(line => new RegExp(`^[ ▸] ${version} `).test(line));
}

/** The configured weight of a version as the screen shows it (undefined when its row is not drawn). */
export function weightOnScreen(screen: string, version: string): number | undefined {
	const line = versionRow(screen, version);
	const match = line === undefined ? null : /^[ ▸] \S+\s+[█░]+\s+(\d+)/.exec(line);
	return match === null ? undefined : Number(match[1]);
}

/** The staged weight of a version (`100 → 90`), undefined when nothing is staged for it. */
export function stagedOnScreen(screen: string, version: string): number | undefined {
	const line = versionRow(screen, version);
	const match = line === undefined ? null : /^[ ▸] \S+\s+[█░]+\s+\d+\s+→ (\d+)/.exec(line);
	return match === null ? undefined : Number(match[1]);
}

/** Resolves after `ms`, or rejects when the row is aborted. */
export async function pause(ms: number, signal: AbortSignal): Promise<void> {
	signal.throwIfAborted();
	await new Promise<void>((resolve, reject) => {
		const timer = setTimeout(() => {
			signal.removeEventListener('abort', onAbort);
			resolve();
		}, ms);
		const onAbort = () => {
			clearTimeout(timer);
			reject(signal.reason as Error);
		};

		signal.addEventListener('abort', onAbort, {once: true});
	});
}

/** Polls the screen every `intervalMs` until `probe` holds; rejects (with the last screen) on timeout or abort. */
export async function untilScreen(terminal: TmuxTerminal, probe: (screen: string) => boolean, options: {signal: AbortSignal; timeoutMs: number; what: string; intervalMs?: number}): Promise<string> {
	const deadline = Date.now() + options.timeoutMs;
	for (;;) {
		options.signal.throwIfAborted();
		const last = terminal.screen();
		if (probe(last)) {
			return last;
		}

		if (Date.now() > deadline) {
			throw new Error(`${options.what}: not on screen within ${options.timeoutMs / 1000} s\n--- last screen ---\n${last}`);
		}

		 
		await pause(options.intervalMs ?? 50, options.signal);
	}
}

/**
 * Starts a test bed for one row (cached binaries only: a row never builds; Debian's Prometheus 2.x with
 * MESHTOP_TESTBED_PROMETHEUS=2, as in `npm test`), runs `body`, and stops the test bed whatever happens.
 */
export async function withTestbed<T>(context: ChaosContext, options: Omit<TestbedOptions, 'build' | 'log'>, body: (testbed: Testbed) => Promise<T>): Promise<T> {
	if (context.sharedTestbed !== undefined) {
		// A row marked as sharing runs on the default control plane: options would make it another one.
		if (Object.values(options).some(value => value !== undefined && !(Array.isArray(value) && value.length === 0))) {
			throw new Error(`a row that shares the test bed cannot ask for test bed options (${JSON.stringify(options)})`);
		}

		return withSharedTestbed(context, body);
	}

	context.signal.throwIfAborted();
	const testbed = await startTestbed({prometheus: process.env['MESHTOP_TESTBED_PROMETHEUS'] === '2' ? '2' : '3', ...options, build: false, log(line) {
		context.log(line);
	}});
	try {
		context.signal.throwIfAborted();
		return await body(testbed);
	} finally {
		await testbed.stop();
	}
}

/** Opens a console and kills its tmux server after `body`, whatever happens. */
export async function withConsole<T>(options: ConsoleOptions, body: (terminal: TmuxTerminal) => Promise<T>): Promise<T> {
	const terminal = openConsole(options);
	try {
		return await body(terminal);
	} finally {
		terminal.kill();
	}
}
