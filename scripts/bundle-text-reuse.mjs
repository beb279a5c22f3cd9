// Part of scripts/bundle-frame-plugins.mjs: Ink's text nodes keep their joined text between frames, a changed text that
// keeps its size is not laid out again, and a changed line with box drawing or block characters is compared without
// grapheme segmentation.
import {readFile} from 'node:fs/promises';
import {rewriteExactly} from './bundle-rewrite.mjs';

/**
 * The text nodes whose content changed since the last layout, and their settling just before it: Yoga relaid out
 * every text whose content changed, and the path from it to the root, although nearly all of the console's changes
 * (a figure, an age, a sparkline) keep a line's size. A text whose every measurement since it was last marked dirty
 * was its natural size (no wrapping or truncating at the width Yoga offered) is re-measured here, and marked dirty
 * only if that size changed: Yoga's cached measurements of it are then still its answers. The owner walk is
 * findClosestYogaNode's, returning the element.
 */
const settleTexts = `const meshtopYogaOwner = (node) => node?.parentNode
    ? (node.yogaNode ? node : meshtopYogaOwner(node.parentNode))
    : undefined;
const meshtopPendingTexts = new Set();
export const meshtopSettleTexts = () => {
    for (const node of meshtopPendingTexts) {
        const { yogaNode, meshtopNatural: natural } = node;
        if (!yogaNode) {
            continue;
        }
        const dimensions = natural === undefined || node.meshtopWrapped ? undefined : measureText(squashTextNodes(node));
        if (dimensions === undefined || dimensions.width !== natural.width || dimensions.height !== natural.height) {
            node.meshtopWrapped = false;
            yogaNode.markDirty();
        }
    }
    meshtopPendingTexts.clear();
};
`;

/** The exact piece of Ink 8's reconciler.js where a commit's layout starts, and the settling of the texts before it. */
export const settleBeforeLayout = {
	what: 'the layout after a commit',
	from: '        if (typeof rootNode.onComputeLayout === \'function\') {\n            rootNode.onComputeLayout();\n',
	to: '        if (typeof rootNode.onComputeLayout === \'function\') {\n            // meshtop: the changed texts\' sizes are settled first (scripts/bundle-text-reuse.mjs).\n            meshtopSettleTexts();\n            rootNode.onComputeLayout();\n',
};

/**
 * The pieces of Ink 8's dom.js that the squashed-text cache (`squashedTextCache` in scripts/bundle-frame-memory.mjs,
 * which keeps a text node's joined text in `meshtopSquashed`) and the settling of changed texts (above) need: their
 * fields on every new element (so all elements keep one shape), the natural size and wrapping recorded by each
 * measurement, and both acted on wherever Ink marks text content as changed. Every change to what a text node joins
 * passes through markNodeAsDirty: a #text's value, a child added, moved or removed, a nested text's transform or
 * visibility.
 */
const domRewrites = [
	{
		what: 'the element object',
		from: '        internal_accessibility: {},\n    };\n',
		to: '        internal_accessibility: {},\n        meshtopSquashed: undefined,\n    };\n',
	},
	{
		what: 'the element object\'s measurement record',
		from: '        meshtopSquashed: undefined,\n',
		to: '        meshtopSquashed: undefined,\n        meshtopNatural: undefined,\n        meshtopWrapped: false,\n',
		// Applied after the rewrite above, to its own output.
	},
	{
		what: 'a text\'s measurement: its natural size kept',
		from: '    const dimensions = measureText(text);\n    // An unconstrained Yoga measurement',
		to: '    const dimensions = measureText(text);\n    node.meshtopNatural = dimensions;\n    // An unconstrained Yoga measurement',
	},
	{
		what: 'a text\'s measurement: a size that depended on wrapping noted',
		from: '    const textWrap = node.style?.textWrap ?? \'wrap\';\n    const wrappedText = wrapText(text, width, textWrap);\n',
		to: '    node.meshtopWrapped = true;\n    const textWrap = node.style?.textWrap ?? \'wrap\';\n    const wrappedText = wrapText(text, width, textWrap);\n',
	},
	{
		what: 'the Yoga node marked dirty at once',
		from: '    // Mark closest Yoga node as dirty to measure text dimensions again\n    const yogaNode = findClosestYogaNode(node);\n    yogaNode?.markDirty();\n};\n',
		to: '    // Mark closest Yoga node as dirty to measure text dimensions again\n    // meshtop: a text measured at its natural size is decided at layout time (meshtopSettleTexts).\n    const owner = meshtopYogaOwner(node);\n    if (owner?.nodeName === \'ink-text\' && owner.meshtopNatural !== undefined && !owner.meshtopWrapped) {\n        meshtopPendingTexts.add(owner);\n        return;\n    }\n    owner?.yogaNode?.markDirty();\n};\n' + settleTexts,
	},
	{
		what: 'markNodeAsDirty',
		from: 'const markNodeAsDirty = (node) => {\n',
		to: 'const markNodeAsDirty = (node) => {\n    // meshtop: the joined text of the text nodes that contain this one is no longer what they show.\n    for (let textNode = node; textNode !== undefined; textNode = textNode.parentNode) {\n        if (textNode.nodeName === \'ink-virtual-text\' || textNode.nodeName === \'ink-text\') {\n            textNode.meshtopSquashed = undefined;\n        }\n        else if (textNode.nodeName !== \'#text\') {\n            break;\n        }\n        if (textNode.nodeName === \'ink-text\') {\n            break;\n        }\n    }\n',
	},
];

