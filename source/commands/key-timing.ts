import {appendFileSync} from 'node:fs';
import {performance} from 'node:perf_hooks';

/** The console's key-timing instrumentation: key handled → next frame committed by Ink, one line (ms) per key. */
export interface KeyTiming {
	/** A key arrived (the App's input handler, before the key is handled). */
	keyArrived: () => void;
	/** Ink committed a frame (its onRender). */
	frameRendered: () => void;
}

/**
 * With `MESHTOP_KEY_TIMING=FILE`, appends to FILE the milliseconds from each key to the frame that shows it, so a test
 * driving the real console in a terminal can read how responsive it stayed (the chaos suite's slow-API row) without the
 * terminal's own latency in the figure. Undefined (no cost) when the variable is unset.
 */
export function keyTiming(file: string | undefined): KeyTiming | undefined {
	if (file === undefined || file === '') {
		return undefined;
	}

	let since: number | undefined;
	return {
		keyArrived: () => {
			since ??= performance.now();
		},
		frameRendered: () => {
			if (since !== undefined) {
				const elapsed = performance.now() - since;
				since = undefined;
				// A failed write loses a figure, never the console.
				try {
					appendFileSync(file, `${elapsed.toFixed(2)}\n`);
				} catch {
					// Nothing to do: the figure is lost, the console goes on.
				}
			}
		},
	};
}
