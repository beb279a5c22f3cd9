// Part of scripts/bundle-frame-plugins.mjs: Ink's reconciler compares props with source/ui/prop-diff.ts, settles the
// changed texts' sizes before each layout (scripts/bundle-text-reuse.mjs says why), and looks for <Static> only once
// there was one (scripts/bundle-layout-reads.mjs).
import {readFile} from 'node:fs/promises';
import {rewriteExactly} from './bundle-rewrite.mjs';
import {staticLookup, staticLookupState} from './bundle-layout-reads.mjs';
import {settleBeforeLayout} from './bundle-text-reuse.mjs';

/** The exact pieces of Ink 8's reconciler.js that build arrays of keys and entries per commit, and what replaces them. */
const rewrites = [
	{
		what: 'the props diff',
		from: 'const diff = (before, after) => {\n    if (before === after) {\n        return;\n    }\n    if (!before) {\n        return after;\n    }\n    const changed = {};\n    let hasChanges = false;\n    for (const key of Object.keys(before)) {\n        const isDeleted = after ? !Object.hasOwn(after, key) : true;\n        if (!isDeleted) {\n            continue;\n        }\n        changed[key] = undefined;\n        hasChanges = true;\n    }\n    if (after) {\n        for (const [key, value] of Object.entries(after)) {\n            if (value === before[key]) {\n                continue;\n            }\n            changed[key] = value;\n            hasChanges = true;\n        }\n    }\n    return hasChanges ? changed : undefined;\n};\n',
		to: 'const diff = meshtopPropDiff;\n',
	},
	{
		what: 'the walk over the changed props',
		from: '        if (props) {\n            for (const [key, value] of Object.entries(props)) {\n',
		to: '        if (props) {\n            for (const key in props) {\n                if (!Object.hasOwn(props, key)) {\n                    continue;\n                }\n                const value = props[key];\n',
	},
];

/**
 * ink/build/reconciler.js with its props diff replaced by meshtop's (`propDiffModule` is the path of
 * dist/source/ui/prop-diff.js), the changed texts settled before each layout (dom.js as the bundle patches it
 * exports meshtopSettleTexts), and no walk for <Static> until a node was marked static. Throws if Ink's source no
 * longer has each piece exactly once.
 */
export function patchInkPropDiff(source, propDiffModule) {
	const patched = rewriteExactly(source, [...rewrites, settleBeforeLayout, ...staticLookup], 'reconciler.js', 'scripts/bundle-prop-diff.mjs');
	return `import {propDiff as meshtopPropDiff} from ${JSON.stringify(propDiffModule)};\nimport {meshtopSettleTexts} from './dom.js';\n${staticLookupState}${patched}`;
}

/** esbuild plugin: Ink's reconciler.js patched by patchInkPropDiff. */
export const inkPropDiff = {
	name: 'ink-prop-diff',
	setup(bundler) {
		const propDiffModule = new URL('../dist/source/ui/prop-diff.js', import.meta.url).pathname;
		bundler.onLoad({filter: /\/node_modules\/ink\/build\/reconciler\.js$/}, async args => ({
			contents: patchInkPropDiff(await readFile(args.path, 'utf8'), propDiffModule),
			loader: 'js',
		}));
	},
};
