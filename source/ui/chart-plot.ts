/**
 * The chart as a grid of cells, pure: what each cell shows and in which role (a version's series, the configured
 * weight, a weight-change marker, the axes). Every series is drawn with its own letter, so the picture reads without
 * colour; Chart.tsx only styles the roles through the theme.
 */
import type {SeriesHistory} from '../domain/series.js';
import type {ChartHistory, ChartMode} from '../state/chart-history.js';

/** What a cell is: a version's series (by index), the configured weight line, a weight-change marker, or text. */
export type CellRole = {series: number} | 'weight' | 'marker' | 'overlap' | 'axis' | 'text';

/** A run of characters of one role. */
export interface Segment {
	text: string;
	role: CellRole;
}

/** Letters that stand for the versions, in row order (a = first version). */
export const seriesLetters = 'abcdefghijklmnopqrstuvwxyz';

/** Width of the value labels left of the plot ("  12.3 ┤"). */
export const axisLabelWidth = 8;

const titles: Record<ChartMode, string> = {
	rps: 'requests/s',
	share: 'observed share % (stacked), ─ weight',
	success: 'success rate %',
	p99: 'p99 latency ms',
};

/** The title of a mode, as the chart's first line says it. */
export function chartTitle(mode: ChartMode): string {
	return titles[mode];
}

interface Grid {
	cells: Array<Array<Readonly<{char: string; role: CellRole}>>>;
	rows: number;
	columns: number;
}

/** The cell of every blank: shared by all grids, so a cell is replaced, never changed. */
const blankCell: Readonly<{char: string; role: CellRole}> = Object.freeze({char: ' ', role: 'text'});

function emptyGrid(rows: number, columns: number): Grid {
	return {rows, columns, cells: Array.from({length: rows}, () => Array.from({length: columns}, () => blankCell))};
}

/** Last `columns` values of a series (padded with nulls on the left when shorter). */
function tail(series: readonly (number | null)[], columns: number): Array<number | null> {
	const values = series.slice(-columns);
	return [...Array.from<null>({length: columns - values.length}).fill(null), ...values];
}

/** Columns where the configured weights differ from the column before: a weight change was applied there. */
export function weightChangeColumns(weight: SeriesHistory, keys: readonly string[], columns: number): Set<number> {
	const perKey = keys.map(key => tail(weight.series(key), columns));
	const changes = new Set<number>();
	for (let column = 1; column < columns; column++) {
		const changed = perKey.some(values => values[column] !== null && values[column - 1] !== null && values[column] !== values[column - 1]);
		if (changed) {
			changes.add(column);
		}
	}

	return changes;
}

function formatValue(value: number, mode: ChartMode): string {
	if (mode === 'rps') {
		return value >= 100 ? value.toFixed(0) : value.toFixed(1);
	}

	return value.toFixed(0);
}

/** Value range of the y axis: shares 0–100, success from a little under its lowest value to 100, others from 0. */
function valueRange(mode: ChartMode, values: ReadonlyArray<number | null>): [number, number] {
	const present = values.filter((value): value is number => value !== null && Number.isFinite(value));
	if (mode === 'share') {
		return [0, 100];
	}

	if (mode === 'success') {
		const lowest = present.length === 0 ? 100 : Math.min(...present);
		return [Math.max(0, Math.min(95, Math.floor(lowest - 1))), 100];
	}

	const highest = present.length === 0 ? 0 : Math.max(...present);
	return [0, highest > 0 ? highest * 1.1 : 1];
}

function rowOf(value: number, low: number, high: number, rows: number): number {
	const fraction = (value - low) / (high - low);
	return rows - 1 - Math.max(0, Math.min(rows - 1, Math.round(fraction * (rows - 1))));
}

/** One letter per version per column at its value's row; two versions on one cell show `*`. */
function plotLines(grid: Grid, perKey: ReadonlyArray<ReadonlyArray<number | null>>, low: number, high: number): void {
	for (const [index, values] of perKey.entries()) {
		for (const [column, value] of values.entries()) {
			if (value === null || !Number.isFinite(value)) {
				continue;
			}

			const row = grid.cells[rowOf(value, low, high, grid.rows)]!;
			row[column] = row[column]!.char === ' ' ? {char: seriesLetters[index % seriesLetters.length]!, role: {series: index}} : {char: '*', role: 'overlap'};
		}
	}
}

/**
 * Stacked shares: each column is filled bottom-up with each version's share (its letter), and the configured
 * weights' boundaries are drawn as `─`: where the band's edge and the line agree, traffic follows the split.
 */
function plotStack(grid: Grid, shares: ReadonlyArray<ReadonlyArray<number | null>>, weights: ReadonlyArray<ReadonlyArray<number | null>>): void {
	for (let column = 0; column < grid.columns; column++) {
		const columnShares = shares.map(values => values[column] ?? null);
		if (columnShares.every(share => share === null)) {
			continue;
		}

		for (let row = 0; row < grid.rows; row++) {
			const percent = ((grid.rows - 1 - row + 0.5) / grid.rows) * 100;
			let cumulative = 0;
			for (const [index, share] of columnShares.entries()) {
				cumulative += share ?? 0;
				if (percent < cumulative || index === columnShares.length - 1) {
					grid.cells[row]![column] = {char: seriesLetters[index % seriesLetters.length]!, role: {series: index}};
					break;
				}
			}
		}
	}

	for (let column = 0; column < grid.columns; column++) {
		let cumulative = 0;
		for (const values of weights.slice(0, -1)) {
			const weight = values[column];
			if (weight === null || weight === undefined) {
				break;
			}

			cumulative += weight;
			if (cumulative > 0 && cumulative < 100) {
				const row = grid.rows - 1 - Math.min(grid.rows - 1, Math.floor((cumulative / 100) * grid.rows));
				grid.cells[row]![column] = {char: '─', role: 'weight'};
			}
		}
	}
}

