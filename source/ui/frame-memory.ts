/**
 * Memory that Ink's frame writer (ink/build/output.js) keeps across frames, put in by the bundle
 * (scripts/bundle-frame-memory.mjs). Ink makes a new `Output` for every frame, and with it new caches: every frame
 * tokenised each text's ANSI styles into per-character cells, joined them back and measured them again, for texts
 * that were mostly the same as the frame before, and built a fresh blank cell for every cell of the screen. That was
 * most of the idle console's allocation (hundreds of MB a minute of short-lived garbage). With these, a text seen in
 * the frame before is split and tokenised once, blank cells are one shared, frozen object, a row made of the same
 * cells as the frame before is not joined again, and a text node's text is cleaned of escapes once.
 */
import {BoundedMemo} from './bounded-memo.js';

/**
 * A new line's cells without Ink's tokeniser when the line allows it (the bundle puts it into Output's getStyledChars),
 * and cells joined back into text with the codes between frozen styles remembered (in place of styledCharsToString).
 */
export {plainStyledCells} from './styled-cells.js';
export {joinCells} from './cell-text.js';

/**
 * Entries per generation of each memory (see {@link BoundedMemo}; two generations are kept). A frame of the console
 * writes about 150 texts, of which a refresh changes a few dozen; a tokenised line is an array of cell objects
 * (~100 bytes a character). Held full (a heap snapshot diff after 10 minutes found 82,000 cells in memories of 1,024
 * lines), these hold the current frame and those before it in about 2 MB.
 */
export const frameMemoCapacity = {
	/** A text's lines (split at newlines, styles carried over), by text. */
	lines: 128,
	/** A line's styled characters, by line. */
	styledChars: 256,
	/** A text's widest line, by text. */
	blockWidths: 256,
	/** A string's width (mostly single characters). */
	widths: 512,
	/**
	 * A text node's joined text, cleaned (squash-text-nodes.js: escape sequences Ink does not draw removed). Every text
	 * node is cleaned, nested ones too: a few hundred a frame.
	 */
	cleanedTexts: 512,
} as const;

/**
 * Ink's own caches of wrapped texts (wrap-text.js) and measured texts (measure-text.js) are quick-lru with 4,096
 * entries (two generations: up to 8,192 texts and their wrapped copies), which the chart's lines, new every second,
 * fill within minutes: about 5 MB each, held. The bundle gives them this size instead.
 */
export const inkTextCacheSize = 256;

/** Which of Ink's frame caches. */
export type FrameMemoKind = keyof typeof frameMemoCapacity;

const memos = new Map<FrameMemoKind, BoundedMemo<string, unknown>>();

/**
 * The one memory of `kind` for all frames of the process (Ink's caches are created per frame; the patch asks for
 * them here instead). Ink stores and reads values through `get`/`set` only, as it did with its Maps.
 */
export function frameMemo(kind: FrameMemoKind): BoundedMemo<string, unknown> {
	let memo = memos.get(kind);
	if (memo === undefined) {
		memo = new BoundedMemo<string, unknown>(frameMemoCapacity[kind]);
		memos.set(kind, memo);
	}

	return memo;
}

/** Entries held by each memory now (for tests and measurements). */
export function frameMemoSizes(): Record<FrameMemoKind, number> {
	return {
		lines: frameMemo('lines').size,
		styledChars: frameMemo('styledChars').size,
		blockWidths: frameMemo('blockWidths').size,
		widths: frameMemo('widths').size,
		cleanedTexts: frameMemo('cleanedTexts').size,
	};
}

/**
 * The cell Ink fills an empty screen with. Ink never changes a cell in place (it replaces cells, or copies them with
 * `{...cell}`), so one frozen object serves every blank cell of every frame.
 */
export const blankCell = Object.freeze({type: 'char', value: ' ', fullWidth: false, styles: Object.freeze([])});

/** Whether two rows of equal length hold the same cell objects (a plain loop: a row can have holes). */
function sameCells(before: readonly unknown[], after: readonly unknown[]): boolean {
	for (let x = 0; x < after.length; x++) {
		if (before[x] !== after[x]) {
			return false;
		}
	}

	return true;
}

/** A row of a frame and its text, as last joined. */
interface RememberedRow {
	cells: readonly unknown[];
	text: string;
}

const rows: RememberedRow[] = [];

/**
 * Row `y` of a frame as text (Ink's Output.get() calls this with its own join): a row whose cells are the very cell
 * objects of the row drawn at `y` the frame before is that row's text again, without joining its cells. Cells come
 * from the shared memory of styled characters (a text seen before gives the same cells) and Ink never changes a cell
 * in place, so the same cells are the same text. One row per line of the screen is held.
 */
export function rowText<Cell>(y: number, cells: readonly Cell[], join: (cells: readonly Cell[]) => string): string {
	const before = rows[y];
	if (before?.cells.length === cells.length && sameCells(before.cells, cells)) {
		return before.text;
	}

	const text = join(cells);
	rows[y] = {cells, text};
	return text;
}
