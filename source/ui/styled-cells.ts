/**
 * The styled cells of a line of the console's own text, without Ink's general tokeniser. Ink turns every new line into
 * cells with `styledCharsFromTokens(tokenize(line))`: a grapheme segmentation of the whole line (Intl.Segmenter), a
 * token object per character, a cell object and a copied style array per character, and a regular expression built
 * per character to drop invisible ones. The chart's thirty lines are new every few seconds and the table's figures
 * every second, so that was most of an idle console's garbage (about 1.5 MB/s of 3.2 on the simulated cluster at a
 * 50/50 split), and the collections it caused most of its CPU.
 *
 * For a line made only of characters that are each one grapheme of one narrow, visible column (printable ASCII, the
 * box-drawing and block characters the chart and bars are drawn with, and the few symbols the console prints) and of
 * SGR sequences, the cells are the same (deep-equal, tested against Ink's path) and come from a memory: one frozen cell
 * per (style, character), one frozen style array per style, the style changes worked out by the same library function
 * Ink uses (ansi-tokenize's reduceAnsiCodesIncremental) once per (style, sequence). Ink never changes a cell in place,
 * and shares style arrays between cells itself, so shared cells draw the same. Any other line (CJK, emoji, combining
 * marks, other escapes) is left to Ink's path.
 */
import {reduceAnsiCodesIncremental, tokenize, type AnsiCode} from '@alcalzone/ansi-tokenize';

/** A cell as Ink's frame writer holds it (ansi-tokenize's StyledChar). */
export interface StyledCell {
	readonly type: 'char';
	readonly value: string;
	readonly fullWidth: boolean;
	readonly styles: readonly AnsiCode[];
}

/** Code points beyond ASCII that the console draws: each its own grapheme, one column wide, not default-ignorable. */
const narrowSymbols = new Set([
	0xB7, 0xD7, // · ×
	0x20_13, 0x20_22, 0x20_26, 0x20_39, 0x20_3A, // – • … ‹ ›
	0x21_90, 0x21_91, 0x21_92, 0x21_93, // ← ↑ → ↓
	0x22_12, // −
	0x25_B2, 0x25_B8, 0x25_CF, // ▲ ▸ ●
]);

/** Whether code unit `code` is a cell of its own: printable ASCII, box drawing and block elements, or a symbol above. */
export function isPlainCell(code: number): boolean {
	return (code >= 0x20 && code <= 0x7E) || (code >= 0x25_00 && code <= 0x25_9F) || narrowSymbols.has(code);
}

/**
 * Distinct styles (and SGR sequences) remembered at most: the theme uses a few dozen. When a new one would go beyond,
 * the memory starts over (cells made before stay valid: they are only shared less).
 */
export const styleMemoryBound = 256;

/** A style: its reduced codes, its cells by character, and the style each SGR sequence leads to from it. */
interface Style {
	readonly codes: readonly AnsiCode[];
	readonly cells: Map<number, StyledCell>;
	readonly next: Map<string, Style>;
}

let styles = new Map<string, Style>();
let sequences = new Map<string, readonly AnsiCode[]>();

function styleOf(codes: readonly AnsiCode[]): Style {
	const key = codes.map(code => `${code.code}\u0000${code.endCode}`).join('\u0001');
	let style = styles.get(key);
	if (style === undefined) {
		if (styles.size >= styleMemoryBound) {
			styles = new Map();
		}

		style = {codes: Object.freeze([...codes]), cells: new Map(), next: new Map()};
		styles.set(key, style);
	}

	return style;
}

/** The ANSI tokens of one SGR sequence, as Ink's tokeniser reads them (compound sequences split). */
function codesOf(sequence: string): readonly AnsiCode[] {
	let codes = sequences.get(sequence);
	if (codes === undefined) {
		if (sequences.size >= styleMemoryBound) {
			sequences = new Map();
		}

		codes = Object.freeze(tokenize(sequence).filter((token): token is AnsiCode => token.type === 'ansi').map(token => Object.freeze(token)));
		sequences.set(sequence, codes);
	}

	return codes;
}

/** The style that SGR `sequence` leads to from `style`. */
function after(style: Style, sequence: string): Style {
	let next = style.next.get(sequence);
	if (next === undefined) {
		next = styleOf(reduceAnsiCodesIncremental([...style.codes], [...codesOf(sequence)]));
		style.next.set(sequence, next);
	}

	return next;
}

/** The cell of character `code` in `style` (keyed by code unit: no string is made for a cell seen before). */
function cellOf(style: Style, code: number): StyledCell {
	let cell = style.cells.get(code);
	if (cell === undefined) {
		cell = Object.freeze({type: 'char', value: String.fromCharCode(code), fullWidth: false, styles: style.codes});
		style.cells.set(code, cell);
	}

	return cell;
}

const escape = 0x1B;
const leftBracket = 0x5B;
const letterM = 0x6D;
const newline = 0x0A;

/**
 * The cells of `line` (Ink's `styledCharsFromTokens(tokenize(line))` without invisible characters), or undefined when
 * the line holds anything but plain cells, newlines and SGR sequences (`ESC [ digits/semicolons m`): Ink's path then.
 */
export function plainStyledCells(line: string): StyledCell[] | undefined {
	const cells: StyledCell[] = [];
	let style = styleOf([]);
	for (let index = 0; index < line.length; index++) {
		const code = line.charCodeAt(index);
		if (code === escape) {
			if (line.charCodeAt(index + 1) !== leftBracket) {
				return undefined;
			}

			let end = index + 2;
			for (let next = line.charCodeAt(end); (next >= 0x30 && next <= 0x39) || next === 0x3B; next = line.charCodeAt(++end)) {
				// Digits and semicolons: the sequence's parameters.
			}

			if (line.charCodeAt(end) !== letterM) {
				return undefined;
			}

			style = after(style, line.slice(index, end + 1));
			index = end;
		} else if (code === newline || isPlainCell(code)) {
			cells.push(cellOf(style, code));
		} else {
			return undefined;
		}
	}

	return cells;
}

/** Styles remembered now (for tests). */
export function rememberedStyles(): number {
	return styles.size;
}

/**
 * string-width's answer for `text` under its default options (ambiguous characters narrow, escapes not counted), when
 * `text` is made only of plain cells, newlines and short SGR sequences (`ESC [` groups of 1–3 digits `m`, which both
 * string-width's escape stripping and Ink's tokeniser read whole): one column per plain cell. Otherwise undefined.
 */
export function plainWidth(text: string): number | undefined {
	let width = 0;
	for (let index = 0; index < text.length; index++) {
		const code = text.charCodeAt(index);
		if (code === escape) {
			const end = sgrEnd(text, index);
			if (end === undefined) {
				return undefined;
			}

			index = end;
		} else if (isPlainCell(code)) {
			width++;
		} else if (code !== newline) {
			return undefined;
		}
	}

	return width;
}

/** The index of the `m` ending a short SGR sequence at `start` (`ESC [`, optional `;`-separated groups of 1–3 digits). */
function sgrEnd(text: string, start: number): number | undefined {
	if (text.charCodeAt(start + 1) !== leftBracket) {
		return undefined;
	}

	let index = start + 2;
	let digits = 0;
	for (;; index++) {
		const code = text.charCodeAt(index);
		if (code >= 0x30 && code <= 0x39 && digits < 3) {
			digits++;
		} else if (code === 0x3B && digits > 0) {
			digits = 0;
		} else if (code === letterM && (digits > 0 || index === start + 2)) {
			return index;
		} else {
			return undefined;
		}
	}
}
