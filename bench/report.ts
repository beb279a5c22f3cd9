/** One line of the benchmark table. */
export interface Row {
	/** What was measured, and how, in a few words. */
	measurement: string;
	/** The figure, formatted with its unit. */
	value: string;
	/** The budget from DESIGN.md, or '-' for a figure given for information. */
	target: string;
	/** Whether the target is met; undefined when there is no target or nothing could be measured. */
	ok: boolean | undefined;
	/** Set when the figure could not be measured at all: the bench then exits non-zero. */
	failed?: true;
}

/** A row for a measurement that failed: the table still prints, with the reason in place of the figure. */
export function failedRow(measurement: string, target: string, error: unknown): Row {
	const reason = error instanceof Error ? error.message : String(error);
	return {measurement, value: `not measured: ${reason}`, target, ok: undefined, failed: true};
}

function okText(ok: boolean | undefined): string {
	return ok === undefined ? '-' : ok ? '✓' : '✗';
}

/** Renders the rows as a plain-text table (fixed-width columns, no colour: it is read in CI logs too). */
export function formatTable(rows: readonly Row[]): string {
	const header: Row = {measurement: 'measurement', value: 'value', target: 'target', ok: undefined};
	const cells = [header, ...rows].map((row, index) => [row.measurement, row.value, row.target, index === 0 ? 'ok' : okText(row.ok)]);
	const widths = [0, 1, 2, 3].map(column => Math.max(...cells.map(cell => cell[column]!.length)));
	const line = (cell: string[]) => cell.map((text, column) => text.padEnd(widths[column]!)).join(' | ').trimEnd();
	const rule = widths.map(width => '-'.repeat(width)).join('-+-');
	return [line(cells[0]!), rule, ...cells.slice(1).map(cell => line(cell))].join('\n');
}
