import {spawn, type ChildProcessByStdio} from 'node:child_process';
import {performance} from 'node:perf_hooks';
import process from 'node:process';
import type {Readable, Writable} from 'node:stream';
import {childPids, isAlive, runsExecutable} from './proc-stats.js';
import {VirtualScreen} from './virtual-screen.js';
import {pause} from './stats.js';
import {waitFor} from '../test/helpers/wait-for.js';

/** A program running in a pseudo-terminal, its output followed on a virtual screen. */
export interface PtyProcess {
	/** performance.now() just before the spawn. */
	readonly spawnedAt: number;
	readonly screen: VirtualScreen;
	/** Bytes the program has written to the terminal so far. */
	bytes(): number;
	/** What the program wrote to stderr of `script` (not the pty): startup errors of script itself. */
	errors(): string;
	/** Resolves with the time (performance.now()) of the output chunk after which `predicate` of the raw output holds. */
	waitForOutput(predicate: (output: string) => boolean, timeoutMs: number, what: string): Promise<number>;
	/** Resolves with the time of the output chunk after which `predicate` of the screen holds (checked now, too). */
	waitForScreen(predicate: (screen: VirtualScreen) => boolean, timeoutMs: number, what: string): Promise<number>;
	/** Sends keys, as typed on the terminal. */
	type(data: string): void;
	/** The pid of the program itself (exec'd by the shell inside the pty), once it runs. */
	programPid(timeoutMs: number): Promise<number>;
	/** Sends `quitKeys`, waits for the exit, and kills what is left (by pid) after `timeoutMs`. Resolves with the exit code. */
	stop(quitKeys: string, timeoutMs: number): Promise<number | null>;
}

interface Watcher {
	check(): boolean;
	resolve(at: number): void;
}

function shellQuote(argument: string): string {
	return `'${argument.replaceAll('\'', String.raw`'\''`)}'`;
}

/** Options of {@link spawnInPty}. */
export interface PtyOptions {
	columns: number;
	rows: number;
	env: NodeJS.ProcessEnv;
	/** The file the program runs once started (its pid is found by it): default argv[0]; Node for a script run as a program. */
	executable?: string;
}

/**
 * Runs `argv` in a pseudo-terminal of `columns` × `rows` with util-linux `script` (no native pty module needed):
 * the shell sets the size and execs the program, so the program's pid is the shell's.
 */
export function spawnInPty(argv: readonly [string, ...string[]], options: PtyOptions): PtyProcess {
	const screen = new VirtualScreen(options.columns, options.rows);
	const command = `stty cols ${options.columns} rows ${options.rows}; exec ${argv.map(argument => shellQuote(argument)).join(' ')}`;
	const spawnedAt = performance.now();
	const child: ChildProcessByStdio<Writable, Readable, Readable> = spawn('script', ['-qfec', command, '/dev/null'], {env: options.env, stdio: ['pipe', 'pipe', 'pipe']});
	let output = '';
	let outputBytes = 0;
	let errors = '';
	let watchers: Watcher[] = [];
	let exitCode: number | null | undefined;
	let pid: number | undefined;
	// If the bench itself dies (Ctrl-C, crash), take the program down with it; exit handlers must be synchronous.
	const killOnExit = () => {
		for (const target of [pid, child.pid]) {
			if (target !== undefined && isAlive(target)) {
				process.kill(target, 'SIGKILL');
			}
		}
	};

	process.once('exit', killOnExit);
	const exited = new Promise<number | null>(resolve => {
		child.once('exit', code => {
			exitCode = code;
			process.off('exit', killOnExit);
			resolve(code);
		});
	});
	child.once('error', error => {
		errors += `${error.message}\n`;
	});
	child.stdout.setEncoding('utf8');
	child.stderr.setEncoding('utf8');
	child.stdout.on('data', (chunk: string) => {
		const at = performance.now();
		output += chunk;
		outputBytes += Buffer.byteLength(chunk, 'utf8');
		screen.write(chunk);
		watchers = watchers.filter(watcher => {
			if (!watcher.check()) {
				return true;
			}

			watcher.resolve(at);
			return false;
		});
	});
	child.stderr.on('data', (chunk: string) => {
		errors += chunk;
	});

	const wait = async (check: () => boolean, timeoutMs: number, what: string) => new Promise<number>((resolve, reject) => {
		if (check()) {
			resolve(performance.now());
			return;
		}

		const timer = setTimeout(() => {
			watchers = watchers.filter(watcher => watcher !== entry);
			const detail = exitCode === undefined ? '' : ` (the program exited with ${String(exitCode)}: ${errors.trim() || output.slice(-300)})`;
			reject(new Error(`${what}: not seen within ${timeoutMs} ms${detail}`));
		}, timeoutMs);
		const entry: Watcher = {
			check,
			resolve(at) {
				clearTimeout(timer);
				resolve(at);
			},
		};
		watchers.push(entry);
	});

	const programPid = async (timeoutMs: number) => {
		pid ??= await waitFor(() => {
			const shell = child.pid === undefined ? undefined : childPids(child.pid)[0];
			// Until the exec, the child is the shell running stty.
			return shell !== undefined && runsExecutable(shell, options.executable ?? argv[0]) ? shell : undefined;
		}, {timeout: timeoutMs, interval: 5, message: `the process of ${argv[0]}`});
		return pid;
	};

	return {
		spawnedAt,
		screen,
		bytes: () => outputBytes,
		errors: () => errors,
		waitForOutput: async (predicate, timeoutMs, what) => wait(() => predicate(output), timeoutMs, what),
		waitForScreen: async (predicate, timeoutMs, what) => wait(() => predicate(screen), timeoutMs, what),
		type(data) {
			child.stdin.write(data);
		},
		programPid,
		async stop(quitKeys, timeoutMs) {
			const program = pid ?? (child.pid === undefined ? undefined : childPids(child.pid)[0]);
			const gone = () => exitCode !== undefined && (program === undefined || !isAlive(program));
			if (exitCode === undefined && child.stdin.writable) {
				child.stdin.write(quitKeys);
			}

			const code = await Promise.race([exited, pause(timeoutMs).then(() => 'timeout' as const)]);
			child.stdin.end();
			if (code !== 'timeout' && gone()) {
				return code;
			}

			// It did not quit: end exactly the processes this bench started, the program first.
			for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
				for (const target of [program, child.pid]) {
					if (target !== undefined && isAlive(target)) {
						try {
							process.kill(target, signal);
						} catch {
							// Already gone.
						}
					}
				}

				try {
					await waitFor(gone, {timeout: 2000, message: 'the program to end'});
					break;
				} catch {
					// Next signal.
				}
			}

			return null;
		},
	};
}
