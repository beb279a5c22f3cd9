/**
 * One fault episode against a console on screen, judged from the screen alone: inject, watch every capture while the
 * fault lasts (the header must say so in time and never call old numbers live), clear, and time the recovery.
 */
import type {TmuxTerminal} from '../../helpers/tmux.js';
import {followScreen, programPid, prometheusHeader, seconds, versionCells} from './console-screen.js';
import {showsLiveTraffic} from './sim-console.js';

/** What the screen must show while the fault lasts. */
export type FaultExpectation =
	/** No usable answer (down, 5xx, garbage, hung): the header leaves `live`. */
	| 'stale'
	/** Answers arrive but carry no usable numbers (NaN, +Inf, empty): the header may stay live, the old numbers must go and no NaN/Inf is printed. */
	| 'no-numbers';

/** Options of {@link runFaultEpisode}. */
export interface EpisodeOptions {
	terminal: TmuxTerminal;
	inject(): void | Promise<void>;
	clear(): void | Promise<void>;
	expect: FaultExpectation;
	/** How long the fault lasts. */
	holdMs: number;
	/** The console's refresh period (default 1000). */
	refreshMs?: number;
	/** The latest the screen may show the fault, from injection (default one refresh + 0.5 s for the capture and render). */
	detectLimitMs?: number;
	/** The latest live numbers may be back, from the fix (default two refreshes + 0.5 s). */
	recoverLimitMs?: number;
	/** Extra check of every capture during the fault; returns a problem or undefined. */
	check?: (screen: string, at: number) => string | undefined;
	signal?: AbortSignal;
	log?: (line: string) => void;
}

/** What an episode measured. */
export interface EpisodeResult {
	ok: boolean;
	/** When the screen first showed the fault, from injection. */
	detectMs: number | undefined;
	/** When live numbers were back, from the fix. */
	recoverMs: number | undefined;
	/** Everything that went wrong (empty when ok). */
	problems: string[];
	/** e.g. "stale after 1.1 s (≤ 1.5 s), live 1.3 s after the fix (≤ 2.5 s)". */
	figure: string;
}

const tableLine = /^[ ▸] \S+/;

function showsFault(screen: string, expect: FaultExpectation): boolean {
	if (expect === 'stale') {
		const status = prometheusHeader(screen)?.status;
		return status !== undefined && status !== 'live';
	}

	const rps = versionCells(screen, 'v1')?.rps;
	return rps === '-' || Number(rps) === 0;
}

/** Runs one episode; never throws for what the screen shows (that is a problem in the result). */
export async function runFaultEpisode(options: EpisodeOptions): Promise<EpisodeResult> {
	const refreshMs = options.refreshMs ?? 1000;
	const detectLimit = options.detectLimitMs ?? refreshMs + 500;
	const recoverLimit = options.recoverLimitMs ?? (2 * refreshMs) + 500;
	const problems = new Set<string>();
	// One line per kind of problem (the first capture that showed it), not one per capture.
	const kinds = new Set<string>();
	const once = (kind: string, text: string) => {
		if (!kinds.has(kind)) {
			kinds.add(kind);
			problems.add(text);
		}
	};
	let detectMs: number | undefined;
	let lastScreen = '';
	const start = Date.now();
	await options.inject();
	await followScreen(options.terminal, {
		start,
		timeoutMs: options.holdMs,
		until: () => false,
		signal: options.signal,
		seen({at, screen}) {
			lastScreen = screen;
			const header = prometheusHeader(screen);
			if (header === undefined) {
				once('header', `no header on screen at ${seconds(at)}`);
				return;
			}

			const faultShown = showsFault(screen, options.expect);
			if (faultShown && detectMs === undefined) {
				detectMs = at;
				options.log?.(`fault on screen at ${seconds(at)}: ${header.line}`);
			}

			if (at > detectLimit && !faultShown) {
				once('not shown', options.expect === 'stale'
					? `header still "${header.status}" ${seconds(at)} into the fault: ${header.line}`
					: `old numbers still shown ${seconds(at)} into the fault: ${screen.split('\n').find(line => line.startsWith('  v1') || line.startsWith('▸ v1')) ?? ''}`);
			}

			const printed = screen.split('\n').filter(line => tableLine.test(line)).find(line => /\bNaN\b|Inf/.test(line));
			if (printed !== undefined) {
				once('nan', `NaN/Inf printed: ${printed.trim()}`);
			}

			const extra = options.check?.(screen, at);
			if (extra !== undefined) {
				once(extra, extra);
			}
		},
	});
	if (detectMs === undefined) {
		problems.add(`the fault never showed in ${seconds(options.holdMs)}`);
	}

	if (programPid(options.terminal) === undefined) {
		problems.add(`meshtop is gone during the fault; screen:\n${lastScreen}`);
	}

	// Recovery counts from the moment the fix is in place (a restarted Prometheus is ready), not from starting it.
	await options.clear();
	const fixed = Date.now();
	const back = await followScreen(options.terminal, {start: fixed, timeoutMs: Math.max(recoverLimit * 4, 10_000), until: screen => showsLiveTraffic(screen), signal: options.signal, seen({screen}) {
		lastScreen = screen;
	}});
	const recoverMs = back?.at;
	if (recoverMs === undefined) {
		problems.add(`no live numbers after the fix; last screen:\n${lastScreen}`);
	} else if (recoverMs > recoverLimit) {
		problems.add(`live numbers only ${seconds(recoverMs)} after the fix (limit ${seconds(recoverLimit)})`);
	}

	if (detectMs !== undefined && detectMs > detectLimit) {
		problems.add(`the fault showed only after ${seconds(detectMs)} (limit ${seconds(detectLimit)})`);
	}

	const what = options.expect === 'stale' ? 'stale' : 'old numbers gone';
	return {
		ok: problems.size === 0,
		detectMs,
		recoverMs,
		problems: [...problems],
		figure: `${what} after ${detectMs === undefined ? '—' : seconds(detectMs)} (≤ ${seconds(detectLimit)}), live ${recoverMs === undefined ? 'never' : `${seconds(recoverMs)}`} after the fix (≤ ${seconds(recoverLimit)})`,
	};
}
