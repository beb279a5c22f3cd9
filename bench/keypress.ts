import {performance} from 'node:perf_hooks';
import type {FakeTerminalInput, FakeTerminalOutput} from './fake-terminal.js';
import {pause} from './stats.js';

/** Key escape sequences as a terminal sends them. */
export const keys = {
	up: '\u001B[A',
	down: '\u001B[B',
	right: '\u001B[C',
	left: '\u001B[D',
	backspace: '\u007F',
} as const;

/**
 * Ink's default render throttle is 30 fps (34 ms between frames); a press more than that after the previous one gets its
 * own leading-edge frame, so the figure is the console's work and not the throttle's wait.
 */
export const beyondThrottleMs = 36;

/** Latencies of one run of key presses. */
export interface KeypressRun {
	/** Milliseconds from handing the key to stdin to the end of the frame it caused, per press. */
	latencies: number[];
	/** Presses after which no frame came within the timeout (a key that changed nothing is a bug in the sequence). */
	missed: number;
}

/**
 * Presses `sequence` cyclically `presses` times: each press is timestamped when it is handed to stdin and when the
 * frame it caused is complete (Ink's end-of-synchronized-update). Every key of the sequence must change the screen.
 * `gapMs` returns the pause before the next press.
 */
export async function measureKeypresses(output: FakeTerminalOutput, input: FakeTerminalInput, sequence: readonly string[], presses: number, gapMs: () => number): Promise<KeypressRun> {
	const latencies: number[] = [];
	let missed = 0;
	for (let index = 0; index < presses; index++) {
		const key = sequence[index % sequence.length]!;
		// Registered first: Ink usually renders synchronously inside the stdin handler.
		const frame = output.nextFrame(1000);
		const sent = performance.now();
		input.type(key);
		try {
			const {at} = await frame;
			latencies.push(at - sent);
		} catch {
			missed++;
		}

		await pause(gapMs());
	}

	return {latencies, missed};
}
