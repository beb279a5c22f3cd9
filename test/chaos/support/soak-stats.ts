/**
 * The soak's arithmetic: reading the console's stats lines (MESHTOP_STATS_FILE), one printed line per minute, and the
 * verdict after warm-up (the slope of the minutes' RSS floors by least squares, fds flat).
 */
import {readFile} from 'node:fs/promises';
import type {MemoryMap} from '../../../source/app/memory-map.js';
import type {ProcessStatsLine} from '../../../source/app/process-stats.js';

/** Every stats line written so far (a line cut short by a concurrent write is skipped). */
export async function readStats(file: string): Promise<ProcessStatsLine[]> {
	const text = await readFile(file, 'utf8').catch(() => '');
	const lines: ProcessStatsLine[] = [];
	for (const line of text.split('\n')) {
		try {
			lines.push(JSON.parse(line) as ProcessStatsLine);
		} catch {
			// Empty or partial line.
		}
	}

	return lines;
}

const megabyte = 1024 * 1024;

/** One minute of the soak, from the stats lines sampled in it. */
export interface MinuteSummary {
	/** 1 for the first minute. */
	minute: number;
	/** The minute's last line (fds, heap). */
	last: ProcessStatsLine;
	/** The lowest RSS of the minute: the floor after garbage collection, which a leak raises and GC noise does not. */
	rssFloorBytes: number;
	/** The line that holds that floor (its memory map says where the floor's pages are). */
	floor: ProcessStatsLine;
	/** The worst event-loop p99 of the minute's intervals. */
	eventLoopP99Ms: number;
	/** CPU time over wall time of the minute, in % of one core. */
	cpuPercent: number | undefined;
}

/** Groups stats lines by minute since `start` (complete minutes only, before `now`). */
export function minuteSummaries(stats: readonly ProcessStatsLine[], start: number, now: number): MinuteSummary[] {
	const summaries: MinuteSummary[] = [];
	let previous: ProcessStatsLine | undefined;
	for (let minute = 1; start + (minute * 60_000) <= now; minute++) {
		const lines = stats.filter(line => line.at > start + ((minute - 1) * 60_000) && line.at <= start + (minute * 60_000));
		const last = lines.at(-1);
		if (last === undefined) {
			continue;
		}

		const floor = lines.reduce((lowest, line) => line.rssBytes < lowest.rssBytes ? line : lowest);
		summaries.push({
			minute,
			last,
			floor,
			rssFloorBytes: floor.rssBytes,
			eventLoopP99Ms: Math.max(...lines.map(line => line.eventLoopP99Ms)),
			cpuPercent: previous === undefined ? undefined : 100 * (last.cpuMs - previous.cpuMs) / Math.max(1, last.at - previous.at),
		});
		previous = last;
	}

	return summaries;
}

/** One line of the soak's minute-by-minute table. */
export function formatMinute(summary: MinuteSummary): string {
	const {last} = summary;
	const cpu = summary.cpuPercent === undefined ? '    -' : `${summary.cpuPercent.toFixed(2).padStart(5)}%`;
	return `min ${String(summary.minute).padStart(3)}  rss ${(last.rssBytes / megabyte).toFixed(1).padStart(6)} MB (floor ${(summary.rssFloorBytes / megabyte).toFixed(1).padStart(6)})  heap ${(last.heapUsedBytes / megabyte).toFixed(1).padStart(5)}/${((last.heapTotalBytes ?? 0) / megabyte).toFixed(1).padStart(5)} MB  ext ${((last.externalBytes ?? 0) / megabyte).toFixed(1).padStart(5)} MB  fds ${String(last.fds ?? '?').padStart(3)}  loop p99 ${summary.eventLoopP99Ms.toFixed(1).padStart(5)} ms  cpu ${cpu}${formatMap(summary.floor.memoryMap)}`;
}

