import assert from 'node:assert/strict';
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {after, before, test} from 'node:test';
import {fileURLToPath, pathToFileURL} from 'node:url';
import fc from 'fast-check';
import {frameMemoCapacity, frameMemoSizes, inkTextCacheSize, rowText} from '../../source/ui/frame-memory.js';

// dist/test/scripts/ -> the repository.
const root = fileURLToPath(new URL('../../../', import.meta.url));
const inkOutput = path.join(root, 'node_modules/ink/build/output.js');
const memoryModule = path.join(root, 'dist/source/ui/frame-memory.js');

interface PatchModule {
	patchInkOutput: (source: string, memoryModule: string) => string;
	patchInkTextCache: (source: string, file: string, memoryModule: string) => string;
	patchInkTextCleaning: (source: string, memoryModule: string) => string;
}

interface WriteOperation {
	x: number;
	y: number;
	text: string;
	transformers: Array<(line: string, index: number) => string>;
}

interface OutputLike {
	write(x: number, y: number, text: string, options: {transformers: WriteOperation['transformers']}): void;
	clip(clip: {x1?: number; x2?: number; y1?: number; y2?: number}): void;
	unclip(): void;
	get(): {output: string; height: number};
}

type OutputClass = new (options: {width: number; height: number}) => OutputLike;

let directory: string;
let original: OutputClass;
let patched: OutputClass;
let patchInkOutput: PatchModule['patchInkOutput'];
let patchInkTextCache: PatchModule['patchInkTextCache'];
let patchInkTextCleaning: PatchModule['patchInkTextCleaning'];

/** One of Ink's modules (as given) loadable from a temporary directory: its bare imports resolved to this repository's. */
async function loadModule(source: string, name: string): Promise<unknown> {
	const resolved = source.replaceAll(/from '([^'.][^']*)'/g, (_whole, specifier: string) => `from ${JSON.stringify(import.meta.resolve(specifier))}`);
	const file = path.join(directory, name);
	await writeFile(file, resolved);
	return import(pathToFileURL(file).href);
}

async function load(source: string, name: string): Promise<OutputClass> {
	return ((await loadModule(source, name)) as {default: OutputClass}).default;
}

before(async () => {
	directory = await mkdtemp(path.join(os.tmpdir(), 'meshtop-frame-memory-'));
	({patchInkOutput, patchInkTextCache, patchInkTextCleaning} = (await import(pathToFileURL(path.join(root, 'scripts/bundle-frame-memory.mjs')).href)) as PatchModule);
	const source = await readFile(inkOutput, 'utf8');
	original = await load(source, 'original.js');
	patched = await load(patchInkOutput(source, pathToFileURL(memoryModule).href), 'patched.js');
});

after(async () => {
	await rm(directory, {recursive: true, force: true});
});

