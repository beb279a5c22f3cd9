import assert from 'node:assert/strict';
import {mkdtemp, readFile, rm} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {after, before, test} from 'node:test';
import {fileURLToPath, pathToFileURL} from 'node:url';
import fc from 'fast-check';
import {inkBuild, loadInk} from '../helpers/ink-build.js';

// dist/test/scripts/ -> the repository.
const root = fileURLToPath(new URL('../../../', import.meta.url));
const memoryModule = pathToFileURL(path.join(root, 'dist/source/ui/frame-memory.js')).href;

interface ReusePatches {
	patchInkDom: (source: string) => string;
	patchInkLineUpdate: (source: string) => string;
}

interface MemoryPatches {
	patchInkTextCleaning: (source: string, memoryModule: string) => string;
}

/** The part of Ink's DOM (dom.js) the reconciler changes text through. */
interface InkDom {
	createNode(name: string): InkNode;
	setStyle(node: InkNode, style: Record<string, unknown>): void;
	meshtopSettleTexts?: () => void;
	createTextNode(text: string): InkNode;
	appendChildNode(parent: InkNode, child: InkNode): void;
	insertBeforeNode(parent: InkNode, child: InkNode, before: InkNode): void;
	removeChildNode(parent: InkNode, child: InkNode): void;
	setTextNodeValue(node: InkNode, text: string): void;
	setTransform(node: InkNode, transform: ((line: string, index: number) => string) | undefined): void;
	setNodeHidden(node: InkNode, hidden: boolean): void;
}

interface InkNode {
	nodeName: string;
	parentNode?: InkNode;
	meshtopSquashed?: string;
	yogaNode?: YogaNode;
}

/** The part of a Yoga node the layout test sets and reads. */
interface YogaNode {
	setWidth(width: number): void;
	setFlexDirection(direction: number): void;
	setFlexShrink(shrink: number): void;
	calculateLayout(width: undefined, height: undefined, direction: number): void;
	getComputedLayout(): {left: number; top: number; width: number; height: number};
}

type Squash = (node: InkNode) => string;
type LineUpdate = (previous: string, next: string, columns: number) => string;

let directory: string;
let reuse: ReusePatches;
let memory: MemoryPatches;

before(async () => {
	directory = await mkdtemp(path.join(os.tmpdir(), 'meshtop-text-reuse-'));
	reuse = (await import(pathToFileURL(path.join(root, 'scripts/bundle-text-reuse.mjs')).href)) as ReusePatches;
	memory = (await import(pathToFileURL(path.join(root, 'scripts/bundle-frame-memory.mjs')).href)) as MemoryPatches;
});

after(async () => {
	await rm(directory, {recursive: true, force: true});
});

/** Ink's dom.js and squash-text-nodes.js as given, and as the bundle patches them, each pair importing each other. */
async function domPair(): Promise<{original: [InkDom, Squash]; patched: [InkDom, Squash]}> {
	const dom = await readFile(path.join(inkBuild, 'dom.js'), 'utf8');
	const squash = await readFile(path.join(inkBuild, 'squash-text-nodes.js'), 'utf8');
	const original = await loadInk(path.join(directory, 'original'), {'dom.js': dom, 'squash-text-nodes.js': squash}) as InkDom;
	const patched = await loadInk(path.join(directory, 'patched'), {'dom.js': reuse.patchInkDom(dom), 'squash-text-nodes.js': memory.patchInkTextCleaning(squash, memoryModule)}) as InkDom;
	const squashOf = async (kind: string) => ((await import(pathToFileURL(path.join(directory, kind, 'squash-text-nodes.js')).href)) as {default: Squash}).default;
	return {original: [original, await squashOf('original')], patched: [patched, await squashOf('patched')]};
}

/** One change to a text tree, as the reconciler makes them; indices pick among the nodes made so far. */
type Change =
	| {kind: 'text'; parent: number; value: string}
	| {kind: 'nested'; parent: number}
	| {kind: 'value'; target: number; value: string}
	| {kind: 'transform'; target: number; which: number}
	| {kind: 'hidden'; target: number; hidden: boolean}
	| {kind: 'remove'; target: number}
	| {kind: 'insert'; target: number; value: string};

