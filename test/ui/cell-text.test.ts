import assert from 'node:assert/strict';
import {test} from 'node:test';
import {styledCharsFromTokens, styledCharsToString, tokenize} from '@alcalzone/ansi-tokenize';
import fc from 'fast-check';
import {joinCells} from '../../source/ui/cell-text.js';
import {blankCell} from '../../source/ui/frame-memory.js';
import {plainStyledCells} from '../../source/ui/styled-cells.js';

type Cell = ReturnType<typeof styledCharsFromTokens>[number];

const piece = fc.constantFrom('ab', ' v1 ', '┤', '██░', '●', '\u001B[31m', '\u001B[39m', '\u001B[1m', '\u001B[2m', '\u001B[22m', '\u001B[0m', '\u001B[7m', '\u001B[27m', '\u001B[38;5;208m', '\u001B[48;5;4m', '\u001B[49m', '\u001B[4m', '\u001B[24m', '\u001B]8;;https://x\u0007', '\u001B]8;;\u0007', '日本');
const line = fc.array(piece, {maxLength: 10}).map(parts => parts.join(''));
// Cells as a frame row holds them: the memory's frozen cells, Ink's own fresh ones, shared blank cells, in any order.
const source = fc.oneof(
	line.map(text => (plainStyledCells(text) ?? []) as Cell[]),
	line.map(text => styledCharsFromTokens(tokenize(text))),
	fc.integer({min: 1, max: 4}).map(count => Array.from({length: count}, () => blankCell as unknown as Cell)),
);
const row = fc.array(source, {maxLength: 6}).map(parts => parts.flat());

test('cells are joined into ansi-tokenize\'s text, first time and remembered', () => {
	fc.assert(fc.property(row, cells => {
		const expected = styledCharsToString(cells);
		assert.equal(joinCells(cells), expected);
		assert.equal(joinCells(cells), expected);
	}), {numRuns: 3000});
	assert.equal(joinCells([]), '');
});

test('an unfrozen style array is never remembered: changed in place, its text changes', () => {
	const cells = styledCharsFromTokens(tokenize('\u001B[31ma\u001B[39m'));
	assert.equal(joinCells(cells), styledCharsToString(cells));
	cells[0]!.styles.push({type: 'ansi', code: '\u001B[1m', endCode: '\u001B[22m'});
	assert.equal(joinCells(cells), styledCharsToString(cells));
});
