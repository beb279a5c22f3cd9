// Part of scripts/bundle.mjs: Ink's frame writer with memory across frames (source/ui/frame-memory.ts says why).
import {readFile} from 'node:fs/promises';
import path from 'node:path';
import {rewriteExactly} from './bundle-rewrite.mjs';

/**
 * The rewrites of ink/build/output.js, each an exact piece of Ink 8's source and what replaces it. A piece that is
 * not found fails the build (and test/scripts/bundle-frame-memory.test.ts): an Ink that changed them would silently
 * bring back the per-frame garbage.
 */
const rewrites = [
	{
		what: 'ansi-tokenize\'s styledCharsToString, which works out the codes between two styles at every boundary',
		from: 'import { styledCharsFromTokens, styledCharsToString, tokenize, } from \'@alcalzone/ansi-tokenize\';\n',
		to: 'import { styledCharsFromTokens, tokenize, } from \'@alcalzone/ansi-tokenize\';\n',
	},
	{
		what: 'OutputCaches\' three Maps, per frame',
		from: 'class OutputCaches {\n    widths = new Map();\n    blockWidths = new Map();\n    styledChars = new Map();\n',
		to: 'class OutputCaches {\n    widths = meshtopFrameMemo(\'widths\');\n    blockWidths = meshtopFrameMemo(\'blockWidths\');\n    styledChars = meshtopFrameMemo(\'styledChars\');\n    lines = meshtopFrameMemo(\'lines\');\n    getLines(text) {\n        let cached = this.lines.get(text);\n        if (cached === undefined) {\n            cached = meshtopSplitLines(this, text);\n            this.lines.set(text, cached);\n        }\n        return cached;\n    }\n',
	},
	{
		what: 'a text split into styled lines on every write',
		from: '        // Preserve styles across explicit newlines before clipping individual rows.\n        const characterLines = [[]];\n        for (const character of this.caches.getStyledChars(text)) {\n            if (character.value === \'\\n\') {\n                characterLines.push([]);\n            }\n            else {\n                characterLines.at(-1).push(character);\n            }\n        }\n        let lines = characterLines.map(line => styledCharsToString(line));\n',
		to: '        // meshtop: the same lines, remembered across frames (Ink never changes the array it gets).\n        let lines = this.caches.getLines(text);\n',
	},
	{
		what: 'every new line tokenised by grapheme, a cell and a style array per character',
		from: '            cached = styledCharsFromTokens(tokenize(line)).filter(character => !/^\\p{Default_Ignorable_Code_Point}+$/u.test(character.value));\n',
		to: '            cached = meshtopPlainStyledCells(line) ?? styledCharsFromTokens(tokenize(line)).filter(character => !/^\\p{Default_Ignorable_Code_Point}+$/u.test(character.value));\n',
	},
	{
		what: 'a new OutputCaches per Output (per frame)',
		from: '    caches = new OutputCaches();\n',
		to: '    caches = meshtopSharedCaches;\n',
	},
	{
		what: 'every row of every frame joined back into a string',
		from: '        const generatedOutput = output\n            .map(line => {\n',
		to: '        const generatedOutput = output\n            .map((line, y) => meshtopRowText(y, line, line => {\n',
	},
	{
		what: 'the end of the row join',
		from: '            return styledCharsToString(lineWithoutEmptyItems).trimEnd();\n        })\n            .join(\'\\n\');\n',
		to: '            return styledCharsToString(lineWithoutEmptyItems).trimEnd();\n        }))\n            .join(\'\\n\');\n',
	},
	{
		what: 'an iterator and an [index, line] pair per line written',
		from: '        for (let [index, line] of lines.entries()) {\n',
		to: '        for (let index = 0; index < lines.length; index++) {\n            let line = lines[index];\n',
	},
	{
		what: 'a width looked up for every character of every line written',
		from: '            for (const character of characters) {\n                currentLine[offsetX] = character;\n',
		to: '            // meshtop: a line of one-column characters (known once per line, not per frame) is copied cell by cell.\n            if (meshtopNarrow(this.caches, characters)) {\n                for (let index = 0; index < characters.length; index++) {\n                    currentLine[offsetX + index] = characters[index];\n                }\n                offsetX += characters.length;\n            }\n            else for (const character of characters) {\n                currentLine[offsetX] = character;\n',
	},
	{
		what: 'a new blank cell object for every cell of every frame',
		from: '                row.push({\n                    type: \'char\',\n                    value: \' \',\n                    fullWidth: false,\n                    styles: [],\n                });\n',
		to: '                row.push(meshtopBlankCell);\n',
	},
];

