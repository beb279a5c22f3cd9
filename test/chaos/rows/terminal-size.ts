/**
 * Terminal rows about size: a resize storm (100 resizes in 2 s) and a 20×6 terminal. The console must survive,
 * draw a correct frame for the final size, keep answering keys, and quit cleanly with the terminal restored.
 */
import type {ChaosContext, ChaosResult, ChaosRow} from '../row.js';
import {followScreen, programPid, prometheusHeader, seconds, versionCells} from '../support/console-screen.js';
import {startSimConsole, waitForLiveTraffic} from '../support/sim-console.js';
import type {TmuxTerminal} from '../../helpers/tmux.js';

/** A whole frame for `columns`: the header, the three version rows, no line wider than the terminal. */
function fullFrame(screen: string, columns: number): boolean {
	return prometheusHeader(screen) !== undefined
		&& ['v1', 'v2', 'v3'].every(version => versionCells(screen, version) !== undefined)
		&& screen.split('\n').every(line => line.length <= columns);
}

async function quitCleanly(terminal: TmuxTerminal, problems: string[]): Promise<void> {
	terminal.keys('q');
	const status = await terminal.waitForExit(5000).catch(() => undefined);
	if (status !== 0) {
		problems.push(`q did not exit 0 (${String(status)})`);
	}

	if (terminal.alternateScreen()) {
		problems.push('the terminal is still on the alternate screen');
	}
}

function result(figure: string, problems: readonly string[]): ChaosResult {
	return {ok: problems.length === 0, figure, ...(problems.length === 0 ? {} : {detail: problems.join('\n')})};
}

async function resizeStorm(context: ChaosContext): Promise<ChaosResult> {
	const bed = await startSimConsole({dir: context.dir, columns: 100, rows: 30});
	try {
		const {terminal} = bed;
		await waitForLiveTraffic(terminal, 30_000, context.signal);
		const problems: string[] = [];
		const start = Date.now();
		// From below the minimum, around 80×24, to past 200 columns: 20 bursts of 5 resizes, 100 ms apart (one tmux
		// call per burst, so a slow machine still fits 100 resizes into 2 s).
		for (let burst = 0; burst < 20; burst++) {
			terminal.resize(...Array.from({length: 5}, (_, index) => {
				const step = (burst * 5) + index;
				return [40 + ((step * 37) % 180), 10 + ((step * 13) % 45)] as const;
			}));
			const due = start + ((burst + 1) * 100);
			await new Promise(resolve => setTimeout(resolve, Math.max(0, due - Date.now())));
		}

		terminal.resize([90, 28]);
		const stormMs = Date.now() - start;
		const settled = Date.now();
		const frame = await followScreen(terminal, {start: settled, timeoutMs: 5000, signal: context.signal, until: screen => fullFrame(screen, 90)});
		if (programPid(terminal) === undefined) {
			problems.push(`meshtop is gone after the storm:\n${terminal.screen()}`);
		}

		if (frame === undefined) {
			problems.push(`no correct 90×28 frame within 5 s of the last resize:\n${terminal.screen()}`);
		} else if (frame.at > 2000) {
			problems.push(`the 90×28 frame took ${seconds(frame.at)} (limit 2 s)`);
		}

		// Keys still work: ] changes the step, which the footer shows.
		terminal.keys(']');
		const keyed = await followScreen(terminal, {start: Date.now(), timeoutMs: 3000, until: screen => /\] step 25/.test(screen)});
		if (keyed === undefined) {
			problems.push(`] after the storm did not change the step:\n${terminal.screen()}`);
		}

		await quitCleanly(terminal, problems);
		return result(`100 resizes in ${seconds(stormMs)}; a correct frame ${frame === undefined ? 'never' : `${seconds(frame.at)} after the last`} (≤ 2 s), keys answered`, problems);
	} finally {
		await bed.stop();
	}
}

async function tinyTerminal(context: ChaosContext): Promise<ChaosResult> {
	const bed = await startSimConsole({dir: context.dir, columns: 20, rows: 6});
	try {
		const {terminal} = bed;
		const problems: string[] = [];
		const start = Date.now();
		const said = await followScreen(terminal, {start, timeoutMs: 15_000, signal: context.signal, until: screen => /Too small: 20×6/.test(screen) && /q quits/.test(screen)});
		if (said === undefined) {
			problems.push(`20×6: no whole "Too small" message:\n${terminal.screen()}`);
		}

		// Grown back to a usable size, the console draws itself.
		terminal.resize([90, 28]);
		const grown = await followScreen(terminal, {start: Date.now(), timeoutMs: 5000, signal: context.signal, until: screen => fullFrame(screen, 90)});
		if (grown === undefined) {
			problems.push(`after growing to 90×28 no correct frame:\n${terminal.screen()}`);
		}

		terminal.resize([20, 6]);
		await followScreen(terminal, {start: Date.now(), timeoutMs: 3000, until: screen => /Too small/.test(screen)});
		await quitCleanly(terminal, problems);
		return result(`"too small" shown after ${said === undefined ? '—' : seconds(said.at)}; full frame ${grown === undefined ? 'never' : seconds(grown.at)} after growing to 90×28; q exits 0 at 20×6`, problems);
	} finally {
		await bed.stop();
	}
}

/** Rows: the terminal's size. */
export const terminalSizeRows: ChaosRow[] = [
	{group: 'terminal', name: 'resize storm (100 resizes in 2 s)', short: true, limitSeconds: 60, run: resizeStorm},
	{group: 'terminal', name: '20×6 terminal', short: true, limitSeconds: 60, run: tinyTerminal},
];