/**
 * ink/build/dom.js with the squashed-text cache cleared wherever a text node's content changes, and a changed text
 * left to meshtopSettleTexts (exported; the patched reconciler calls it before each layout) when its size may not have
 * changed. Throws if Ink's source no longer has a piece exactly once: an Ink that changed them would leave a stale text
 * or layout on screen.
 */
export function patchInkDom(source) {
	return rewriteExactly(source, domRewrites, 'dom.js', 'scripts/bundle-text-reuse.mjs');
}

/**
 * Characters that are each one code unit and one grapheme whatever surrounds them, because none of them joins with a
 * neighbour (no combining mark, joiner, variation selector, surrogate or control among them): Latin, punctuation,
 * arrows, technical symbols, box drawing, blocks and geometric shapes — the console's bars, sparklines, chart and
 * markers. Between two such texts the common prefix of code units is the common prefix of graphemes.
 */
const oneUnitGraphemes = String.raw`/^[ -~\u00A0-\u02FF\u2010-\u2027\u2030-\u205E\u2190-\u23FF\u2500-\u25FF]*$/u`;

/** The exact piece of Ink 8's line-update.js that segments both lines by grapheme unless both are printable ASCII. */
const segmentedPrefix = {
	what: 'the prefix comparison by grapheme',
	from: '        textLength = textLimit;\n        column = textLimit;\n    }\n    else {\n',
	to: '        textLength = textLimit;\n        column = textLimit;\n    }\n    else if (meshtopOneUnitGraphemes.test(previousText) && meshtopOneUnitGraphemes.test(nextText)) {\n        // meshtop: one grapheme per code unit in both lines, so the common prefix needs no segmenting; its width may\n        // still differ from its length.\n        textLength = textLimit;\n        column = stringWidth(nextText.slice(0, textLength));\n    }\n    else {\n',
};

/**
 * ink/build/line-update.js comparing a changed line's prefix without Intl.Segmenter when both versions are made of
 * one-unit graphemes (an object per grapheme of every changed line, every frame). The result is the same string.
 * Throws if Ink's source no longer has the piece exactly once.
 */
export function patchInkLineUpdate(source) {
	const patched = rewriteExactly(source, [segmentedPrefix], 'line-update.js', 'scripts/bundle-text-reuse.mjs');
	return `${patched}\nconst meshtopOneUnitGraphemes = ${oneUnitGraphemes};\n`;
}

/** esbuild plugin: Ink's dom.js and line-update.js, patched. */
export const inkTextReuse = {
	name: 'ink-text-reuse',
	setup(bundler) {
		bundler.onLoad({filter: /\/node_modules\/ink\/build\/dom\.js$/}, async args => ({contents: patchInkDom(await readFile(args.path, 'utf8')), loader: 'js'}));
		bundler.onLoad({filter: /\/node_modules\/ink\/build\/line-update\.js$/}, async args => ({contents: patchInkLineUpdate(await readFile(args.path, 'utf8')), loader: 'js'}));
	},
};