/**
 * Ink's text split at newlines with styles carried over, exactly as Output.applyWriteOperation did it inline (moved
 * here so its result can be remembered).
 */
const splitLines = `
const meshtopSplitLines = (caches, text) => {
    const characterLines = [[]];
    for (const character of caches.getStyledChars(text)) {
        if (character.value === '\\n') {
            characterLines.push([]);
        }
        else {
            characterLines.at(-1).push(character);
        }
    }
    return characterLines.map(line => styledCharsToString(line));
};
`;

/**
 * Whether every character of a line's styled cells takes one column (Ink gives a wider one its trailing cells, and a
 * zero-width one a column too), remembered per cells array: Ink's caches hand out the same array for the same line.
 */
const narrowLines = `
const meshtopNarrowLines = new WeakMap();
const meshtopNarrow = (caches, characters) => {
    let narrow = meshtopNarrowLines.get(characters);
    if (narrow === undefined) {
        narrow = characters.every(character => caches.getStringWidth(character.value) <= 1);
        meshtopNarrowLines.set(characters, narrow);
    }
    return narrow;
};
`;

/** The other two files' rewrite: quick-lru caches of 4,096 texts to inkTextCacheSize. */
const textCacheRewrite = {what: 'a quick-lru cache of 4,096 texts', from: 'new QuickLRU({ maxSize: 4096 })', to: 'new QuickLRU({ maxSize: meshtopTextCacheSize })'};

/** Applies `rewrites` to Ink's `file`, each exactly once (throws otherwise). */
function rewrite(source, rewrites, file) {
	return rewriteExactly(source, rewrites, file, 'scripts/bundle-frame-memory.mjs');
}

/**
 * ink/build/wrap-text.js or measure-text.js (`file`) with its text cache bounded to inkTextCacheSize; throws if the
 * cache is not there as expected.
 */
export function patchInkTextCache(source, file, memoryModule) {
	return `import {inkTextCacheSize as meshtopTextCacheSize} from ${JSON.stringify(memoryModule)};\n${rewrite(source, [textCacheRewrite], file)}`;
}

/**
 * ink/build/output.js with its caches shared by all frames and bounded (`memoryModule` is the path of
 * dist/source/ui/frame-memory.js). Throws if Ink's source no longer has a piece this rewrites.
 */
export function patchInkOutput(source, memoryModule) {
	const patched = rewrite(source, rewrites, 'output.js');
	const classAt = patched.indexOf('export default class Output {');
	if (classAt === -1) {
		throw new Error('ink/build/output.js no longer exports class Output; update scripts/bundle-frame-memory.mjs');
	}

	return `import {frameMemo as meshtopFrameMemo, blankCell as meshtopBlankCell, rowText as meshtopRowText, plainStyledCells as meshtopPlainStyledCells, joinCells as styledCharsToString} from ${JSON.stringify(memoryModule)};\n`
		+ patched.slice(0, classAt)
		+ `${splitLines}${narrowLines}const meshtopSharedCaches = new OutputCaches();\n`
		+ patched.slice(classAt);
}

/** Where squash-text-nodes.js cleans a text it has joined: the two statements {@link patchInkTextCleaning} moves. */
const cleaningStart = '    text = sanitizeAnsi(text.replaceAll(\'\\r\\n\', \'\\n\'));\n    // Measurement and styling dependencies understand the ESC forms of these C1 controls.\n    text = text.replaceAll(';

/**
 * A text node's joined text kept on the node (`meshtopSquashed`) until Ink's dom.js marks its content changed, which
 * clears it on the node and the text nodes around it (scripts/bundle-text-reuse.mjs). Ink joins every text node of
 * the screen on every frame, and most are unchanged: the same string also lets the frame's other memories find it
 * without hashing a new one. Ink's function is renamed and called only for a node without a kept text.
 */
