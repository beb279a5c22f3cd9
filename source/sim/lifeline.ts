import {spawn} from 'node:child_process';

// Reads the pipe until it closes (this process died, however it died), then ends the child: TERM, and KILL if it is
// still there after the grace ($2 tenths of a second); without a child ($1 empty) it only waits the grace. The watcher leaves as soon as the child is gone (not after a
// fixed wait), so nothing of a killed meshtop outlives it by more than the child's own shutdown; then it removes the
// child's directory ($3), which the dead process's exit handler can no longer do. `read` comes from fd 3: sh gives
// background jobs /dev/null as stdin.
const watcher = `
exec 3<&0
while read -r _ <&3; do :; done
if [ -z "$1" ]; then sleep "$(($2 / 10)).$(($2 % 10))"
elif kill -TERM "$1" 2>/dev/null; then
  tries=0
  while kill -0 "$1" 2>/dev/null && [ "$tries" -lt "$2" ]; do sleep 0.1; tries=$((tries + 1)); done
  kill -KILL "$1" 2>/dev/null
fi
if [ -n "$3" ]; then rm -rf -- "$3"; fi
`;

/** Options of {@link lifeline}. */
export interface LifelineOptions {
	/** Between TERM and KILL (default 5 s). A child whose data is thrown away anyway needs little. */
	graceMs?: number;
	/** A directory of the child's to remove once it is gone (its temporary files). */
	directory?: string;
}

/** A watcher that ends a child process when this process dies; release() when the child is stopped in order. */
export interface Lifeline {
	/** Ends the watcher (the child stopped, or is being stopped, by its owner). */
	release(): void;
}

/**
 * Ties a detached child (or, with no pid, only a directory: removed a grace after our death) (its own process group, so a terminal's Ctrl-C reaches only us) to this process's life:
 * a small watcher holds a pipe from us and kills the child when the pipe closes. Without it, `kill -9` of
 * `meshtop sim` or `meshtop demo` leaves their Prometheus running, since exit handlers never run on SIGKILL.
 */
export function lifeline(pid: number | undefined, options: LifelineOptions = {}): Lifeline {
	const tenths = String(Math.max(1, Math.round((options.graceMs ?? 5000) / 100)));
	const child = spawn('/bin/sh', ['-c', watcher, 'lifeline', pid === undefined ? '' : String(pid), tenths, options.directory ?? ''], {detached: true, stdio: ['pipe', 'ignore', 'ignore']});
	child.stdin?.on('error', () => undefined);
	child.unref();
	let released = false;
	return {
		release() {
			if (!released) {
				released = true;
				child.kill('SIGKILL');
				child.stdin?.destroy();
			}
		},
	};
}
