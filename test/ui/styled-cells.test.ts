import assert from 'node:assert/strict';
import {test} from 'node:test';
import {styledCharsFromTokens, tokenize} from '@alcalzone/ansi-tokenize';
import fc from 'fast-check';
import stringWidth from 'string-width';
import {plainStyledCells, plainWidth, rememberedStyles, styleMemoryBound} from '../../source/ui/styled-cells.js';

/** Ink's own path (ink/build/output.js, getStyledChars). */
function inkCells(line: string): unknown[] {
	return styledCharsFromTokens(tokenize(line)).filter(character => !/^\p{Default_Ignorable_Code_Point}+$/u.test(character.value));
}

// What the console draws: ASCII, the chart's box drawing and plot letters, bars, sparklines, markers, newlines, and
// the SGR sequences chalk writes (colours, bold, dim, inverse, their ends, resets, compound and 256/24-bit forms).
const plain = fc.constantFrom('reviews', ' v1 ', '50%', '-5m', '████░░', '▁▂▃▄▅▆▇█', '┤', '└──', '│', '╭╮╯╰┼', '●', '▸', '▲', '·', '…', '×', '–', '−', '←↑→↓', '‹›', '•', '\n', ' ', '~');
const sgr = fc.constantFrom('\u001B[31m', '\u001B[39m', '\u001B[1m', '\u001B[22m', '\u001B[2m', '\u001B[0m', '\u001B[m', '\u001B[7m', '\u001B[27m', '\u001B[1;31m', '\u001B[38;5;208m', '\u001B[38;2;10;20;30m', '\u001B[48;5;4m', '\u001B[49m', '\u001B[90m', '\u001B[4m', '\u001B[24m', '\u001B[0;1;2m', '\u001B[1234m', '\u001B[;m', '\u001B[1;m');
const consoleLine = fc.array(fc.oneof(plain, sgr), {minLength: 0, maxLength: 16}).map(parts => parts.join(''));
// Anything else: wide, emoji, combining, invisible, control characters, other escapes.
const other = fc.constantFrom('日本', '👍', '⚠️', '⚠', 'e\u0301', '\u200B', '\u00AD', '\r\n', '\t', '\u001B[2J', '\u001B]8;;x\u0007', '\u009B31m', '\u001B', '\u001B[', '\u001B[31', 'é', '\uFE0F', '\u1100\u1161');
const anyLine = fc.array(fc.oneof(plain, sgr, other), {minLength: 0, maxLength: 16}).map(parts => parts.join(''));

test('a line of the console\'s characters and SGR sequences gets Ink\'s cells', () => {
	fc.assert(fc.property(consoleLine, line => {
		const cells = plainStyledCells(line);
		assert.notEqual(cells, undefined, JSON.stringify(line));
		assert.deepEqual(cells, inkCells(line));
	}), {numRuns: 2000});
});

test('any other line is left to Ink, or gets Ink\'s cells', () => {
	let leftToInk = 0;
	fc.assert(fc.property(anyLine, line => {
		const cells = plainStyledCells(line);
		if (cells === undefined) {
			leftToInk++;
		} else {
			assert.deepEqual(cells, inkCells(line));
		}
	}), {numRuns: 2000});
	assert.ok(leftToInk > 0);
});

test('the characters beyond ASCII that are taken are each one grapheme, one narrow column, not invisible', () => {
	assert.equal(plainStyledCells('日'), undefined);
	assert.equal(plainStyledCells('e\u0301'), undefined);
	assert.equal(plainStyledCells('\r'), undefined);
	for (const line of ['─│┤└╭▁█░▲▸●·×–•…‹›←↑→↓−', '\u001B[36m┤\u001B[39m a \u001B[1mb\u001B[22m']) {
		assert.deepEqual(plainStyledCells(line), inkCells(line));
	}
});

test('a cell seen before is the same frozen object, its style array shared and frozen', () => {
	const first = plainStyledCells('\u001B[32mab\u001B[39ma')!;
	const second = plainStyledCells('x\u001B[32ma\u001B[39m')!;
	assert.equal(first[0], second[1]);
	assert.notEqual(first[0], first[2]);
	assert.equal(first[2], plainStyledCells('a')![0]);
	assert.equal(first[0]!.styles, first[1]!.styles);
	assert.ok(Object.isFrozen(first[0]));
	assert.ok(Object.isFrozen(first[0]!.styles));
	assert.throws(() => {
		(first[0]!.styles as unknown[]).push('x');
	}, TypeError);
});

test('string-width\'s answer for the console\'s lines, without string-width', () => {
	fc.assert(fc.property(anyLine, line => {
		const width = plainWidth(line);
		if (width !== undefined) {
			assert.equal(width, stringWidth(line), JSON.stringify(line));
		}
	}), {numRuns: 3000});
	assert.equal(plainWidth('\u001B[36m┤\u001B[39m ab\n·'), 5);
	assert.equal(plainWidth('日本'), undefined);
	// A long SGR parameter is stripped differently by string-width's escape regex: left to it.
	assert.equal(plainWidth('\u001B[1234ma'), undefined);
});

test('beyond the bound of styles the memory starts over, and the cells are still Ink\'s', () => {
	for (let index = 0; index < styleMemoryBound + 10; index++) {
		const line = `\u001B[38;2;${index % 256};${Math.floor(index / 256)};7mx\u001B[39m`;
		assert.deepEqual(plainStyledCells(line), inkCells(line));
		assert.ok(rememberedStyles() <= styleMemoryBound);
	}

	assert.ok(rememberedStyles() < styleMemoryBound);
});