test('the patch applies to the installed Ink: one cache for all frames, lines remembered, blank cells shared', async () => {
	const source = await readFile(inkOutput, 'utf8');
	const result = patchInkOutput(source, memoryModule);
	assert.match(result, /caches = meshtopSharedCaches;/);
	assert.match(result, /let lines = this\.caches\.getLines\(text\);/);
	assert.match(result, /row\.push\(meshtopBlankCell\);/);
	assert.match(result, /joinCells as styledCharsToString/);
	assert.doesNotMatch(result, /styledCharsToString, tokenize, \} from '@alcalzone\/ansi-tokenize'/);
	assert.match(result, /cached = meshtopPlainStyledCells\(line\) \?\? styledCharsFromTokens\(tokenize\(line\)\)/);
	assert.match(result, /\.map\(\(line, y\) => meshtopRowText\(y, line, line => \{/);
	assert.doesNotMatch(result, /new OutputCaches\(\);\n {4}width;/);
	assert.doesNotMatch(result, /= new Map\(\)/);
});

test('an Ink whose output.js changed fails the patch instead of bundling the per-frame caches', () => {
	assert.throws(() => patchInkOutput('export default class Output {\n    caches = new OutputCaches();\n}\n', memoryModule), /update scripts\/bundle-frame-memory\.mjs/);
});

// Texts such as the console's: plain, styled (colours, bold, reset in the middle), multi-line, wide and ambiguous
// characters, emoji, zero-width and default-ignorable characters.
const piece = fc.constantFrom(
	'reviews', ' v1 ', '50%', '████░░', '▁▂▃█', '┤', '└──', '●', '→', '日本', '👍', '⚠️', 'e\u0301', '\u200B', '\u00AD',
	'\u001B[31m', '\u001B[39m', '\u001B[1m', '\u001B[22m', '\u001B[0m', '\u001B[32m●\u001B[39m', '\n', ' ',
);
const text = fc.array(piece, {minLength: 1, maxLength: 12}).map(pieces => pieces.join(''));
const transformer = fc.constantFrom<Array<WriteOperation['transformers'][number]>>(
	[],
	[line => line.toUpperCase()],
	[(line, index) => `\u001B[2m${index}\u001B[22m${line}`],
);
const step = fc.oneof(
	fc.record({kind: fc.constant('write' as const), x: fc.integer({min: -3, max: 30}), y: fc.integer({min: -2, max: 8}), text, transformers: transformer}),
	fc.record({kind: fc.constant('clip' as const), x1: fc.integer({min: 0, max: 20}), x2: fc.integer({min: 0, max: 30}), y1: fc.integer({min: 0, max: 5}), y2: fc.integer({min: 0, max: 8})}),
	fc.record({kind: fc.constant('unclip' as const)}),
);
const frame = fc.array(step, {maxLength: 12});

function render(Output: OutputClass, steps: ReadonlyArray<typeof step extends fc.Arbitrary<infer S> ? S : never>): string {
	const output = new Output({width: 28, height: 7});
	let clips = 0;
	for (const entry of steps) {
		if (entry.kind === 'write') {
			output.write(entry.x, entry.y, entry.text, {transformers: entry.transformers});
		} else if (entry.kind === 'clip') {
			clips++;
			output.clip({x1: entry.x1, x2: entry.x2, y1: entry.y1, y2: entry.y2});
		} else if (clips > 0) {
			clips--;
			output.unclip();
		}
	}

	return output.get().output;
}

test('frames written with the memory are Ink\'s frames, frame after frame', () => {
	fc.assert(fc.property(fc.array(frame, {minLength: 1, maxLength: 4}), frames => {
		// The same frames in a row: the second time round every text comes from the memory.
		for (const steps of [...frames, ...frames]) {
			assert.equal(render(patched, steps), render(original, steps));
		}
	}), {numRuns: 300});
});

test('the memory across frames stays bounded', () => {
	for (let index = 0; index < 3 * frameMemoCapacity.styledChars; index++) {
		render(patched, [{kind: 'write', x: 0, y: 0, text: `\u001B[31mrow ${index}\u001B[39m\n▁▂ ${index}`, transformers: []}]);
	}

	const sizes = frameMemoSizes();
	for (const kind of Object.keys(frameMemoCapacity) as Array<keyof typeof frameMemoCapacity>) {
		assert.ok(sizes[kind] <= 2 * frameMemoCapacity[kind], `${kind}: ${sizes[kind]} entries held`);
	}

	assert.ok(sizes.lines > 0 && sizes.styledChars > 0, 'the patched Output used the memory');
});

test('Ink\'s caches of wrapped and measured texts are bounded to the frame memory\'s size', async () => {
	for (const file of ['wrap-text.js', 'measure-text.js']) {
		 
		const source = await readFile(path.join(root, 'node_modules/ink/build', file), 'utf8');
		assert.match(patchInkTextCache(source, file, memoryModule), /new QuickLRU\(\{ maxSize: meshtopTextCacheSize \}\)/, file);
		assert.throws(() => patchInkTextCache(source.replace('maxSize: 4096', 'maxSize: 8192'), file, memoryModule), /update scripts\/bundle-frame-memory\.mjs/);
	}

	const source = await readFile(path.join(root, 'node_modules/ink/build/wrap-text.js'), 'utf8');
	const wrapping = (await loadModule(patchInkTextCache(source, 'wrap-text.js', pathToFileURL(memoryModule).href), 'wrap-text.js')) as {
		default: (text: string, width: number, wrap: string) => string;
		wrapTextCache: {size: number};
	};
	const original = (await loadModule(source, 'wrap-text-original.js')) as typeof wrapping;
	for (let index = 0; index < 10 * inkTextCacheSize; index++) {
		const text = `\u001B[32mline ${index}\u001B[39m of the chart`;
		assert.equal(wrapping.default(text, 12, index % 2 === 0 ? 'truncate' : 'wrap'), original.default(text, 12, index % 2 === 0 ? 'truncate' : 'wrap'));
	}

	assert.ok(wrapping.wrapTextCache.size <= 2 * inkTextCacheSize, `${wrapping.wrapTextCache.size} wrapped texts held`);
});

test('a row made of the cells of the row drawn there before is not joined again; any other row is', () => {
	const joined: string[][] = [];
	const join = (cells: readonly string[]) => {
		joined.push([...cells]);
		return cells.join('');
	};

	const a = 'a';
	const b = 'b';
	const row = [a, b, a];
	assert.equal(rowText(40, row, join), 'aba');
	// A new array of the same cells: remembered.
	assert.equal(rowText(40, [a, b, a], join), 'aba');
	assert.equal(joined.length, 1);
	// Another row index, a changed cell, a longer row, a hole: joined.
	assert.equal(rowText(41, [a, b, a], join), 'aba');
	assert.equal(rowText(40, [a, a, a], join), 'aaa');
	assert.equal(rowText(40, [a, a, a, b], join), 'aaab');
	// eslint-disable-next-line no-sparse-arrays -- Ink's rows can have holes past a write beyond the width
	assert.equal(rowText(40, [a, a, , b] as string[], join), 'aab');
	assert.equal(joined.length, 5);
});

/** Ink's squash-text-nodes.js, as given, loadable: its own relative imports resolved to Ink's build directory. */
async function loadSquash(source: string, name: string): Promise<(node: unknown) => string> {
	const inkBuild = pathToFileURL(path.join(root, 'node_modules/ink/build/')).href;
	const resolved = source.replaceAll(/from '\.\/([^']+)'/g, (_whole, file: string) => `from ${JSON.stringify(new URL(file, inkBuild).href)}`);
	return ((await loadModule(resolved, name)) as {default: (node: unknown) => string}).default;
}

/** Ink's squash-text-nodes.js source, and the module as given and as patched, loaded under names ending in `name`. */
async function squashPair(name: string): Promise<{source: string; squash: (node: unknown) => string; remembered: (node: unknown) => string}> {
	const source = await readFile(path.join(root, 'node_modules/ink/build/squash-text-nodes.js'), 'utf8');
	const squash = await loadSquash(source, `squash-original-${name}.js`);
	const remembered = await loadSquash(patchInkTextCleaning(source, pathToFileURL(memoryModule).href), `squash-patched-${name}.js`);
	return {source, squash, remembered};
}

test('text nodes cleaned with the memory are cleaned as Ink cleans them, frame after frame', async () => {
	const {source, squash, remembered} = await squashPair('plain');
	assert.throws(() => patchInkTextCleaning(source.replace('sanitizeAnsi(text.replaceAll', 'sanitizeAnsi(text.replace'), memoryModule), /update scripts\/bundle-frame-memory\.mjs/);
	// Escapes Ink removes or rewrites: cursor moves, clears, C0 controls, CRLF, C1 forms, colon SGR parameters, tabs.
	const cleaned = fc.constantFrom('\u001B[2J', '\u001B[3A', '\u0007', '\r\n', '\u009B31m', '\u009D8;;x\u009C', '\u001B[38:5:1m', '\t', '\u001B[4:3m');
	const pieces = fc.array(fc.oneof(piece, cleaned), {minLength: 1, maxLength: 10}).map(parts => parts.join(''));
	const node = (texts: string[]) => ({nodeName: 'ink-text', childNodes: texts.map(nodeValue => ({nodeName: '#text', nodeValue}))});
	fc.assert(fc.property(fc.array(fc.array(pieces, {minLength: 1, maxLength: 3}), {minLength: 1, maxLength: 4}), frames => {
		for (const texts of [...frames, ...frames]) {
			assert.equal(remembered(node(texts)), squash(node(texts)));
		}
	}), {numRuns: 300});
	assert.ok(frameMemoSizes().cleanedTexts > 0, 'the patched squash used the memory');
});

test('nested texts transformed with the memory are Ink\'s, frame after frame, as their texts and transforms change', async () => {
	const {source, squash, remembered} = await squashPair('nested');
	assert.throws(() => patchInkTextCleaning(source.replace('.map((line, lineIndex) => transform(line, lineIndex))', '.map(transform)'), memoryModule), /update scripts\/bundle-frame-memory\.mjs/);
	// Transforms as a Text's colours make them, and one that uses the line's index.
	const transforms: Array<(line: string, index: number) => string> = [
		line => `\u001B[31m${line}\u001B[39m`,
		line => `\u001B[1m${line}\u001B[22m`,
		(line, index) => `${index}:${line}`,
	];
	const frame = fc.tuple(fc.array(piece, {minLength: 1, maxLength: 4}).map(parts => parts.join('')), fc.nat(transforms.length - 1), fc.boolean());
	fc.assert(fc.property(fc.array(frame, {minLength: 1, maxLength: 8}), frames => {
		// One tree for all frames, as Ink's DOM is: a text holding a nested text whose content and transform change.
		const inner = {nodeName: '#text', nodeValue: ''};
		const nested: {nodeName: string; childNodes: unknown[]; internal_transform?: (line: string, index: number) => string; meshtopSquashed?: string} = {nodeName: 'ink-virtual-text', childNodes: [inner]};
		const node: {nodeName: string; childNodes: unknown[]; meshtopSquashed?: string} = {nodeName: 'ink-text', childNodes: [{nodeName: '#text', nodeValue: 'v3 '}, nested]};
		for (const [text, which, fresh] of frames) {
			inner.nodeValue = text;
			const transform = transforms[which]!;
			// A Text that rendered again brings a new closure; one that did not keeps its own.
			nested.internal_transform = fresh ? (line, index) => transform(line, index) : transform;
			// What Ink's dom.js does on these changes in the bundle (scripts/bundle-text-reuse.mjs): the kept texts go.
			nested.meshtopSquashed = undefined;
			node.meshtopSquashed = undefined;
			assert.equal(remembered(node), squash(node));
		}
	}), {numRuns: 500});
});
