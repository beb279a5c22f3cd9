// Part of scripts/bundle.mjs: the bench's in-process frame stages, bundled with the plugins that change how Ink draws
// a frame. Unbundled (tsc's output), they measured an Ink that the product never runs: one whose text widths and
// tokenised lines are computed afresh every frame.
import {rm} from 'node:fs/promises';
import {build} from 'esbuild';
import {framePlugins} from './bundle-frame-plugins.mjs';
import {nodeModuleBundle} from './bundle-options.mjs';

/** The stages bench/run.ts loads from the bundle (dist/bench/as-shipped/NAME.js), by their tsc output's name. */
export const benchFrameStages = ['keypress-bench', 'refresh-bytes'];

/** Bundles `benchFrameStages` into dist/bench/as-shipped/, with `define` as the product's bundle has it. */
export async function bundleBenchFrames(define) {
	const outdir = new URL('../dist/bench/as-shipped/', import.meta.url).pathname;
	await rm(outdir, {recursive: true, force: true});
	await build({
		...nodeModuleBundle,
		entryPoints: benchFrameStages.map(name => new URL(`../dist/bench/${name}.js`, import.meta.url).pathname),
		outdir,
		minify: false,
		plugins: framePlugins,
		define,
	});
}
