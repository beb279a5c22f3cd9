// Part of scripts/bundle-frame-plugins.mjs: a frame reads each node's layout from Yoga only when Yoga laid the node out
// again, and a commit looks for Ink's <Static> only once one was ever made.
import {readFile} from 'node:fs/promises';
import {rewriteExactly} from './bundle-rewrite.mjs';

/**
 * What a frame reads of a node's layout, kept on the node. Each read is a call into Yoga's WebAssembly through its
 * generic binding (an arguments check and two arrays per call): a text took eight per frame (display, left, top, and
 * the five of getMaxWidth), for every node of the console, every second, although a refresh lays out few of them.
 */
const readLayout = `const meshtopReadLayout = (node, yogaNode) => ({
    display: yogaNode.getDisplay(),
    left: yogaNode.getComputedLeft(),
    top: yogaNode.getComputedTop(),
    maxWidth: node.nodeName === 'ink-text' ? getMaxWidth(yogaNode) : 0,
});
`;

/**
 * The exact pieces of Ink 8's render-node-to-output.js that read a node's layout, and their replacements. Yoga flags
 * every node it lays out (hasNewLayout) until it is marked seen, and lays a node out only while laying out its parent;
 * so a node whose flag is down has no descendant with a new layout, and the walk asks Yoga only below flagged nodes.
 * A display change marks the node dirty, so it too comes with a new layout.
 */
const renderRewrites = [
	{
		what: 'the options of a node\'s render',
		from: '    const { offsetX = 0, offsetY = 0, transformers = [], skipStaticElements, } = options;\n',
		to: '    const { offsetX = 0, offsetY = 0, transformers = [], skipStaticElements, meshtopParentNew = true, } = options;\n',
	},
	{
		what: 'the layout read from Yoga',
		from: '    const { yogaNode } = node;\n    if (!yogaNode || yogaNode.getDisplay() === Yoga.DISPLAY_NONE) {\n        return;\n    }\n    // Left and top positions in Yoga are relative to their parent node\n    const x = offsetX + yogaNode.getComputedLeft();\n    const y = offsetY + yogaNode.getComputedTop();\n',
		to: '    const { yogaNode } = node;\n    if (!yogaNode) {\n        return;\n    }\n    // meshtop: the layout is read again only when Yoga laid the node out since (scripts/bundle-layout-reads.mjs).\n    const meshtopNew = node.meshtopLayout === undefined || (meshtopParentNew && yogaNode.hasNewLayout());\n    if (meshtopNew) {\n        node.meshtopLayout = meshtopReadLayout(node, yogaNode);\n        yogaNode.markLayoutSeen();\n    }\n    const meshtopLayout = node.meshtopLayout;\n    if (meshtopLayout.display === Yoga.DISPLAY_NONE) {\n        return;\n    }\n    // Left and top positions in Yoga are relative to their parent node\n    const x = offsetX + meshtopLayout.left;\n    const y = offsetY + meshtopLayout.top;\n',
	},
	{
		what: 'a text\'s width',
		from: '            const maxWidth = getMaxWidth(yogaNode);\n',
		to: '            const maxWidth = meshtopLayout.maxWidth;\n',
	},
	{
		what: 'the children\'s render',
		from: '            transformers: newTransformers,\n            skipStaticElements,\n        });\n',
		to: '            transformers: newTransformers,\n            skipStaticElements,\n            meshtopParentNew: meshtopNew,\n        });\n',
	},
];

/**
 * ink/build/render-node-to-output.js reading each node's layout from Yoga only when it is new. Throws if Ink's source
 * no longer has a piece exactly once: an Ink that changed them would draw from a stale layout.
 */
export function patchInkLayoutReads(source) {
	return `${rewriteExactly(source, renderRewrites, 'render-node-to-output.js', 'scripts/bundle-layout-reads.mjs')}\n${readLayout}`;
}

/**
 * The exact pieces of Ink 8's reconciler.js that mark a node as <Static> and look for it after every commit, a walk
 * over the whole tree. The console has no <Static>: until a node is ever marked, there is none to find. (Applied by
 * scripts/bundle-prop-diff.mjs, the reconciler's one patching plugin.)
 */
export const staticLookup = [
	{
		what: 'a new node marked static',
		from: '\n            if (key === \'internal_static\') {\n                node.internal_static = true;\n',
		to: '\n            if (key === \'internal_static\') {\n                node.internal_static = true;\n                meshtopStaticMade = true;\n',
	},
	{
		what: 'an updated node marked static',
		from: '\n                if (key === \'internal_static\') {\n                    node.internal_static = true;\n',
		to: '\n                if (key === \'internal_static\') {\n                    node.internal_static = true;\n                    meshtopStaticMade = true;\n',
	},
	{
		what: 'the static node looked for after a commit',
		from: '        const staticNode = findStaticNode(rootNode);\n',
		to: '        // meshtop: no walk before any node was ever marked static (scripts/bundle-layout-reads.mjs).\n        const staticNode = meshtopStaticMade ? findStaticNode(rootNode) : undefined;\n',
	},
];

/** The declaration the static lookup's rewrites need, at the top of the reconciler. */
export const staticLookupState = 'let meshtopStaticMade = false;\n';

/** esbuild plugin: Ink's render-node-to-output.js, patched by patchInkLayoutReads. */
export const inkLayoutReads = {
	name: 'ink-layout-reads',
	setup(bundler) {
		bundler.onLoad({filter: /\/node_modules\/ink\/build\/render-node-to-output\.js$/}, async args => ({contents: patchInkLayoutReads(await readFile(args.path, 'utf8')), loader: 'js'}));
	},
};
