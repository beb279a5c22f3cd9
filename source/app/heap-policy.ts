/**
 * The V8 heap policy of the long-running console. The console allocates a steady stream of short-lived garbage (each
 * refresh's queries, live reads and Ink frame); V8 answers a high allocation rate by growing the young generation,
 * on Node 24 up to 128 MB (two 64 MB semi-spaces), and keeps it: resident memory that holds only garbage. A 10-minute
 * run on the simulated cluster went from 135–209 MB of RSS to a flat 123 MB with the young generation kept small,
 * for more (cheap) scavenges. `--max-semi-space-size` is read only when the heap is created (it needs NODE_OPTIONS,
 * which the CLI cannot set for itself without starting a second process); the growth factor is read each time V8
 * decides to grow, so setting it to 1 keeps the young generation at its initial size, but only if it is set before
 * the first growth: set in the command dispatch, after the bundle's evaluation, it left 16 MB more RSS (139 against
 * 123 MB). So the launcher (dist/cli.js, written by scripts/bundle-launcher.mjs) sets it first thing, for every
 * invocation but the one-shot commands, which are short and keep V8's default.
 */

/** V8 flags for the console, set before its first frame. */
export const consoleHeapFlags = ['--semi-space-growth-factor=1'] as const;

/** Commands that end within seconds, for which the launcher leaves V8's defaults. */
export const oneShotCommands = ['status', 'set', 'history', 'undo'] as const;

/**
 * Whether an invocation (process.argv without node and the script) gets the policy: any but a one-shot command. A
 * word of the arguments that names one (even a VirtualService called `status`) keeps V8's defaults: wrong only in
 * memory, never in behaviour.
 */
export function wantsHeapPolicy(argv: readonly string[]): boolean {
	return !argv.some(word => (oneShotCommands as readonly string[]).includes(word));
}
