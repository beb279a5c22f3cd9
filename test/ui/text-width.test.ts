import assert from 'node:assert/strict';
import {beforeEach, test} from 'node:test';
import stringWidth from 'string-width';
import memoizedStringWidth, {forgetWidths, rememberedCapacity, rememberedWidths} from '../../source/ui/text-width.js';

// What a console frame and a user's route names can hold: ASCII, the chart's box drawing and blocks, ambiguous-width
// marks, emoji (with and without VS16, ZWJ), CJK, combining marks, control and zero-width characters, ANSI styles.
const corpus = [
	'', 'reviews v1', '  22.2 ┤', '       └──────────', '████████░░░░', '▁▂▃▄▅▆▇█', '● live', '▲ weight change', '→ 50', '…',
	'⚠ conflict', '⚠️', '👍', '👨‍👩‍👧', '1️⃣', '日本語のサービス', 'e\u0301', 'a\u200Bb', 'tab\there', '\u001B[31mred\u001B[39m', '\u001B[1m▸ v3\u001B[22m',
];

beforeEach(() => forgetWidths());

test('remembered widths are string-width\'s, for every option set, first and second time', () => {
	const optionSets = [undefined, {}, {ambiguousIsNarrow: false}, {countAnsiEscapeCodes: true}, {ambiguousIsNarrow: false, countAnsiEscapeCodes: true}];
	for (const options of optionSets) {
		for (const text of corpus) {
			const expected = stringWidth(text, options);
			assert.equal(memoizedStringWidth(text, options), expected, `${JSON.stringify(text)} ${JSON.stringify(options)} (measured)`);
			assert.equal(memoizedStringWidth(text, options), expected, `${JSON.stringify(text)} ${JSON.stringify(options)} (remembered)`);
		}
	}
});

test('a width remembered under one option set is not answered for another', () => {
	// ● is East Asian ambiguous: one column by default, two when ambiguous characters are wide.
	assert.equal(memoizedStringWidth('●'), 1);
	assert.equal(memoizedStringWidth('●', {ambiguousIsNarrow: false}), 2);
	assert.equal(memoizedStringWidth('\u001B[31mx\u001B[39m'), 1);
	assert.equal(memoizedStringWidth('\u001B[31mx\u001B[39m', {countAnsiEscapeCodes: true}), stringWidth('\u001B[31mx\u001B[39m', {countAnsiEscapeCodes: true}));
});

test('each distinct string is measured once, and the memory stays bounded', () => {
	memoizedStringWidth('████░░░░ 50');
	memoizedStringWidth('████░░░░ 50');
	assert.equal(rememberedWidths(), 1);
	for (let index = 0; index < rememberedCapacity * 2 + 10; index++) {
		assert.equal(memoizedStringWidth(`▁ row ${index}`), stringWidth(`▁ row ${index}`));
	}

	assert.ok(rememberedWidths() <= 2 * rememberedCapacity, `${rememberedWidths()} remembered`);
	assert.ok(rememberedWidths() > 0);
});