const squashedTextCache = {
	renamed: {what: 'squashTextNodes\' definition', from: 'const squashTextNodes = (node) => {\n', to: 'const meshtopSquashAnew = (node) => {\n'},
	cached: `const squashTextNodes = (node) => {
    let text = node.meshtopSquashed;
    if (text === undefined) {
        text = meshtopSquashAnew(node);
        node.meshtopSquashed = text;
    }
    return text;
};
`,
};

/**
 * ink/build/squash-text-nodes.js with the cleaning of each joined text (sanitizeAnsi's tokenising, and the C1
 * rewrites) remembered by text: Ink joins and cleans every text node of the screen twice a frame (measuring and
 * drawing), and nearly all are the texts of the frame before. Ink's own two statements do the cleaning, moved
 * verbatim into a function; a nested text's transform is remembered per node. Throws if a piece is not there exactly
 * once.
 */
export function patchInkTextCleaning(source, memoryModule) {
	const at = source.indexOf(cleaningStart);
	const lineEnd = at === -1 ? -1 : source.indexOf('\n', at + cleaningStart.length);
	// The statements as Ink wrote them, through the end of their last line (not found: rewrite() below says so).
	const statements = at === -1 ? cleaningStart : source.slice(at, lineEnd === -1 ? undefined : lineEnd + 1);
	const cleaning = `const meshtopCleanedTexts = meshtopFrameMemo('cleanedTexts');
const meshtopCleanText = (joined) => {
    let cleaned = meshtopCleanedTexts.get(joined);
    if (cleaned === undefined) {
        let text = joined;
${statements}        cleaned = text;
        meshtopCleanedTexts.set(joined, cleaned);
    }
    return cleaned;
};
// A nested text's transform (its colours) applied once per transform and text: a Text that did not render again
// keeps both, so the frame reuses the styled text instead of splitting, styling and joining it again.
const meshtopTransforms = new WeakMap();
const meshtopTransformed = (childNode, nodeText) => {
    const transform = childNode.internal_transform;
    const last = meshtopTransforms.get(childNode);
    if (last !== undefined && last.transform === transform && last.text === nodeText) {
        return last.result;
    }
    const result = nodeText
        .split('\\n')
        .map((line, lineIndex) => transform(line, lineIndex))
        .join('\\n');
    meshtopTransforms.set(childNode, {transform, text: nodeText, result});
    return result;
};
`;
	return `import {frameMemo as meshtopFrameMemo} from ${JSON.stringify(memoryModule)};\n` + rewrite(source, [
		{what: 'a joined text cleaned on every frame', from: statements, to: '    text = meshtopCleanText(text);\n'},
		{
			what: 'a nested text transformed on every frame',
			from: '                const transform = childNode.internal_transform;\n                nodeText = nodeText\n                    .split(\'\\n\')\n                    .map((line, lineIndex) => transform(line, lineIndex))\n                    .join(\'\\n\');\n',
			to: '                nodeText = meshtopTransformed(childNode, nodeText);\n',
		},
		squashedTextCache.renamed,
		{what: 'the export of squashTextNodes', from: 'export default squashTextNodes;', to: `${cleaning}${squashedTextCache.cached}export default squashTextNodes;`},
	], 'squash-text-nodes.js');
}

/** The esbuild plugin: Ink's output.js, wrap-text.js, measure-text.js and squash-text-nodes.js, patched, in the bundle. */
export const inkFrameMemory = {
	name: 'ink-frame-memory',
	setup(bundler) {
		const memoryModule = new URL('../dist/source/ui/frame-memory.js', import.meta.url).pathname;
		bundler.onLoad({filter: /\/node_modules\/ink\/build\/output\.js$/}, async args => ({
			contents: patchInkOutput(await readFile(args.path, 'utf8'), memoryModule),
			loader: 'js',
		}));
		bundler.onLoad({filter: /\/node_modules\/ink\/build\/squash-text-nodes\.js$/}, async args => ({
			contents: patchInkTextCleaning(await readFile(args.path, 'utf8'), memoryModule),
			loader: 'js',
		}));
		bundler.onLoad({filter: /\/node_modules\/ink\/build\/(wrap|measure)-text\.js$/}, async args => ({
			contents: patchInkTextCache(await readFile(args.path, 'utf8'), path.basename(args.path), memoryModule),
			loader: 'js',
		}));
	},
};
