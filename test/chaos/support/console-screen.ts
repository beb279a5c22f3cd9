/**
 * The meshtop console in a real terminal (tmux) for chaos rows: start it, read its header and version rows off the
 * screen as a person would, and follow the screen over time with timestamps.
 */
import {execFileSync} from 'node:child_process';
import {fileURLToPath} from 'node:url';
import {pathWithThisNode} from '../../helpers/this-node.js';
import {TmuxTerminal} from '../../helpers/tmux.js';

/** The built CLI (dist/cli.js). */
export const cliPath = fileURLToPath(new URL('../../../cli.js', import.meta.url));

/** What the header's second line says about Prometheus. */
export interface PrometheusHeader {
	/** The feed state word: live, stale, error, reconnecting, connecting. */
	status: string;
	/** Age of the numbers in seconds, when the header shows one ("now" is 0). */
	ageSeconds: number | undefined;
	/** Seconds the refresh in flight has waited, when overdue. */
	waitingSeconds: number | undefined;
	/** The rate window shown ("4s", "1m"). */
	window: string | undefined;
	/** The whole line, for messages. */
	line: string;
}

/** Parses the Prometheus part of the header; undefined when the header is not on screen. */
export function prometheusHeader(screen: string): PrometheusHeader | undefined {
	const line = screen.split('\n').find(candidate => /kube \S+ \S+ +prometheus /.test(candidate));
	const match = line === undefined ? null : /prometheus \S+ (\w+)(?: data (now|\d+s ago|\d+m ago) · window (\S+))?(?: · waiting (\d+)s)?/.exec(line);
	if (line === undefined || match === null) {
		return undefined;
	}

	const age = match[2];
	const ageSeconds = age === undefined ? undefined : age === 'now' ? 0 : Number.parseInt(age, 10) * (age.endsWith('m ago') ? 60 : 1);
	return {status: match[1]!, ageSeconds, waitingSeconds: match[4] === undefined ? undefined : Number(match[4]), window: match[3], line: line.trim()};
}

/** The numbers of a version's row: configured weight and the metric cells as printed ('-' when empty). */
export interface VersionCells {
	weight: number;
	observed: string;
	rps: string;
	success: string;
	p99: string;
}

/** Reads a version's row (by its name at the start of the row); undefined when it is not on screen. */
export function versionCells(screen: string, version: string): VersionCells | undefined {
	const line = screen.split('\n').find(candidate => new RegExp(`^[ ▸] ${version} `).test(candidate));
	if (line === undefined) {
		return undefined;
	}

	const tokens = line.replace(/^[ ▸] \S+(?: \(v\d+\))?\s+[█░]+\s+/, '').replace(/→ \d+\s+/, '').trim().split(/\s+/);
	if (tokens.length < 5) {
		return undefined;
	}

	return {weight: Number(tokens[0]), observed: tokens[1]!, rps: tokens[2]!, success: tokens[3]!, p99: tokens[4]!};
}

/** Options of {@link openConsole}. */
export interface ConsoleOptions {
	kubeconfig: string;
	/** Arguments after the kubeconfig (e.g. `reviews -n bookinfo --prometheus-url …`). */
	args: readonly string[];
	/** HOME of the console (its history file goes there). */
	home: string;
	columns?: number;
	rows?: number;
	/** Extra environment. */
	env?: Record<string, string | undefined>;
}

/**
 * Starts the console in a tmux terminal of its own (default 100×30), as a person's SSH session would run it:
 * dist/cli.js run as a program (its shell line sets malloc's settings), with this Node first on PATH.
 */
export function openConsole(options: ConsoleOptions): TmuxTerminal {
	return TmuxTerminal.start([cliPath, '--kubeconfig', options.kubeconfig, ...options.args], {
		columns: options.columns ?? 100,
		rows: options.rows ?? 30,
		// Not CI, a normal TERM; NO_COLOR keeps capture-pane text plain.
		env: {CI: undefined, TERM: 'xterm-256color', NO_COLOR: '1', PATH: pathWithThisNode(), HOME: options.home, ...options.env},
	});
}

/** The process id of the program running in the terminal (the pane shell's child), or undefined once it exited. */
export function programPid(terminal: TmuxTerminal): number | undefined {
	try {
		// The pane's shell runs the command and, once it exits, `sleep`: meshtop renames itself (process.title).
		const pid = execFileSync('pgrep', ['-P', String(terminal.panePid()), '-x', 'meshtop'], {encoding: 'utf8'}).trim().split('\n')[0];
		return pid === undefined || pid === '' ? undefined : Number(pid);
	} catch {
		return undefined;
	}
}

/** One look at the screen, at a time relative to a start. */
export interface TimedScreen {
	/** Milliseconds since the start given to {@link followScreen}. */
	at: number;
	screen: string;
}

/**
 * Captures the screen every `intervalMs` until `until` returns true for a capture or `timeoutMs` passes; every
 * capture goes to `seen` (so a row can judge each one: nothing stale shown as live). Resolves with the matching
 * capture, or undefined on timeout.
 */
export async function followScreen(terminal: TmuxTerminal, options: {start: number; timeoutMs: number; intervalMs?: number; until: (screen: string) => boolean; seen?: (capture: TimedScreen) => void; signal?: AbortSignal}): Promise<TimedScreen | undefined> {
	const deadline = Date.now() + options.timeoutMs;
	for (;;) {
		const capture = {at: Date.now() - options.start, screen: terminal.screen()};
		options.seen?.(capture);
		if (options.until(capture.screen)) {
			return capture;
		}

		if (Date.now() >= deadline || options.signal?.aborted === true) {
			return undefined;
		}

		await new Promise(resolve => setTimeout(resolve, options.intervalMs ?? 100));
	}
}

/** Seconds with one decimal, for figures. */
export function seconds(milliseconds: number): string {
	return `${(milliseconds / 1000).toFixed(1)} s`;
}