const transforms = [undefined, (line: string) => `\u001B[31m${line}\u001B[39m`, (line: string, index: number) => `${index}:${line.toUpperCase()}`];

/** Applies `changes` to a fresh tree of `dom`, calling `check` with the tree's root after each. */
function play(dom: InkDom, changes: readonly Change[], check: (root: InkNode) => void): void {
	const root = dom.createNode('ink-text');
	const containers: InkNode[] = [root];
	const texts: InkNode[] = [];
	const nested: InkNode[] = [];
	const attached = (node: InkNode) => node.parentNode !== undefined;
	for (const change of changes) {
		switch (change.kind) {
			case 'text': {
				const node = dom.createTextNode(change.value);
				dom.appendChildNode(containers[change.parent % containers.length]!, node);
				texts.push(node);
				break;
			}

			case 'nested': {
				const node = dom.createNode('ink-virtual-text');
				dom.appendChildNode(containers[change.parent % containers.length]!, node);
				containers.push(node);
				nested.push(node);
				break;
			}

			case 'value': {
				if (texts.length > 0) {
					dom.setTextNodeValue(texts[change.target % texts.length]!, change.value);
				}

				break;
			}

			case 'transform': {
				if (nested.length > 0) {
					dom.setTransform(nested[change.target % nested.length]!, transforms[change.which % transforms.length]);
				}

				break;
			}

			case 'hidden': {
				if (nested.length > 0) {
					dom.setNodeHidden(nested[change.target % nested.length]!, change.hidden);
				}

				break;
			}

			case 'remove': {
				const candidates = [...texts, ...nested].filter(attached);
				const node = candidates[change.target % Math.max(1, candidates.length)];
				if (node?.parentNode !== undefined) {
					dom.removeChildNode(node.parentNode, node);
				}

				break;
			}

			case 'insert': {
				const candidates = texts.filter(attached);
				const before = candidates[change.target % Math.max(1, candidates.length)];
				if (before?.parentNode !== undefined) {
					const node = dom.createTextNode(change.value);
					dom.insertBeforeNode(before.parentNode, node, before);
					texts.push(node);
				}

				break;
			}
		}

		check(root);
	}
}

const word = fc.constantFrom('', 'v1', ' 50', '→ 60', '███░░', '\n', 'é', '\u001B[1mx\u001B[22m', '\t', '100.0%');
const change: fc.Arbitrary<Change> = fc.oneof(
	fc.record({kind: fc.constant('text' as const), parent: fc.nat(), value: word}),
	fc.record({kind: fc.constant('nested' as const), parent: fc.nat()}),
	fc.record({kind: fc.constant('value' as const), target: fc.nat(), value: word}),
	fc.record({kind: fc.constant('transform' as const), target: fc.nat(), which: fc.nat()}),
	fc.record({kind: fc.constant('hidden' as const), target: fc.nat(), hidden: fc.boolean()}),
	fc.record({kind: fc.constant('remove' as const), target: fc.nat()}),
	fc.record({kind: fc.constant('insert' as const), target: fc.nat(), value: word}),
);

test('a text node keeps its joined text until its content changes, and then shows what Ink shows', async () => {
	const {original: [dom, squash], patched: [keptDom, keptSquash]} = await domPair();
	fc.assert(fc.property(fc.array(change, {minLength: 1, maxLength: 30}), changes => {
		const shown: string[] = [];
		play(dom, changes, root => shown.push(squash(root)));
		let step = 0;
		play(keptDom, changes, root => {
			// Twice: the second comes from the kept text.
			assert.equal(keptSquash(root), shown[step]);
			assert.equal(root.meshtopSquashed, shown[step]);
			assert.equal(keptSquash(root), shown[step]);
			step++;
		});
	}), {numRuns: 400});
});

