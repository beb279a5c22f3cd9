/**
 * The soak's arithmetic: reading the console's stats lines (MESHTOP_STATS_FILE), one printed line per minute, and the
 * verdict after warm-up (RSS slope by least squares, fds flat).
 */
import {readFile} from 'node:fs/promises';
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

/** One line of the soak's minute-by-minute table; CPU is the share of one core since the previous line. */
export function formatMinute(minute: number, line: ProcessStatsLine, previous: ProcessStatsLine | undefined): string {
	const cpu = previous === undefined ? '   -  ' : `${(100 * (line.cpuMs - previous.cpuMs) / Math.max(1, line.at - previous.at)).toFixed(2).padStart(5)}%`;
	return `min ${String(minute).padStart(3)}  rss ${(line.rssBytes / megabyte).toFixed(1).padStart(6)} MB  heap ${(line.heapUsedBytes / megabyte).toFixed(1).padStart(6)} MB  fds ${String(line.fds ?? '?').padStart(4)}  loop p99 ${line.eventLoopP99Ms.toFixed(1).padStart(6)} ms  cpu ${cpu}`;
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

/** The soak's verdict over the lines after warm-up. */
export interface SoakVerdict {
	ok: boolean;
	/** RSS growth in MB per 10 minutes (least squares). */
	rssMbPer10Min: number;
	/** Largest minus smallest open fds after warm-up. */
	fdSpread: number;
	lines: string[];
}

/** Judges the lines sampled at or after `warmupEndsAt`: RSS growth ≤ 1 MB per 10 min, fds flat (spread ≤ 2). */
export function judgeSoak(stats: readonly ProcessStatsLine[], warmupEndsAt: number): SoakVerdict {
	const after = stats.filter(line => line.at >= warmupEndsAt);
	if (after.length < 3) {
		return {ok: false, rssMbPer10Min: Number.NaN, fdSpread: Number.NaN, lines: [`✗ only ${after.length} samples after warm-up: too short to judge`]};
	}

	const rssMbPer10Min = slope(after.map(line => ({x: line.at / 600_000, y: line.rssBytes / megabyte})));
	const fds = after.map(line => line.fds ?? 0);
	const fdSpread = Math.max(...fds) - Math.min(...fds);
	const rssOk = rssMbPer10Min <= 1;
	const fdsOk = fdSpread <= 2;
	const minutes = (after.at(-1)!.at - after[0]!.at) / 60_000;
	return {
		ok: rssOk && fdsOk,
		rssMbPer10Min,
		fdSpread,
		lines: [
			`${rssOk ? '✓' : '✗'} RSS growth ${rssMbPer10Min.toFixed(2)} MB per 10 min after warm-up (≤ 1 MB; least squares over ${after.length} samples, ${minutes.toFixed(0)} min)`,
			`${fdsOk ? '✓' : '✗'} open fds ${Math.min(...fds)}–${Math.max(...fds)} after warm-up (flat: spread ≤ 2)`,
		],
	};
}
