import {execFileSync} from 'node:child_process';
import {readFileSync, readlinkSync, realpathSync} from 'node:fs';

/** CPU time and memory of one process, from /proc (Linux). */
export interface ProcessSample {
	/** User + system CPU seconds so far. */
	cpuSeconds: number;
	/** Resident set size now, bytes. */
	rssBytes: number;
	/** Peak resident set size (VmHWM), bytes. */
	peakRssBytes: number;
}

let clockTicks: number | undefined;

/** Clock ticks per second of /proc/<pid>/stat's utime and stime (`getconf CLK_TCK`, 100 on Linux). */
function ticksPerSecond(): number {
	if (clockTicks === undefined) {
		try {
			clockTicks = Number.parseInt(execFileSync('getconf', ['CLK_TCK'], {encoding: 'utf8'}).trim(), 10);
		} catch {
			clockTicks = 100;
		}

		if (!Number.isFinite(clockTicks) || clockTicks <= 0) {
			clockTicks = 100;
		}
	}

	return clockTicks;
}

function statusKilobytes(status: string, field: string): number {
	const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
	if (match === null) {
		throw new Error(`/proc status has no ${field}`);
	}

	return Number.parseInt(match[1]!, 10) * 1024;
}

/** Reads the CPU time and memory of `pid`; throws when the process is gone. */
export function sampleProcess(pid: number): ProcessSample {
	const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
	// The command name in parentheses may contain spaces: fields are counted after its closing parenthesis.
	const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
	// After "comm": state is field 3 of stat(5), so utime (14) and stime (15) are at 11 and 12 here.
	const ticks = Number.parseInt(fields[11]!, 10) + Number.parseInt(fields[12]!, 10);
	const status = readFileSync(`/proc/${pid}/status`, 'utf8');
	return {
		cpuSeconds: ticks / ticksPerSecond(),
		rssBytes: statusKilobytes(status, 'VmRSS'),
		peakRssBytes: statusKilobytes(status, 'VmHWM'),
	};
}

/** Child process ids of `pid` (every thread's children), from /proc. */
export function childPids(pid: number): number[] {
	try {
		return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(text => text !== '').map(Number);
	} catch {
		return [];
	}
}

/**
 * Whether `pid` runs the executable `file` (after an exec). Compares /proc/<pid>/exe, not the command line, which a
 * program may rewrite (meshtop sets process.title).
 */
export function runsExecutable(pid: number, file: string): boolean {
	try {
		return readlinkSync(`/proc/${pid}/exe`) === realpathSync(file);
	} catch {
		return false;
	}
}

/** Whether `pid` still exists (and is not a zombie). */
export function isAlive(pid: number): boolean {
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
	} catch {
		return false;
	}
}
