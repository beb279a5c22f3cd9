/**
 * string-width with a memory. Ink measures every text node's width for Yoga's layout and again, character by
 * character, when it writes the frame: on every render, for strings that are mostly the same as the frame before
 * (the chart's lines, the table's bars and sparklines, the header). For anything beyond printable ASCII string-width
 * segments graphemes and tests emoji regular expressions, which made it the largest cost of a refresh frame. A
 * string's width depends only on the string and the two options, so the bundle routes Ink's (and its helpers')
 * `string-width` imports here (scripts/bundle.mjs) and each distinct string is measured once.
 */
import stringWidth, {type Options} from 'string-width';
import {BoundedMemo} from './bounded-memo.js';
import {plainWidth} from './styled-cells.js';

/** Distinct strings remembered per option set and generation; a screen has a few hundred, so this holds many frames' worth. */
export const rememberedCapacity = 1024;

/** One memory per combination of the two options (ambiguousIsNarrow, countAnsiEscapeCodes). */
const fresh = (): Array<BoundedMemo<string, number>> => Array.from({length: 4}, () => new BoundedMemo<string, number>(rememberedCapacity));

let widths = fresh();

function optionsIndex(options: Options | undefined): number {
	return (options?.ambiguousIsNarrow === false ? 1 : 0) + (options?.countAnsiEscapeCodes === true ? 2 : 0);
}

/** string-width's answer for `input`, remembered. */
export default function memoizedStringWidth(input: string, options?: Options): number {
	const remembered = widths[optionsIndex(options)]!;
	let width = remembered.get(input);
	if (width === undefined) {
		// The console's own lines (ASCII, box drawing, blocks, SGR colours) are counted; string-width segments graphemes.
		width = (optionsIndex(options) === 0 ? plainWidth(input) : undefined) ?? stringWidth(input, options);
		remembered.set(input, width);
	}

	return width;
}

/** How many strings are remembered now, over all option sets (for tests). */
export function rememberedWidths(): number {
	return widths.reduce((sum, memo) => sum + memo.size, 0);
}

/** Forgets every remembered width (for tests). */
export function forgetWidths(): void {
	widths = fresh();
}
