/**
 * Gives back the heap pages V8 keeps after a burst. V8 puts the pages a garbage collection frees in a pool for reuse
 * and empties the pool only on a memory-reducing collection, which its memory reducer starts only when the allocation
 * rate is low; the console's never is (about 1.6 MB/s of each refresh's garbage). So every burst (a Prometheus pod
 * replaced: a new port-forward, a relist, its errors) left its pages resident for good: a 30-minute soak's RSS floor
 * stepped up 2–5 MB after such faults while V8's committed heap went back where it was (185 resident 256 kB heap pages
 * against 41 MB committed). V8's memory saver mode empties the pool at every major collection, but keeps the heap so
 * tight that the idle console used 0.4% of a core more. So this watches the memory outside V8's committed heap
 * (RSS − heap committed − external) and, when its floor has stepped up by a few MB and nobody is typing, asks V8 for
 * the collection that empties the pool (the inspector's HeapProfiler.collectGarbage, in process: tens of ms, rare).
 * The floor (the lowest of the last minute's readings) is what a burst raises for good; the readings themselves swing
 * by 5 MB as the heap's committed size moves, and a trigger on them trimmed every 3 minutes for nothing.
 */

/** What the trim reads of the process's memory (process.memoryUsage's names). */
export interface MemoryReading {
	rss: number;
	heapTotal: number;
	external: number;
}

/** Options of {@link startHeapTrim}; all but the thresholds are for tests. */
export interface HeapTrimOptions {
	/** How often the memory is looked at (default 15 s). */
	intervalMs?: number;
	/** Readings whose lowest is the floor (default 4: a minute). */
	window?: number;
	/** A step of the floor over its low since the last trim that asks for a trim (default 4 MB). */
	growthBytes?: number;
	/** After a trim, how long the heap is left to grow back to its working size before the low is read (default 2 min). */
	settleMs?: number;
	/** No trim within this long after a key (default 5 s): its pause must not delay what the user is doing. */
	quietMs?: number;
	now?: () => number;
	memory?: () => MemoryReading;
	/** Runs the memory-reducing collection; default: the inspector's HeapProfiler.collectGarbage. */
	collect?: () => Promise<void>;
	/** Timer functions (a fake clock in tests). */
	setInterval?: (callback: () => void, ms: number) => {unref?(): unknown};
	clearInterval?: (timer: {unref?(): unknown}) => void;
}

/** A running trim: its owner calls stop(). */
export interface HeapTrim {
	/** A key arrived: no trim for a while. */
	keyArrived(): void;
	/** Looks now (what the timer does); resolves when a trim it started is done. */
	check(): Promise<void>;
	/** Trims done so far. */
	readonly trims: number;
	/** Ends the timer. */
	stop(): void;
}

/** V8's full, memory-reducing collection, through an in-process inspector session (no port, no socket). */
export async function collectAllGarbage(): Promise<void> {
	const {Session} = await import('node:inspector');
	const session = new Session();
	session.connect();
	try {
		await new Promise<void>((resolve, reject) => {
			session.post('HeapProfiler.collectGarbage', error => {
				if (error === null || error === undefined) {
					resolve();
				} else {
					reject(error);
				}
			});
		});
	} finally {
		session.disconnect();
	}
}

/** Starts watching; the timer is unref'd (it never keeps a quitting console alive). */
export function startHeapTrim(options: HeapTrimOptions = {}): HeapTrim {
	const intervalMs = options.intervalMs ?? 15_000;
	const window = Math.max(1, options.window ?? 4);
	const growthBytes = options.growthBytes ?? 4 * 1024 * 1024;
	const settleMs = options.settleMs ?? 120_000;
	const quietMs = options.quietMs ?? 5000;
	const now = options.now ?? Date.now;
	const memory = options.memory ?? (() => process.memoryUsage());
	const collect = options.collect ?? collectAllGarbage;
	let readings: number[] = [];
	let low = Number.POSITIVE_INFINITY;
	let lastKey = Number.NEGATIVE_INFINITY;
	let settledAt = Number.NEGATIVE_INFINITY;
	let trims = 0;
	let running = false;
	let disabled = false;

	const check = async () => {
		if (running || disabled) {
			return;
		}

		const at = now();
		if (at < settledAt) {
			return;
		}

		const reading = memory();
		readings.push(reading.rss - reading.heapTotal - reading.external);
		if (readings.length > window) {
			readings.shift();
		}

		if (readings.length < window) {
			return;
		}

		const floor = Math.min(...readings);
		low = Math.min(low, floor);
		if (floor - low < growthBytes || at - lastKey < quietMs) {
			return;
		}

		running = true;
		try {
			await collect();
			trims++;
		} catch {
			// A Node built without the inspector: nothing to trim with, and no reason to try again.
			disabled = true;
		} finally {
			running = false;
			// The low is read again once the heap has grown back to its working size: the next trim waits for a step
			// beyond that, so memory a collection cannot give back (malloc's, code) asks for one trim, not one a minute.
			settledAt = now() + settleMs;
			readings = [];
			low = Number.POSITIVE_INFINITY;
		}
	};

	const startTimer = options.setInterval ?? ((callback: () => void, ms: number) => setInterval(callback, ms));
	const endTimer = options.clearInterval ?? ((handle: {unref?(): unknown}) => {
		clearInterval(handle as NodeJS.Timeout);
	});
	const timer = startTimer(() => {
		void check();
	}, intervalMs);
	timer.unref?.();
	return {
		keyArrived() {
			lastKey = now();
		},
		check,
		get trims() {
			return trims;
		},
		stop() {
			endTimer(timer);
		},
	};
}
