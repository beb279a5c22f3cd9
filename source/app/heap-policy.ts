/**
 * The V8 heap policy of the long-running console. The console allocates a steady stream of short-lived garbage (each
 * refresh's queries, live reads and Ink frame); V8 answers a high allocation rate by growing the young generation,
 * on Node 24 up to 128 MB (two 64 MB semi-spaces), and keeps it: resident memory that holds only garbage. A 10-minute
 * run on the simulated cluster went from 135–209 MB of RSS to a flat 123 MB with the young generation kept small,
 * for more (cheap) scavenges. `--max-semi-space-size` is read only when the heap is created (it needs NODE_OPTIONS,
 * which the CLI cannot set for itself without starting a second process); the growth factor is read each time V8
 * decides to grow, so setting it to 1 at start-up keeps the young generation at its initial size. One-shot commands
 * are short and keep V8's default.
 */
import v8 from 'node:v8';

/** V8 flags for the console, set before its first frame. */
export const consoleHeapFlags = ['--semi-space-growth-factor=1'] as const;

/** Sets {@link consoleHeapFlags} (through `setFlags`, V8's by default) for the rest of the process. */
export function applyConsoleHeapPolicy(setFlags: (flag: string) => void = v8.setFlagsFromString): void {
	for (const flag of consoleHeapFlags) {
		setFlags(flag);
	}
}