/** "-5m", "-90s", "now": how long before the newest sample a column was sampled. */
export function formatAge(milliseconds: number): string {
	const seconds = Math.round(milliseconds / 1000);
	if (seconds <= 0) {
		return 'now';
	}

	return seconds < 120 ? `-${seconds}s` : `-${Math.round(seconds / 60)}m`;
}

/** The key of a role, for comparing roles (a series is an object, made anew by every plot). */
export function roleKey(role: CellRole): string | number {
	return typeof role === 'object' ? role.series : role;
}

/** `first`, then the cells as runs of one role each (the first cells join `first` when they share its role). */
function toSegments(first: Segment, chars: ReadonlyArray<{char: string; role: CellRole}>): Segment[] {
	let last: Segment = {...first};
	const segments = [last];
	for (const {char, role} of chars) {
		if (roleKey(last.role) === roleKey(role)) {
			last.text += char;
		} else {
			last = {text: char, role};
			segments.push(last);
		}
	}

	return segments;
}

/** The input of {@link plotChart}. */
export interface PlotInput {
	mode: ChartMode;
	history: ChartHistory;
	/** Version keys in row order: their index picks the letter and the colour. */
	keys: readonly string[];
	/** Characters per line. */
	width: number;
	/** Lines, legend and time axis included. */
	height: number;
}

/**
 * The chart of one mode as lines of segments: a legend line (letter = version, ─ configured weight, ▲ weight
 * change), the plot with its value labels, the time axis with ▲ where a weight change was applied, and the ages of
 * the columns (−5m … now).
 */
export function plotChart({mode, history, keys, width, height}: PlotInput): Segment[][] {
	const columns = Math.max(2, width - axisLabelWidth);
	const rows = Math.max(1, height - 3);
	const legend: Segment[] = [{text: `${chartTitle(mode)} · `, role: 'text'}];
	for (const [index, key] of keys.entries()) {
		legend.push({text: seriesLetters[index % seriesLetters.length]!, role: {series: index}}, {text: ` ${key}  `, role: 'text'});
	}

	if (mode !== 'share') {
		legend.push({text: '*', role: 'overlap'}, {text: ' several  ', role: 'text'});
	}

	legend.push({text: '▲', role: 'marker'}, {text: ' weight change', role: 'text'});
	if (history.times.length < 2) {
		return [legend, [{text: 'waiting for samples…', role: 'text'}]];
	}

	const source = mode === 'share' ? history.share : mode === 'success' ? history.success : mode === 'p99' ? history.p99 : history.rps;
	const perKey = keys.map(key => tail(source.series(key), columns));
	const [low, high] = valueRange(mode, perKey.flat());
	const grid = emptyGrid(rows, columns);
	if (mode === 'share') {
		plotStack(grid, perKey, keys.map(key => tail(history.weight.series(key), columns)));
	} else {
		plotLines(grid, perKey, low, high);
	}

	const changes = weightChangeColumns(history.weight, keys, columns);
	for (const column of changes) {
		for (const row of grid.cells) {
			if (row[column]!.char === ' ') {
				row[column] = {char: '┊', role: 'marker'};
			}
		}
	}

	const lines: Segment[][] = [legend];
	for (let row = 0; row < rows; row++) {
		const value = row === 0 ? high : row === rows - 1 ? low : row === Math.floor((rows - 1) / 2) ? low + ((high - low) * (rows - 1 - row)) / (rows - 1) : undefined;
		const label = value === undefined ? ''.padStart(axisLabelWidth - 2) + ' │' : formatValue(value, mode).padStart(axisLabelWidth - 2) + ' ┤';
		lines.push(toSegments({text: label, role: 'axis'}, grid.cells[row]!));
	}

	const axis = [...'─'.repeat(columns)].map((char, column): {char: string; role: CellRole} => changes.has(column) ? {char: '▲', role: 'marker'} : {char, role: 'axis'});
	lines.push(toSegments({text: ''.padStart(axisLabelWidth - 2) + ' └', role: 'axis'}, axis));
	lines.push([{text: timeLabels(history.times, columns), role: 'axis'}]);
	return lines;
}

/** The ages of the first, middle and last column under the axis. */
function timeLabels(times: readonly number[], columns: number): string {
	const shown = times.slice(-columns);
	const newest = shown.at(-1)!;
	const offset = columns - shown.length;
	const line = Array.from({length: axisLabelWidth + columns}, () => ' ');
	const put = (column: number, text: string, align: 'left' | 'center' | 'right') => {
		const start = axisLabelWidth + column - (align === 'right' ? text.length - 1 : align === 'center' ? Math.floor(text.length / 2) : 0);
		for (const [index, char] of [...text].entries()) {
			line[start + index] = char;
		}
	};

	const oldest = formatAge(newest - shown[0]!);
	// The oldest column's age only where it cannot run into "now" (a chart of a few samples).
	if (offset + oldest.length < columns - 4) {
		put(offset, oldest, 'left');
	}

	const middle = offset + Math.floor((columns - offset) / 2);
	if (middle - offset > 8 && columns - middle > 8) {
		put(middle, formatAge(newest - shown[middle - offset]!), 'center');
	}

	put(columns - 1, 'now', 'right');
	return line.join('').trimEnd();
}
