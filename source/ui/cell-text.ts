/**
 * Cells joined back into text: ansi-tokenize's `styledCharsToString`, which Ink's frame writer runs on every changed
 * row of every frame and on every new text it splits into lines. At each boundary between two styles it works out
 * the codes from one to the other (three Sets and a few arrays each time). The cells of the console's own lines share
 * frozen style arrays (styled-cells.ts), so the codes between two of them are worked out once and remembered.
 */
import {ansiCodesToString, diffAnsiCodes, type AnsiCode} from '@alcalzone/ansi-tokenize';
import {PairMemo} from '../util/pair-memo.js';

/** The codes between two styles as text (`diffAnsiCodes`, then `ansiCodesToString`), by the styles' identity. */
const transitions = new PairMemo<readonly AnsiCode[], readonly AnsiCode[], string>();
const noCodes: readonly AnsiCode[] = Object.freeze([]);

/** Whether two reduced styles have an empty diff (ansi-tokenize's own test, which it does not export). */
function sameStyle(from: readonly AnsiCode[], to: readonly AnsiCode[]): boolean {
	if (from === to) {
		return true;
	}

	if (from.length !== to.length) {
		return false;
	}

	for (let index = 0; index < from.length; index++) {
		if (from[index]!.code !== to[index]!.code || from[index]!.endCode !== to[index]!.endCode) {
			return false;
		}
	}

	return true;
}

/**
 * The codes from `from` to `to`; remembered when both are frozen (nobody can change them, so the text stays right).
 * Neither library function changes the arrays it is given.
 */
function transition(from: readonly AnsiCode[], to: readonly AnsiCode[]): string {
	return Object.isFrozen(from) && Object.isFrozen(to) ? transitions.get(from, to, codesBetween) : codesBetween(from, to);
}

function codesBetween(from: readonly AnsiCode[], to: readonly AnsiCode[]): string {
	return ansiCodesToString(diffAnsiCodes(from as AnsiCode[], to as AnsiCode[]));
}

/**
 * ansi-tokenize's `styledCharsToString` (the bundle gives it to Ink's frame writer in its place): the same text, with
 * the codes between two frozen styles (the memory's, and the blank cell's) worked out once instead of per character
 * boundary of every changed row (three Sets and a few arrays each time).
 */
export function joinCells(cells: ReadonlyArray<{readonly value: string; readonly styles: readonly AnsiCode[]}>): string {
	let text = '';
	for (let index = 0; index < cells.length; index++) {
		const cell = cells[index]!;
		if (index === 0) {
			// From no style: all of the cell's codes (what ansiCodesToString(styles) gives).
			text += transition(noCodes, cell.styles);
		} else if (!sameStyle(cells[index - 1]!.styles, cell.styles)) {
			text += transition(cells[index - 1]!.styles, cell.styles);
		}

		text += cell.value;
		if (index === cells.length - 1) {
			text += transition(cell.styles, noCodes);
		}
	}

	return text;
}
