// Part of scripts/bundle-frame-plugins.mjs: Ink's throttled render draws a key's frame at once (source/ui/key-frame.ts
// says why), and writes each frame in one piece.
import {readFile} from 'node:fs/promises';
import {rewriteExactly} from './bundle-rewrite.mjs';

/** The exact piece of Ink 8's ink.js that throttles every commit's render, and what replaces it. */
const throttledRender = {
	what: 'the throttled onRender',
	from: '            this.rootNode.onRender = () => {\n                this.hasPendingThrottledRender = true;\n                throttled();\n            };\n',
	to: '            this.rootNode.onRender = () => {\n                this.hasPendingThrottledRender = true;\n                // meshtop: a key\'s commit is drawn now; a render the throttle held is this one, so it is dropped.\n                if (meshtopTakeKeyFrame()) {\n                    throttled.cancel();\n                    this.onRender();\n                    return;\n                }\n                throttled();\n            };\n',
};

/**
 * The exact piece of Ink 8's ink.js that writes a frame as three writes (begin synchronized update, the frame, end
 * synchronized update): three system calls to the terminal a second. Corked, Node hands the stream all three at once
 * (one writev).
 */
const frameWrites = {
	what: 'the frame write',
	from: '                if (shouldSync && shouldWrite) {\n                    this.options.stdout.write(bsu);\n                }\n                this.log(output);\n                if (shouldSync && shouldWrite) {\n                    this.options.stdout.write(esu);\n                }\n',
	to: '                // meshtop: the frame and its synchronized-update marks leave in one write.\n                this.options.stdout.cork?.();\n                try {\n                    if (shouldSync && shouldWrite) {\n                        this.options.stdout.write(bsu);\n                    }\n                    this.log(output);\n                    if (shouldSync && shouldWrite) {\n                        this.options.stdout.write(esu);\n                    }\n                }\n                finally {\n                    this.options.stdout.uncork?.();\n                }\n',
};

/**
 * ink/build/ink.js with key frames taken out of the render throttle (`keyFrameModule` is the path of
 * dist/source/ui/key-frame.js) and each frame written at once. Throws if Ink's source no longer has each piece exactly
 * once: an Ink that changed them would silently hold keys behind the throttle again.
 */
export function patchInkKeyFrames(source, keyFrameModule) {
	return `import {takeKeyFrame as meshtopTakeKeyFrame} from ${JSON.stringify(keyFrameModule)};\n${rewriteExactly(source, [throttledRender, frameWrites], 'ink.js', 'scripts/bundle-key-frames.mjs')}`;
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