test('a changed text node\'s kept text is cleared, up to its enclosing text and no further', async () => {
	const {patched: [dom, squash]} = await domPair();
	const box = dom.createNode('ink-box');
	const outer = dom.createNode('ink-text');
	const nested = dom.createNode('ink-virtual-text');
	const value = dom.createTextNode('50');
	dom.appendChildNode(box, outer);
	dom.appendChildNode(outer, nested);
	dom.appendChildNode(nested, value);
	assert.equal(squash(outer), '50');
	assert.equal(nested.meshtopSquashed, '50');
	box.meshtopSquashed = 'a box has no joined text';
	dom.setTextNodeValue(value, '60');
	assert.equal(outer.meshtopSquashed, undefined);
	assert.equal(nested.meshtopSquashed, undefined);
	assert.equal(box.meshtopSquashed, 'a box has no joined text');
	assert.equal(squash(outer), '60');
});

test('the dom.js patch fails the build when Ink\'s source has changed', async () => {
	const dom = await readFile(path.join(inkBuild, 'dom.js'), 'utf8');
	assert.throws(() => reuse.patchInkDom(dom.replace('const markNodeAsDirty = (node) => {', 'const markNodeAsDirty = node => {')), /update scripts\/bundle-text-reuse\.mjs/);
	assert.throws(() => reuse.patchInkDom(dom.replace('        internal_accessibility: {},\n    };', '    };')), /update scripts\/bundle-text-reuse\.mjs/);
});

/** A line of the layout test: a text in a row, wrapping or truncating, and its value at each step. */
const layoutStep = fc.record({
	line: fc.nat(),
	// Two texts of one natural size (11×1) that wrap differently at a narrow width: 5 lines against 4 at 3 columns.
	value: fc.oneof(fc.constantFrom('', '50', '60', '→ 40', '100.0%', 'a\nb', '日本', 'abc def ghi', 'aaaaaaaaaaa'), fc.string({maxLength: 30})),
	width: fc.option(fc.integer({min: 3, max: 40}), {freq: 5}),
});

/**
 * Builds one console-like tree in `dom` (a column of rows, each a text that wraps or truncates), then applies each
 * step (a text's new value, sometimes a new terminal width) and lays it out as Ink does after a commit, returning
 * every text's computed layout after each step.
 */
function layouts(dom: InkDom, wraps: readonly string[], steps: ReadonlyArray<{line: number; value: string; width: number | null}>): string[] {
	const root = dom.createNode('ink-box');
	root.yogaNode!.setWidth(24);
	const texts: InkNode[] = [];
	const values: InkNode[] = [];
	for (const wrap of wraps) {
		const row = dom.createNode('ink-box');
		row.yogaNode!.setFlexDirection(2);
		const text = dom.createNode('ink-text');
		dom.setStyle(text, {textWrap: wrap});
		text.yogaNode!.setFlexShrink(1);
		const value = dom.createTextNode('start');
		dom.appendChildNode(root, row);
		dom.appendChildNode(row, text);
		dom.appendChildNode(text, value);
		texts.push(text);
		values.push(value);
	}

	const seen: string[] = [];
	const layOut = () => {
		dom.meshtopSettleTexts?.();
		root.yogaNode!.calculateLayout(undefined, undefined, 1);
		seen.push(JSON.stringify(texts.map(text => text.yogaNode!.getComputedLayout())));
	};

	layOut();
	for (const step of steps) {
		dom.setTextNodeValue(values[step.line % values.length]!, step.value);
		if (step.width !== null) {
			root.yogaNode!.setWidth(step.width);
		}

		layOut();
	}

	return seen;
}

