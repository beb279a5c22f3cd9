// Bundles tsc's output (dist/cli.js and everything it imports) into one minified ES module, dist/meshtop.js, and
// replaces dist/cli.js (the file users, `npm start`, the bins and the tests run) with a launcher of it. Why: unbundled, Node resolves and compiles several
// hundred files before the first frame, and @kubernetes/client-node's index evaluates ~900 generated model modules;
// in one file with lazy command imports (esbuild wraps dynamically imported modules in init functions), only what a
// command reaches is evaluated. The rest of dist/ (tsc's per-file output) stays for the tests and the bench.
import {chmod, rm, writeFile} from 'node:fs/promises';
import {build} from 'esbuild';

/**
 * Ink connects to React DevTools when DEV=true, through a static import of react-devtools-core, which is not a
 * dependency (an external import would fail at start). The bundle gets an empty module in its place.
 */
const noDevtools = {
	name: 'no-react-devtools',
	setup(bundler) {
		bundler.onResolve({filter: /^react-devtools-core$/}, () => ({path: 'react-devtools-core', namespace: 'meshtop-stub'}));
		bundler.onLoad({filter: /.*/, namespace: 'meshtop-stub'}, () => ({contents: 'export default {connectToDevTools() {}};', loader: 'js'}));
	},
};

const entry = new URL('../dist/cli.js', import.meta.url).pathname;

/**
 * The launcher: Node's compile cache must be on before the bundle is compiled (compiling 3.6 MB of JavaScript is
 * most of a cold start), and a module cannot turn it on for itself.
 */
const launcher = `#!/usr/bin/env node
// Written by scripts/bundle.mjs: turns on Node's compile cache (Node >= 22.1), then runs the bundle.
import module from 'node:module';
module.enableCompileCache?.();
await import('./bundle/meshtop.js');
`;

// Chunk names change with their content: stale ones from an earlier build would pile up.
await rm(new URL('../dist/bundle/', import.meta.url), {recursive: true, force: true});
const result = await build({
	entryPoints: [entry],
	outdir: new URL('../dist/bundle/', import.meta.url).pathname,
	entryNames: 'meshtop',
	chunkNames: 'chunk-[hash]',
	// Each lazily imported command is its own chunk with its own imports: a module's `import … from 'node:…'` is
	// hoisted to its chunk, so `meshtop set` does not link node:http2 for Ink, nor the console client-node's built-ins.
	splitting: true,
	bundle: true,
	platform: 'node',
	format: 'esm',
	target: 'node22',
	minify: true,
	legalComments: 'eof',
	plugins: [noDevtools],
	// CommonJS dependencies bundled into an ES module still call require() for Node's built-ins.
	banner: {js: "import {createRequire as __meshtopRequire} from 'node:module';const require=__meshtopRequire(import.meta.url);"},
	logLevel: 'warning',
	metafile: process.env.MESHTOP_BUNDLE_META === '1',
});

if (result.metafile !== undefined) {
	// MESHTOP_BUNDLE_META=1: what each chunk holds, for start-up work (esbuild's analyzer reads it).
	await writeFile(new URL('../dist/bundle/meta.json', import.meta.url), JSON.stringify(result.metafile));
}

await writeFile(entry, launcher);
await chmod(entry, 0o755);
// tsc's map describes the unbundled file; left next to the bundle it would mislead a debugger.
await rm(new URL('../dist/cli.js.map', import.meta.url), {force: true});
