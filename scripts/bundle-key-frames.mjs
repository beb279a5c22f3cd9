// Part of scripts/bundle-frame-plugins.mjs: Ink's throttled render draws a key's frame at once (source/ui/key-frame.ts
// says why).
import {readFile} from 'node:fs/promises';

/** The exact piece of Ink 8's ink.js that throttles every commit's render, and what replaces it. */
const throttledRender = {
	from: '            this.rootNode.onRender = () => {\n                this.hasPendingThrottledRender = true;\n                throttled();\n            };\n',
	to: '            this.rootNode.onRender = () => {\n                this.hasPendingThrottledRender = true;\n                // meshtop: a key\'s commit is drawn now; a render the throttle held is this one, so it is dropped.\n                if (meshtopTakeKeyFrame()) {\n                    throttled.cancel();\n                    this.onRender();\n                    return;\n                }\n                throttled();\n            };\n',
};

/**
 * ink/build/ink.js with key frames taken out of the render throttle (`keyFrameModule` is the path of
 * dist/source/ui/key-frame.js). Throws if Ink's source no longer has the piece exactly once: an Ink that changed it
 * would silently hold keys behind the throttle again.
 */
export function patchInkKeyFrames(source, keyFrameModule) {
	const at = source.indexOf(throttledRender.from);
	if (at === -1 || source.indexOf(throttledRender.from, at + 1) !== -1) {
		throw new Error('ink/build/ink.js no longer has exactly one throttled onRender as scripts/bundle-key-frames.mjs rewrites it; update it');
	}

	return `import {takeKeyFrame as meshtopTakeKeyFrame} from ${JSON.stringify(keyFrameModule)};\n${source.replace(throttledRender.from, () => throttledRender.to)}`;
}

/** esbuild plugin: Ink's ink.js patched by patchInkKeyFrames. */
export const inkKeyFrames = {
	name: 'ink-key-frames',
	setup(bundler) {
		const keyFrameModule = new URL('../dist/source/ui/key-frame.js', import.meta.url).pathname;
		bundler.onLoad({filter: /\/node_modules\/ink\/build\/ink\.js$/}, async args => ({
			contents: patchInkKeyFrames(await readFile(args.path, 'utf8'), keyFrameModule),
			loader: 'js',
		}));
	},
};
