/**
 * The V8 policy of the long-running console: its heap (below) and which of V8's compilers it runs (see
 * {@link consoleHeapFlags}). The console allocates a steady stream of short-lived garbage (each
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

/**
 * V8 flags for the console, set before its first frame.
 *
 * `--no-maglev`: V8's mid-tier compiler optimizes a function after about 400 calls. The console calls most of its code a
 * few times a second, so a V8 log (`--log-code --log-deopt`) showed Maglev still compiling 6–35 functions a minute at
 * minutes 1–6, and one major collection deoptimizing 82 compiled functions at once (the maps they were compiled for
 * had died), to be compiled again. Without it, functions stay in Sparkplug's baseline code until TurboFan takes the few
 * that reach about 3,000 calls. Consoles side by side on the simulated cluster (5 December, three rounds): RSS floor
 * growth from minute 3 to 11 of 2.7, 2.6, 4.5 and 4.5 MB against 6.4, 5.9, 6.6 and 7.4 MB with Maglev, floors at
 * minute 11 0.3–6.7 MB lower, CPU within the consoles' spread of each other (0.42–0.55% of a core from minute 8).
 * `--no-turbofan` instead saved no memory; both off (Sparkplug only) gave the lowest floors, no lower CPU (0.54%
 * against 0.46% for the default beside it) and no optimized code at all for bursts such as the picker's.
 *
 * Not among them, measured on 4 December: `--memory-saver-mode`.
 * V8 keeps the heap pages a collection frees in a pool and empties it only on a memory-reducing collection, which the
 * console's steady allocation never brings, so RSS climbs to the heap's peaks and stays (about 20 MB over the committed
 * heap on the test bed). Saver mode empties the pool at every major collection (RSS floors 15 MB lower) but keeps the
 * heap tight: 0.4% of a core more. A trim that emptied the pool now and then held for 2–3 minutes before it refilled.
 */
export const consoleHeapFlags = ['--semi-space-growth-factor=1', '--no-maglev'] as const;

/**
 * V8 flags on the launcher's `exec node` line, for every invocation: the young generation's initial size, which V8
 * reads only when it creates the heap. The console keeps its young generation at that size (above); at V8's 1 MB the
 * console's steady garbage (about 1–2 MB a second) meant two scavenges a second, each re-reading what survives. With
 * 2 MB, consoles side by side on the simulated cluster used 5–8% less CPU (0.748% against 0.817% of a core, and
 * 0.775% against 0.822%, 5 December), 1–2 MB more RSS; 4 MB saved no more (0.79%) and cost 4–6 MB. A one-shot
 * command starts with the same 2 MB and grows it as V8 would.
 */
export const nodeStartFlags = ['--min-semi-space-size=2'] as const;

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

/**
 * glibc malloc's settings for the meshtop process, which the launcher's shell line exports before Node starts (glibc
 * reads them once, at its first allocation, so nothing inside Node can set them). Consoles side by side on the
 * simulated cluster, RSS at minute 9 and its growth from minute 3 to 8, CPU alike (1.5–1.8% of a core):
 * - glibc's defaults: 124.8–127.7 MB, +3.5 to +5.7 MB. Each thread that allocates (V8's GC helpers and compilers,
 *   libuv's pool) gets an arena of its own, up to eight per core, and an arena keeps what is freed into it;
 * - `MALLOC_ARENA_MAX=1`, one arena for all threads: 115.2 MB, +3.2 MB;
 * - and `MALLOC_MMAP_THRESHOLD_=131072`: 113.7 MB, +0.3 MB. By default glibc raises its threshold for serving a block
 *   from mmap to the size of each large block freed, up to 32 MB, so later large buffers come from the heap, which
 *   then fragments and grows; a fixed threshold returns every block over 128 kB to the system when it is freed.
 * A value the user has set is kept; musl and macOS ignore these.
 */
export const mallocEnvironment = {MALLOC_ARENA_MAX: '1', MALLOC_MMAP_THRESHOLD_: '131072'} as const;

/** The variable through which the launcher's shell line names the malloc settings it added (space-separated). */
export const launcherAddedVariable = 'MESHTOP_LAUNCHER_ADDED';

/**
 * Removes from `env` the malloc settings the launcher added, and its note of them, so that the processes meshtop starts
 * (kubeconfig exec plugins, Prometheus under `meshtop sim`) get the user's environment, not meshtop's. Only names of
 * {@link mallocEnvironment} are removed, whatever the note says.
 */
export function forgetLauncherEnvironment(env: Record<string, string | undefined>): void {
	const added = (env[launcherAddedVariable] ?? '').split(' ');
	for (const name of Object.keys(mallocEnvironment)) {
		if (added.includes(name)) {
			Reflect.deleteProperty(env, name);
		}
	}

	Reflect.deleteProperty(env, launcherAddedVariable);
}
