/**
 * Child processes of the test bed that cannot outlive it. Each runs in its own process group under a small shell
 * supervisor holding the read end of a pipe from the test bed: when the test bed exits for any reason (even
 * SIGKILL), the pipe closes and the supervisor ends the whole group, TERM then KILL. Stopping sends TERM to the
 * group and waits until no process of it is left.
 */
import {spawn} from 'node:child_process';
import {openSync, closeSync} from 'node:fs';

// $1.. is the command. The pipe is kept on fd 3: sh gives background jobs /dev/null as stdin. The watcher survives
// the TERM it sends so that it can follow with KILL: once the command has exited (or after 1 s: its owner is dead, so a
// graceful shutdown serves no one), KILL to the group ends whatever is left of it and the watcher itself.
const supervisor = `
exec 3<&0
"$@" </dev/null 3<&- &
child=$!
( trap '' TERM; while read -r _ <&3; do :; done; kill -TERM 0; tries=0
  while kill -0 "$child" 2>/dev/null && [ "$tries" -lt 10 ]; do sleep 0.1; tries=$((tries + 1)); done
  kill -KILL 0 ) &
watcher=$!
wait "$child"
rc=$?
kill -KILL "$watcher" 2>/dev/null
exit "$rc"
`;

/** A started process of the test bed. */
export interface SupervisedProcess {
	/** Short name, used in messages. */
	readonly name: string;
	/** Process group id (the supervisor's pid). */
	readonly pgid: number;
	/** File receiving the process's stdout and stderr. */
	readonly logFile: string;
	/** Resolves with the exit code when the process ends (null when killed by a signal). */
	readonly exited: Promise<number | null>;
	/** Whether it has exited. */
	hasExited(): boolean;
	/** TERM to the group, KILL after `graceMs`; resolves when no process of the group is left. Idempotent. */
	stop(graceMs?: number): Promise<void>;
}

/** Starts `command args…` supervised, its output appended to `logFile`. */
export function startSupervised(name: string, command: string, args: readonly string[], options: {logFile: string; env?: NodeJS.ProcessEnv; cwd?: string}): SupervisedProcess {
	const log = openSync(options.logFile, 'a');
	const child = spawn('/bin/sh', ['-c', supervisor, 'supervise', command, ...args], {
		detached: true,
		stdio: ['pipe', log, log],
		env: options.env ?? process.env,
		cwd: options.cwd,
	});
	closeSync(log);
	if (child.pid === undefined) {
		throw new Error(`${name}: could not start ${command}`);
	}

	const pgid = child.pid;
	let done = false;
	const exited = new Promise<number | null>(resolve => {
		child.once('exit', code => {
			done = true;
			resolve(code);
		});
		child.once('error', () => {
			done = true;
			resolve(null);
		});
	});
	// The pipe is the lifeline: never written, closed only by stop() or by the test bed's death.
	child.stdin?.on('error', () => undefined);
	child.unref();
	let stopping: Promise<void> | undefined;

	return {
		name,
		pgid,
		logFile: options.logFile,
		exited,
		hasExited: () => done,
		stop(graceMs = 10_000) {
			stopping ??= stopGroup(pgid, graceMs).finally(() => {
				child.stdin?.destroy();
			});
			return stopping;
		},
	};
}

async function stopGroup(pgid: number, graceMs: number): Promise<void> {
	signalGroup(pgid, 'SIGTERM');
	const deadline = Date.now() + graceMs;
	while (groupAlive(pgid)) {
		if (Date.now() > deadline) {
			signalGroup(pgid, 'SIGKILL');
			await sleep(100);
			return;
		}

		await sleep(50);
	}
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
	try {
		process.kill(-pgid, signal);
	} catch {
		// ESRCH: nothing left.
	}
}

function groupAlive(pgid: number): boolean {
	try {
		process.kill(-pgid, 0);
		return true;
	} catch {
		return false;
	}
}

async function sleep(ms: number): Promise<void> {
	await new Promise(resolve => {
		setTimeout(resolve, ms);
	});
}