function formatMap(map: MemoryMap | null | undefined): string {
	if (map === null || map === undefined) {
		return '';
	}

	const mb = (kb: number) => (kb / 1024).toFixed(1);
	return `  floor: brk ${mb(map.heapKb)} anon ${mb(map.anonKb)} file ${mb(map.fileKb)} MB`;
}

/** Which kind of mapping the RSS floor grew in, from the first minute after warm-up to the last. */
export function mapGrowth(minutes: readonly MinuteSummary[], warmupMinutes: number): string | undefined {
	const after = minutes.filter(summary => summary.minute > warmupMinutes);
	const first = after[0]?.floor.memoryMap;
	const last = after.at(-1)?.floor.memoryMap;
	if (first === null || first === undefined || last === null || last === undefined) {
		return undefined;
	}

	const delta = (kb: number) => `${kb >= 0 ? '+' : ''}${(kb / 1024).toFixed(2)}`;
	return `  RSS floor by mapping, minute ${after[0]!.minute} to ${after.at(-1)!.minute}: brk (malloc) ${delta(last.heapKb - first.heapKb)}, anonymous (V8 pages, mmap'd blocks, thread stacks) ${delta(last.anonKb - first.anonKb)}, files ${delta(last.fileKb - first.fileKb)} MB`;
}

/** Least-squares slope of y over x. */
export function slope(points: ReadonlyArray<{x: number; y: number}>): number {
	const n = points.length;
	if (n < 2) {
		return 0;
	}

	const meanX = points.reduce((sum, point) => sum + point.x, 0) / n;
	const meanY = points.reduce((sum, point) => sum + point.y, 0) / n;
	const numerator = points.reduce((sum, point) => sum + ((point.x - meanX) * (point.y - meanY)), 0);
	const denominator = points.reduce((sum, point) => sum + ((point.x - meanX) ** 2), 0);
	return denominator === 0 ? 0 : numerator / denominator;
}

/** The soak's verdict over the minutes after warm-up. */
export interface SoakVerdict {
	ok: boolean;
	/** RSS floor growth in MB per 10 minutes (least squares over the minutes' floors). */
	rssMbPer10Min: number;
	/** Largest minus smallest open fds after warm-up. */
	fdSpread: number;
	lines: string[];
}

/** Judges the minutes after `warmupMinutes`: RSS floor growth ≤ 1 MB per 10 min, fds flat (spread ≤ 2). */
export function judgeSoak(minutes: readonly MinuteSummary[], warmupMinutes: number): SoakVerdict {
	const after = minutes.filter(summary => summary.minute > warmupMinutes);
	if (after.length < 3) {
		return {ok: false, rssMbPer10Min: Number.NaN, fdSpread: Number.NaN, lines: [`✗ only ${after.length} minutes after warm-up: too short to judge`]};
	}

	const rssMbPer10Min = 10 * slope(after.map(summary => ({x: summary.minute, y: summary.rssFloorBytes / megabyte})));
	const fds = after.map(summary => summary.last.fds ?? 0);
	const fdSpread = Math.max(...fds) - Math.min(...fds);
	const rssOk = rssMbPer10Min <= 1;
	const fdsOk = fdSpread <= 2;
	const floors = after.map(summary => summary.rssFloorBytes / megabyte);
	return {
		ok: rssOk && fdsOk,
		rssMbPer10Min,
		fdSpread,
		lines: [
			`${rssOk ? '✓' : '✗'} RSS growth ${rssMbPer10Min.toFixed(2)} MB per 10 min after ${warmupMinutes} min warm-up (≤ 1 MB; least squares over ${after.length} minutes' RSS floors, ${Math.min(...floors).toFixed(1)}–${Math.max(...floors).toFixed(1)} MB)`,
			`${fdsOk ? '✓' : '✗'} open fds ${Math.min(...fds)}–${Math.max(...fds)} after warm-up (flat: spread ≤ 2)`,
		],
	};
}
