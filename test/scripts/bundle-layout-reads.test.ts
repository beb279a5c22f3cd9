/**
 * scripts/bundle-layout-reads.mjs: the bundle's render-node-to-output.js keeps each node's layout and asks Yoga again
 * only below nodes Yoga laid out anew. Frames of random trees, changed as the reconciler changes them, must come out
 * as the installed Ink's own draw them.
 */
import assert from 'node:assert/strict';
import {mkdtemp, readFile, rm} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {after, before, test} from 'node:test';
import {fileURLToPath, pathToFileURL} from 'node:url';
import fc from 'fast-check';
import type {ReactNode} from 'react';
import {inkBuild, loadInk} from '../helpers/ink-build.js';

// dist/test/scripts/ -> the repository.
const root = fileURLToPath(new URL('../../../', import.meta.url));

interface Patches {
	patchInkLayoutReads: (source: string) => string;
	patchInkPropDiff: (source: string, module: string) => string;
}

interface YogaNode {
	setWidth(width: number): void;
	calculateLayout(width: undefined, height: undefined, direction: number): void;
	getComputedHeight(): number;
}

interface InkNode {
	nodeName: string;
	style: Record<string, unknown>;
	parentNode?: InkNode;
	childNodes?: InkNode[];
	yogaNode?: YogaNode;
}

interface InkDom {
	createNode(name: string): InkNode;
	createTextNode(text: string): InkNode;
	appendChildNode(parent: InkNode, child: InkNode): void;
	insertBeforeNode(parent: InkNode, child: InkNode, before: InkNode): void;
	removeChildNode(parent: InkNode, child: InkNode): void;
	freeYogaSubtree(node: InkNode): void;
	setStyle(node: InkNode, style: Record<string, unknown>): void;
	setTextNodeValue(node: InkNode, text: string): void;
}

type ApplyStyles = (yogaNode: YogaNode, style: Record<string, unknown>) => void;
type Render = (node: InkNode, output: unknown, options: {skipStaticElements: boolean}) => void;
type OutputClass = new (options: {width: number; height: number}) => {get(): {output: string}};

let directory: string;
let patches: Patches;

before(async () => {
	directory = await mkdtemp(path.join(os.tmpdir(), 'meshtop-layout-reads-'));
	const layoutReads = (await import(pathToFileURL(path.join(root, 'scripts/bundle-layout-reads.mjs')).href)) as Pick<Patches, 'patchInkLayoutReads'>;
	const propDiff = (await import(pathToFileURL(path.join(root, 'scripts/bundle-prop-diff.mjs')).href)) as Pick<Patches, 'patchInkPropDiff'>;
	patches = {...layoutReads, ...propDiff};
});

after(async () => {
	await rm(directory, {recursive: true, force: true});
});

/** One change to a tree of boxes and texts, as the reconciler makes them; indices pick among the nodes so far. */
type Change =
	| {kind: 'box' | 'text'; parent: number; value: string; first: boolean}
	| {kind: 'value'; target: number; value: string}
	| {kind: 'style'; target: number; style: number}
	| {kind: 'wrap'; target: number; truncate: boolean}
	| {kind: 'remove'; target: number}
	| {kind: 'width'; width: number};

const boxStyles: Array<Record<string, unknown>> = [
	{flexDirection: 'row'},
	{flexDirection: 'column'},
	{width: 12},
	{width: undefined},
	{paddingLeft: 2},
	{paddingLeft: 0},
	{display: 'none'},
	{display: 'flex'},
	{marginTop: 1},
	{flexDirection: 'row', justifyContent: 'space-between'},
];

const word = fc.constantFrom('', 'v1', ' 50', '→ 60', '███░░', '100.0%', 'a longer line that wraps at a narrow width', 'two\nlines');
const change: fc.Arbitrary<Change> = fc.oneof(
	fc.record({kind: fc.constantFrom('box' as const, 'text' as const), parent: fc.nat(), value: word, first: fc.boolean()}),
	fc.record({kind: fc.constant('value' as const), target: fc.nat(), value: word}),
	fc.record({kind: fc.constant('value' as const), target: fc.nat(), value: word}),
	fc.record({kind: fc.constant('style' as const), target: fc.nat(), style: fc.nat({max: boxStyles.length - 1})}),
	fc.record({kind: fc.constant('wrap' as const), target: fc.nat(), truncate: fc.boolean()}),
	fc.record({kind: fc.constant('remove' as const), target: fc.nat()}),
	fc.record({kind: fc.constant('width' as const), width: fc.constantFrom(8, 20, 40, 80)}),
);

