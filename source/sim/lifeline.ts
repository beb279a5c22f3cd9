import {spawn} from 'node:child_process';

// Reads the pipe until it closes (this process died, however it died), then ends the child: TERM, and KILL if it is
// still there 5 s later. `read` comes from fd 3: sh gives background jobs /dev/null as stdin.
const watcher = `
exec 3<&0
while read -r _ <&3; do :; done
kill -TERM "$1" 2>/dev/null || exit 0
sleep 5
kill -KILL "$1" 2>/dev/null
`;

/** A watcher that ends a child process when this process dies; release() when the child is stopped in order. */
export interface Lifeline {
	/** Ends the watcher (the child stopped, or is being stopped, by its owner). */
	release(): void;
}

/**
 * Ties a detached child (its own process group, so a terminal's Ctrl-C reaches only us) to this process's life:
 * a small watcher holds a pipe from us and kills the child when the pipe closes. Without it, `kill -9` of
 * `meshtop sim` or `meshtop demo` leaves their Prometheus running, since exit handlers never run on SIGKILL.
 */
export function lifeline(pid: number): Lifeline {
	const child = spawn('/bin/sh', ['-c', watcher, 'lifeline', String(pid)], {detached: true, stdio: ['pipe', 'ignore', 'ignore']});
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