test('texts settled at layout time are laid out as Yoga lays out Ink\'s texts marked dirty at once', async () => {
	const {original: [dom], patched: [settled]} = await domPair();
	assert.equal(typeof settled.meshtopSettleTexts, 'function');
	const wraps = fc.array(fc.constantFrom('wrap', 'truncate', 'truncate-end', 'truncate-middle'), {minLength: 1, maxLength: 4});
	fc.assert(fc.property(wraps, fc.array(layoutStep, {maxLength: 25}), (lines, steps) => {
		assert.deepEqual(layouts(settled, lines, steps), layouts(dom, lines, steps));
	}), {numRuns: 300});
	// A wrapped text replaced by one of its natural size that wraps to more lines.
	const wrapped = [{line: 0, value: 'abc def ghi', width: 3}, {line: 0, value: 'aaaaaaaaaaa', width: null}];
	assert.deepEqual(layouts(settled, ['wrap'], wrapped), layouts(dom, ['wrap'], wrapped));
});

test('a text that keeps its size is not marked dirty for Yoga; one that changes size is', async () => {
	const {patched: [dom]} = await domPair();
	const root = dom.createNode('ink-box');
	root.yogaNode!.setWidth(20);
	const text = dom.createNode('ink-text');
	const value = dom.createTextNode('50');
	dom.appendChildNode(root, text);
	dom.appendChildNode(text, value);
	root.yogaNode!.calculateLayout(undefined, undefined, 1);
	const yoga = text.yogaNode as YogaNode & {isDirty(): boolean};
	dom.setTextNodeValue(value, '60');
	dom.meshtopSettleTexts!();
	assert.equal(yoga.isDirty(), false, 'same size: Yoga keeps its measurement');
	dom.setTextNodeValue(value, '100');
	dom.meshtopSettleTexts!();
	assert.equal(yoga.isDirty(), true, 'a wider text is measured again');
});

/** Ink's line-update.js as given and as patched. */
async function lineUpdates(): Promise<{original: LineUpdate; patched: LineUpdate}> {
	const source = await readFile(path.join(inkBuild, 'line-update.js'), 'utf8');
	const original = await loadInk(path.join(directory, 'line-original'), {'line-update.js': source}) as {default: LineUpdate};
	const patched = await loadInk(path.join(directory, 'line-patched'), {'line-update.js': reuse.patchInkLineUpdate(source)}) as {default: LineUpdate};
	return {original: original.default, patched: patched.default};
}

test('a changed line is updated exactly as Ink updates it, with or without segmenting', async () => {
	const {original, patched} = await lineUpdates();
	// The console's characters, wide ones inside and outside the fast class (⌚ 〈 日), and what joins or needs segmenting:
	// a combining accent, a variation selector, a joiner, an emoji pair, a tab, colour codes.
	const piece = fc.constantFrom('a', 'v3', ' ', '50', '█', '░', '▆', '▸', '→', '·', '│', '┤', '▲', '⌚', '〈', '日', 'e\u0301', '\uFE0F', '\u200D', '🙂', '\t', '\u001B[31m', '\u001B[39m', '\u001B[1;33m');
	const line = fc.array(piece, {maxLength: 24}).map(parts => parts.join(''));
	// Lines that share a prefix, as one frame's line and the next do.
	const pair = fc.tuple(line, line, line).map(([common, before, after]) => [common + before, common + after] as const);
	fc.assert(fc.property(pair, fc.integer({min: 1, max: 100}), ([previous, next], columns) => {
		assert.equal(patched(previous, next, columns), original(previous, next, columns));
	}), {numRuns: 3000});
});

test('a line of blocks and box drawing keeps its unchanged prefix on screen', async () => {
	const {patched} = await lineUpdates();
	const previous = '▸ v1      ███████░░░░░░   50   46.9%  ▆▆▇';
	const next = '▸ v1      ███████░░░░░░   50   47.1%  ▆▇▇';
	// CHA (cursor to column 33, one-based), erase to the end of the line, then only what changed.
	assert.equal(patched(previous, next, 80), '\u001B[33G\u001B[K7.1%  ▆▇▇');
	const source = await readFile(path.join(inkBuild, 'line-update.js'), 'utf8');
	assert.throws(() => reuse.patchInkLineUpdate(source.replace('        column = textLimit;\n', '        column = textLimit; \n')), /update scripts\/bundle-text-reuse\.mjs/);
});