/** A tree changed by `changes`; after each, a layout and a frame drawn by each renderer, which must agree. */
function playAndCompare(dom: InkDom, styles: ApplyStyles, renders: {original: Render; patched: Render}, Output: OutputClass, changes: readonly Change[]): void {
	const rootNode = dom.createNode('ink-root');
	styles(rootNode.yogaNode!, {flexDirection: 'column'});
	const boxes: InkNode[] = [rootNode];
	const texts: InkNode[] = [];
	const values: InkNode[] = [];
	let width = 40;
	const attached = (node: InkNode) => node === rootNode || node.parentNode !== undefined;
	for (const step of changes) {
		switch (step.kind) {
			case 'box':
			case 'text': {
				const parents = boxes.filter(attached);
				const parent = parents[step.parent % parents.length]!;
				const node = dom.createNode(step.kind === 'box' ? 'ink-box' : 'ink-text');
				if (step.kind === 'box') {
					boxes.push(node);
				} else {
					const value = dom.createTextNode(step.value);
					dom.appendChildNode(node, value);
					texts.push(node);
					values.push(value);
				}

				const first = parent.childNodes?.[0];
				if (step.first && first !== undefined) {
					dom.insertBeforeNode(parent, node, first);
				} else {
					dom.appendChildNode(parent, node);
				}

				break;
			}

			case 'value': {
				const value = values[step.target % Math.max(1, values.length)];
				if (value !== undefined) {
					dom.setTextNodeValue(value, step.value);
				}

				break;
			}

			case 'style': {
				const box = boxes[step.target % boxes.length]!;
				const style = boxStyles[step.style]!;
				dom.setStyle(box, {...box.style, ...style});
				styles(box.yogaNode!, style);
				break;
			}

			case 'wrap': {
				const text = texts[step.target % Math.max(1, texts.length)];
				if (text !== undefined) {
					dom.setStyle(text, {textWrap: step.truncate ? 'truncate' : 'wrap'});
				}

				break;
			}

			case 'remove': {
				const candidates = [...boxes.slice(1), ...texts].filter(node => node.parentNode !== undefined);
				const node = candidates[step.target % Math.max(1, candidates.length)];
				if (node?.parentNode !== undefined) {
					dom.removeChildNode(node.parentNode, node);
					// As the reconciler does: a removed subtree is not used again.
					dom.freeYogaSubtree(node);
					const gone = (each: InkNode) => {
						for (let at: InkNode | undefined = each; at !== undefined; at = at.parentNode) {
							if (at === node) {
								return true;
							}
						}

						return false;
					};

					for (const list of [boxes, texts, values]) {
						list.splice(0, list.length, ...list.filter(each => !gone(each)));
					}
				}

				break;
			}

			case 'width': {
				width = step.width;
				break;
			}
		}

		rootNode.yogaNode!.setWidth(width);
		rootNode.yogaNode!.calculateLayout(undefined, undefined, 1);
		const frame = (render: Render) => {
			const output = new Output({width, height: rootNode.yogaNode!.getComputedHeight()});
			render(rootNode, output, {skipStaticElements: true});
			return output.get().output;
		};

		// The patched one first: it marks what it read as seen, the original reads Yoga whatever its flags say.
		const patched = frame(renders.patched);
		const again = frame(renders.patched);
		const original = frame(renders.original);
		assert.equal(patched, original);
		assert.equal(again, original, 'the next frame without a layout, all from kept layouts');
	}
}

test('frames drawn from kept layouts are the frames Ink draws, through any changes of the tree', async () => {
	const source = await readFile(path.join(inkBuild, 'render-node-to-output.js'), 'utf8');
	const original = await loadInk(path.join(directory, 'original'), {'render-node-to-output.js': source}) as {default: Render};
	const patched = await loadInk(path.join(directory, 'patched'), {'render-node-to-output.js': patches.patchInkLayoutReads(source)}) as {default: Render};
	const dom = await import(pathToFileURL(path.join(inkBuild, 'dom.js')).href) as InkDom;
	const {default: styles} = await import(pathToFileURL(path.join(inkBuild, 'styles.js')).href) as {default: ApplyStyles};
	const {default: Output} = await import(pathToFileURL(path.join(inkBuild, 'output.js')).href) as {default: OutputClass};
	fc.assert(fc.property(fc.array(change, {minLength: 1, maxLength: 40}), changes => {
		playAndCompare(dom, styles, {original: original.default, patched: patched.default}, Output, changes);
	}), {numRuns: 300});
});

