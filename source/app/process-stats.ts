/**
 * The console's own vital signs for a soak: with MESHTOP_STATS_FILE set, one JSON line per interval with RSS, heap
 * used, open file descriptors, the event loop's delay (p99 over the interval) and CPU time. A soak reads them from
 * outside; without the variable nothing is measured or written.
 */
import {appendFile, readdir, readFile} from 'node:fs/promises';
import {monitorEventLoopDelay} from 'node:perf_hooks';
import {type MemoryMap, parseMemoryMap} from './memory-map.js';

/** One line of the stats file. */
export interface ProcessStatsLine {
	/** Milliseconds since the epoch. */
	at: number;
	rssBytes: number;
	heapUsedBytes: number;
	/** V8's heap as committed (what of the RSS the JavaScript heap holds, garbage included). */
	heapTotalBytes: number;
	/** Memory of C++ objects bound to JavaScript ones, Buffers and ArrayBuffers included (RSS that the heap does not explain). */
	externalBytes: number;
	/** Of `externalBytes`, the backing stores of ArrayBuffers and Buffers. */
	arrayBuffersBytes: number;
	/** Resident memory by kind of mapping (null where /proc/self/smaps is not there). */
	memoryMap: MemoryMap | null;
	/** Open file descriptors (null where /proc/self/fd is not there). */
	fds: number | null;
	/** 99th percentile of the event loop's delay over the interval, in milliseconds. */
	eventLoopP99Ms: number;
	/** CPU time used since start, user + system, in milliseconds. */
	cpuMs: number;
}

/** A running sampler; stop() ends its timer and histogram. */
export interface ProcessStats {
	stop(): void;
}

async function memoryMap(): Promise<MemoryMap | null> {
	try {
		return parseMemoryMap(await readFile('/proc/self/smaps', 'utf8'));
	} catch {
		return null;
	}
}

async function openFds(): Promise<number | null> {
	try {
		return (await readdir('/proc/self/fd')).length;
	} catch {
		return null;
	}
}

/** One sample now; `histogram` is reset after being read, so each line covers its own interval. */
export async function sampleProcess(histogram: {percentile(p: number): number; reset(): void}): Promise<ProcessStatsLine> {
	const memory = process.memoryUsage();
	const cpu = process.cpuUsage();
	const p99 = histogram.percentile(99);
	histogram.reset();
	return {
		at: Date.now(),
		rssBytes: memory.rss,
		heapUsedBytes: memory.heapUsed,
		heapTotalBytes: memory.heapTotal,
		externalBytes: memory.external,
		arrayBuffersBytes: memory.arrayBuffers,
		memoryMap: await memoryMap(),
		fds: await openFds(),
		// The histogram reports nanoseconds, and NaN before its first sample.
		eventLoopP99Ms: Number.isFinite(p99) ? Math.round(p99 / 10_000) / 100 : 0,
		cpuMs: Math.round((cpu.user + cpu.system) / 1000),
	};
}

/**
 * Starts writing stats to `file` every `intervalMs` (default 60 s), or returns undefined without a file. The timer is
 * unref'd: stats never keep a quitting console alive.
 */
export function startProcessStats(file: string | undefined, intervalMs = 60_000): ProcessStats | undefined {
	if (file === undefined || file === '') {
		return undefined;
	}

	const histogram = monitorEventLoopDelay({resolution: 10});
	histogram.enable();
	let writing = Promise.resolve();
	const timer = setInterval(() => {
		writing = writing.then(async () => {
			const line = await sampleProcess(histogram);
			await appendFile(file, `${JSON.stringify(line)}\n`);
		}).catch(() => {
			// A stats file that cannot be written must not disturb the console; the soak notices the missing lines.
		});
	}, Math.max(10, intervalMs));
	timer.unref();
	return {
		stop() {
			clearInterval(timer);
			histogram.disable();
		},
	};
}
