// Part of scripts/bundle.mjs, and of scripts/bundle-bench.mjs: the plugins that change how Ink draws a frame. The
// bench's in-process frame stages are bundled with them too, so that they measure the frames the product draws.
import {readFile} from 'node:fs/promises';
import {inkFrameMemory} from './bundle-frame-memory.mjs';
import {inkKeyFrames} from './bundle-key-frames.mjs';
import {inkLayoutReads} from './bundle-layout-reads.mjs';
import {inkPropDiff} from './bundle-prop-diff.mjs';
import {inkTextReuse} from './bundle-text-reuse.mjs';

/**
 * Ink connects to React DevTools when DEV=true, through a static import of react-devtools-core, which is not a
 * dependency (an external import would fail at start). The bundle gets an empty module in its place.
 */
export const noDevtools = {
	name: 'no-react-devtools',
	setup(bundler) {
		bundler.onResolve({filter: /^react-devtools-core$/}, () => ({path: 'react-devtools-core', namespace: 'meshtop-stub'}));
		bundler.onLoad({filter: /^react-devtools-core$/, namespace: 'meshtop-stub'}, () => ({contents: 'export default {connectToDevTools() {}};', loader: 'js'}));
	},
};

/**
 * yoga-layout (Ink's layout engine) loads its WebAssembly from a data: URL with the global fetch when there is one,
 * and Node's fetch loads its own undici on first use: about 40 ms of CPU before the console's first frame. Without a
 * fetch in its scope it decodes the same base64 directly. (meshtop's own Prometheus client still uses the global
 * fetch, after the first frame.)
 */
export const yogaWithoutFetch = {
	name: 'yoga-without-fetch',
	setup(bundler) {
		bundler.onLoad({filter: /\/node_modules\/yoga-layout\/dist\/binaries\/yoga-wasm-base64-esm\.js$/}, async args => ({
			contents: `const fetch = undefined;\n${await readFile(args.path, 'utf8')}`,
			loader: 'js',
		}));
	},
};

/**
 * Ink and its text helpers measure widths with string-width on every render, mostly for the same strings as the frame
 * before; for anything beyond ASCII it segments graphemes and runs emoji regular expressions, the largest single
 * cost of a refresh frame. In the bundle, every `string-width` import but the wrapper's own gets the wrapper
 * (source/ui/text-width.ts), which remembers each string's width.
 */
export const rememberedTextWidths = {
	name: 'remembered-text-widths',
	setup(bundler) {
		const wrapper = new URL('../dist/source/ui/text-width.js', import.meta.url).pathname;
		bundler.onResolve({filter: /^string-width$/}, args => (args.importer === wrapper ? undefined : {path: wrapper}));
	},
};

/** Every plugin above, Ink's frame memory, its key frames, its props diff, its text reuse and its layout reads, in the order the product's bundle applies them. */
export const framePlugins = [noDevtools, yogaWithoutFetch, rememberedTextWidths, inkFrameMemory, inkKeyFrames, inkPropDiff, inkTextReuse, inkLayoutReads];