/** The parts of react-reconciler's API that Ink's ink.js drives a render with. */
interface Reconciler {
	createContainer(...args: unknown[]): unknown;
	updateContainerSync(element: unknown, container: unknown, parent: null, callback: () => void): void;
	flushSyncWork(): void;
}

/** A fresh copy of the bundle's reconciler.js (with its patched dom.js), its root node, and a render into it. */
async function reconcilerIn(dir: string): Promise<{rootNode: InkNode & {staticNode?: InkNode}; render: (element: unknown) => void}> {
	const reconciler = await readFile(path.join(inkBuild, 'reconciler.js'), 'utf8');
	const dom = await readFile(path.join(inkBuild, 'dom.js'), 'utf8');
	const {patchInkDom} = await import(pathToFileURL(path.join(root, 'scripts/bundle-text-reuse.mjs')).href) as {patchInkDom: (source: string) => string};
	const propDiffModule = path.join(root, 'dist/source/ui/prop-diff.js');
	const {default: ink} = await loadInk(path.join(directory, dir), {'reconciler.js': patches.patchInkPropDiff(reconciler, propDiffModule), 'dom.js': patchInkDom(dom)}) as {default: Reconciler};
	const patchedDom = await import(pathToFileURL(path.join(directory, dir, 'dom.js')).href) as InkDom;
	const rootNode = patchedDom.createNode('ink-root');
	const noop = () => undefined;
	// As ink.js makes its container: a legacy root.
	const container = ink.createContainer(rootNode, 0, null, false, null, 'id', noop, noop, noop, noop, null);
	return {rootNode, render(element) {
		ink.updateContainerSync(element, container, null, noop);
		ink.flushSyncWork();
	}};
}

test('a <Static> is found after the commit that makes it, or that marks a node static', async () => {
	const {createElement} = await import('react');
	const box = (props: Record<string, unknown>, ...children: ReactNode[]): ReactNode => createElement('ink-box', {style: {}, ...props}, ...children);
	const made = await reconcilerIn('static-made');
	made.render(box({key: 'top'}, box({key: 'a'})));
	assert.equal(made.rootNode.staticNode, undefined, 'none yet');
	made.render(box({key: 'top'}, box({key: 'a'}), box({key: 'b', internal_static: true})));
	assert.equal((made.rootNode.staticNode as {internal_static?: boolean} | undefined)?.internal_static, true, 'a new static node');
	const marked = await reconcilerIn('static-marked');
	marked.render(box({key: 'top'}, box({key: 'a'})));
	assert.equal(marked.rootNode.staticNode, undefined, 'none yet');
	marked.render(box({key: 'top'}, box({key: 'a', internal_static: true})));
	assert.equal((marked.rootNode.staticNode as {internal_static?: boolean} | undefined)?.internal_static, true, 'a node marked static by an update');
});

test('the patches apply to the installed Ink, and an Ink that changed a piece fails the build', async () => {
	const render = await readFile(path.join(inkBuild, 'render-node-to-output.js'), 'utf8');
	assert.match(patches.patchInkLayoutReads(render), /meshtopReadLayout\(node, yogaNode\)/);
	assert.throws(() => patches.patchInkLayoutReads(render.replace('const maxWidth = getMaxWidth(yogaNode);', 'const maxWidth = 0;')), /bundle-layout-reads\.mjs/);
	const reconciler = await readFile(path.join(inkBuild, 'reconciler.js'), 'utf8');
	const patched = patches.patchInkPropDiff(reconciler, '/x/prop-diff.js');
	assert.equal(patched.match(/meshtopStaticMade = true;/g)?.length, 2, 'both places that mark a node static');
	assert.match(patched, /const staticNode = meshtopStaticMade \? findStaticNode\(rootNode\) : undefined;/);
	assert.throws(() => patches.patchInkPropDiff(reconciler.replace('const staticNode = findStaticNode(rootNode);', 'const staticNode = undefined;'), '/x/prop-diff.js'), /bundle-prop-diff\.mjs/);
});
