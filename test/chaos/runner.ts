/**
 * Runs chaos rows one after another and prints the table: each row gets a fresh directory (removed afterwards, pass or
 * fail) and an AbortSignal that fires at its time limit or on an interrupt. A row that ignores its signal is reported
 * as failed after a grace period, so one stuck row cannot hang the suite. The last line is `N passed, M failed`.
 */
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';
import type {ChaosGroup, ChaosResult, ChaosRow} from './row.js';

/** The order groups are printed in (the row interface's order). */
export const groupOrder: readonly ChaosGroup[] = ['api', 'writes', 'prometheus', 'terminal'];

/** Options of {@link runRows}. */
export interface RunOptions {
	/** Run only rows marked short, with their short form. */
	short: boolean;
	/** Run only rows whose group or name contains this text (case-insensitive). */
	only?: string;
	/** Print the rows' progress lines. */
	verbose: boolean;
	/** Where the table goes (a line per call). */
	print(line: string): void;
	/** Aborts the row in progress and skips the rest (Ctrl-C). */
	interrupt?: AbortSignal;
	/** How long a row may go on after its signal fired before it is abandoned as failed (default 10 s). */
	graceMs?: number;
	/** Parent of the rows' directories (default the system's temporary directory). */
	tmpRoot?: string;
}

/** What the run came to. */
export interface RunSummary {
	passed: number;
	failed: number;
	/** Each row run, with its result and seconds taken. */
	results: Array<{row: ChaosRow; result: ChaosResult; seconds: number}>;
}

/**
 * The rows a run selects, grouped in {@link groupOrder}; within a group, the rows with a test bed of their own first,
 * then those that share the default one (so the last of one group and the first of the next share it too), each part
 * in the given order.
 */
export function selectRows(rows: readonly ChaosRow[], options: Pick<RunOptions, 'short' | 'only'>): ChaosRow[] {
	const only = options.only?.toLowerCase();
	const chosen = rows.filter(row => (!options.short || row.short)
		&& (only === undefined || row.group.includes(only) || row.name.toLowerCase().includes(only)));
	return groupOrder.flatMap(group => [
		...chosen.filter(row => row.group === group && row.sharesTestbed !== true),
		...chosen.filter(row => row.group === group && row.sharesTestbed === true),
	]);
}

const widths = {group: 10, name: 56};

function cell(text: string, width: number): string {
	return text.length > width ? `${text.slice(0, width - 1)}…` : text.padEnd(width);
}

/** One line of the table. */
export function tableLine(group: string, name: string, mark: string, figure: string): string {
	return `${cell(group, widths.group)} ${cell(name, widths.name)} ${mark}  ${figure}`;
}

async function runOne(row: ChaosRow, options: RunOptions, next: ChaosRow | undefined): Promise<ChaosResult> {
	const dir = await mkdtemp(path.join(options.tmpRoot ?? tmpdir(), 'meshtop-chaos-'));
	const controller = new AbortController();
	const limitMs = row.limitSeconds * 1000;
	const limit = setTimeout(() => {
		controller.abort(new Error(`time limit of ${row.limitSeconds} s reached`));
	}, limitMs);
	const onInterrupt = () => {
		controller.abort(new Error('interrupted'));
	};

	options.interrupt?.addEventListener('abort', onInterrupt, {once: true});
	let abandon: NodeJS.Timeout | undefined;
	// A row that does not stop on its signal is abandoned: its result no longer matters, the suite goes on.
	const abandoned = new Promise<ChaosResult>(resolve => {
		controller.signal.addEventListener('abort', () => {
			abandon = setTimeout(() => {
				resolve({ok: false, figure: '-', detail: `${String((controller.signal.reason as Error).message)}; the row did not stop within ${(options.graceMs ?? 10_000) / 1000} s of its signal`});
			}, options.graceMs ?? 10_000);
		}, {once: true});
	});
	try {
		const result = await Promise.race([
			row.run({
				dir,
				short: options.short,
				signal: controller.signal,
				...(row.sharesTestbed === true ? {sharedTestbed: {keep: next?.sharesTestbed === true && options.interrupt?.aborted !== true}} : {}),
				log(line) {
					if (options.verbose) {
						options.print(`           · ${line}`);
					}
				},
			}),
			abandoned,
		]);
		// A row that returned after its time limit did not meet it, whatever it measured.
		return controller.signal.aborted && result.ok ? {...result, ok: false, detail: `${String((controller.signal.reason as Error).message)}${result.detail === undefined ? '' : `; ${result.detail}`}`} : result;
	} catch (error) {
		const message = error instanceof Error ? error.message : String(error);
		const reason = controller.signal.aborted ? `${String((controller.signal.reason as Error).message)}: ` : '';
		return {ok: false, figure: '-', detail: `${reason}${message}`};
	} finally {
		clearTimeout(limit);
		clearTimeout(abandon);
		options.interrupt?.removeEventListener('abort', onInterrupt);
		await rm(dir, {recursive: true, force: true});
	}
}

/** Runs the selected rows sequentially and prints the table; the last line printed is `N passed, M failed`. */
export async function runRows(rows: readonly ChaosRow[], options: RunOptions): Promise<RunSummary> {
	const selected = selectRows(rows, options);
	const summary: RunSummary = {passed: 0, failed: 0, results: []};
	options.print(tableLine('group', 'fault', 'ok', 'figure'));
	for (const [index, row] of selected.entries()) {
		if (options.interrupt?.aborted === true) {
			break;
		}

		const started = Date.now();
		const result = await runOne(row, options, selected[index + 1]);
		const seconds = (Date.now() - started) / 1000;
		summary.results.push({row, result, seconds});
		if (result.ok) {
			summary.passed++;
		} else {
			summary.failed++;
		}

		options.print(tableLine(row.group, row.name, result.ok ? '✓' : '✗', `${result.figure}  (${seconds.toFixed(1)} s)`));
		if (result.detail !== undefined) {
			for (const line of result.detail.split('\n')) {
				options.print(`           ${line}`);
			}
		}
	}

	options.print(`${summary.passed} passed, ${summary.failed} failed`);
	return summary;
}
