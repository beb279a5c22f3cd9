/**
 * The console's first frame, drawn before Ink, React and the Kubernetes client are loaded (about 100 ms on a
 * 2-core machine): the alternate screen with the header Ink's first frame shows too (context and namespace are
 * "…" until the kubeconfig is read). Plain text, no colour: the theme lives with Ink. Ink takes the screen over
 * with its first render; until then this module restores the terminal on a failure or a signal.
 */
import type {Flags} from './flags.js';

/** The splash's side of the hand-over to Ink. */
export interface Splash {
	/** Ink is about to render: clear the splash (the alternate screen stays) and stop guarding signals. */
	handOver(): void;
	/** The console did not start: leave the alternate screen and show the cursor. A no-op after handOver(). */
	dismiss(): void;
}

const enterAlternateScreen = '\u001B[?1049h';
const leaveAlternateScreen = '\u001B[?1049l';
const hideCursor = '\u001B[?25l';
const showCursor = '\u001B[?25h';
const clearHome = '\u001B[2J\u001B[H';

/** The splash's two lines: the header as Ink first draws it, and what is happening. */
export function splashText(vsName: string | undefined, flags: Pick<Flags, 'context' | 'namespace' | 'readOnly'>): string {
	const kind = vsName?.startsWith('httproute/') === true ? 'httproute' : 'vs';
	const name = vsName?.replace(/^httproute\//, '') ?? '-';
	const readOnly = flags.readOnly === true ? ' READ-ONLY  ' : '';
	return `${readOnly}meshtop  ctx ${flags.context ?? '…'}  ns ${flags.namespace ?? '…'}  ${kind} ${name}\r\nstarting…`;
}

/** Draws the splash on `stdout` (a TTY) and guards the terminal until Ink takes over or the console gives up. */
export function showSplash(stdout: NodeJS.WriteStream, text: string): Splash {
	let active = true;
	const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
	const onSignal = (signal: NodeJS.Signals) => {
		release(true);
		// The default action of the signal, now that the terminal is restored.
		process.kill(process.pid, signal);
	};

	const release = (restore: boolean) => {
		if (!active) {
			return;
		}

		active = false;
		for (const signal of signals) {
			process.off(signal, onSignal);
		}

		stdout.write(restore ? leaveAlternateScreen + showCursor : clearHome);
	};

	for (const signal of signals) {
		process.once(signal, onSignal);
	}

	stdout.write(enterAlternateScreen + hideCursor + clearHome + text);
	return {
		handOver() {
			release(false);
		},
		dismiss() {
			release(true);
		},
	};
}
