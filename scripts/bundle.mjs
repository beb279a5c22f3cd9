// Bundles tsc's output (dist/cli.js and everything it imports) into one minified ES module, dist/meshtop.js, and
// replaces dist/cli.js (the file users, `npm start`, the bins and the tests run) with a launcher of it. Why: unbundled, Node resolves and compiles several
// hundred files before the first frame, and @kubernetes/client-node's index evaluates ~900 generated model modules;
// in one file with lazy command imports (esbuild wraps dynamically imported modules in init functions), only what a
// command reaches is evaluated. The rest of dist/ (tsc's per-file output) stays for the tests and the bench.
import {chmod, readFile, rm, writeFile} from 'node:fs/promises';
import path from 'node:path';
import {build} from 'esbuild';
import {builtinFacades} from './bundle-builtin-facades.mjs';
import {framePlugins} from './bundle-frame-plugins.mjs';
import {bundleBenchFrames} from './bundle-bench.mjs';
import {nodeModuleBundle} from './bundle-options.mjs';
import {launcherSource} from './bundle-launcher.mjs';
import {checkLazyPackages, lazyPackages} from './bundle-lazy-packages.mjs';
import {slimUndici} from './bundle-slim-undici.mjs';

/**
 * client-node's portforward.js imports the generated CoreV1Api and AppsV1Api for its portForwardService and
 * portForwardDeployment helpers; meshtop calls only portForward(namespace, pod, …), which needs neither. Those two
 * classes deserialise through an ObjectSerializer that references every generated model (about 1.2 MB of
 * JavaScript to evaluate): in the bundle, portforward.js gets classes that say so instead. Any other importer of the
 * generated index (KubeConfig uses createConfiguration) keeps the real module, tree-shaken.
 */
const noGeneratedApisInPortForward = {
	name: 'no-generated-apis-in-port-forward',
	setup(bundler) {
		bundler.onResolve({filter: /^\.\/gen\/index\.js$/}, args => args.importer.endsWith('/@kubernetes/client-node/dist/portforward.js')
			? {path: 'port-forward-generated-apis', namespace: 'meshtop-stub'}
			: undefined);
		bundler.onLoad({filter: /^port-forward-generated-apis$/, namespace: 'meshtop-stub'}, () => ({
			contents: [
				'class Unused { constructor() { throw new Error("meshtop\'s bundle leaves out client-node\'s generated API classes: PortForward.portForward(namespace, pod, …) only"); } }',
				'export class CoreV1Api extends Unused {}',
				'export class AppsV1Api extends Unused {}',
			].join('\n'),
			loader: 'js',
		}));
	},
};

/**
 * client-node's generated models end each class with assignments to it (`V1Pod.discriminator = undefined;`), which
 * esbuild must assume have side effects, so all 759 of them (about 340 kB minified) would be evaluated at start
 * whether used or not. They only set fields of their own class: marked side-effect free, unused ones drop out.
 */
const generatedModelsAreSideEffectFree = {
	name: 'generated-models-are-side-effect-free',
	setup(bundler) {
		bundler.onResolve({filter: /^\.{1,2}\/.*\.js$/}, args => {
			const file = path.join(path.dirname(args.importer), args.path);
			return /\/@kubernetes\/client-node\/dist\/gen\/(models|apis|types)\//.test(file) ? {path: file, sideEffects: false} : undefined;
		});
	},
};

/**
 * meow's bundled dependencies normalise package.json with normalize-package-data, loaded eagerly at import: its
 * SPDX licence tables are built and sorted on every start (about 40 ms of CPU), for `cli.pkg`, which meshtop never
 * reads. In the bundle that module loads on its first call instead. The exact lines are checked, so a meow that
 * changes them fails the build rather than silently keeping the cost.
 */
const lazyPackageNormaliser = {
	name: 'lazy-package-normaliser',
	setup(bundler) {
		bundler.onLoad({filter: /\/node_modules\/meow\/build\/dependencies\.js$/}, async args => {
			const eager = 'var normalizeExports = requireNormalize();\nconst normalizePackageData = getDefaultExportFromCjs(normalizeExports);';
			const source = await readFile(args.path, 'utf8');
			if (!source.includes(eager)) {
				throw new Error(`meow's ${args.path} no longer has the lines lazyPackageNormaliser rewrites; update scripts/bundle.mjs`);
			}

			return {contents: source.replace(eager, 'const normalizePackageData = (...parameters) => getDefaultExportFromCjs(requireNormalize())(...parameters);'), loader: 'js'};
		});
	},
};

/** What meow needs of package.json (--version, --help), put into the bundle so that start-up reads no file for it. */
const packageJson = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8'));
const packageInfo = {name: packageJson.name, version: packageJson.version, description: packageJson.description};

const entry = new URL('../dist/cli.js', import.meta.url).pathname;

/**
 * What the bundle's code sees as constants: the package's name and version, and React's build. React and its
 * reconciler pick their build by NODE_ENV at run time, which cli.tsx defaults to production, so the bundle carried
 * both: the Ink chunk was 738 kB, 282 kB of it development code parsed at every start and never run (unless a
 * user's shell exported NODE_ENV=development, which then slowed every frame). Defined here, only the production
 * build is bundled.
 */
const define = {MESHTOP_PACKAGE: JSON.stringify(packageInfo), 'process.env.NODE_ENV': JSON.stringify('production')};

// dist/cli.js is replaced by the launcher below: a second run without tsc in between would bundle the launcher.
if ((await readFile(entry, 'utf8')).includes('Written by scripts/bundle.mjs')) {
	console.error('scripts/bundle.mjs: dist/cli.js is already the launcher; run tsc first (npm run build does both)');
	process.exit(1);
}

// Chunk names change with their content: stale ones from an earlier build would pile up.
await rm(new URL('../dist/bundle/', import.meta.url), {recursive: true, force: true});
// Each lazily imported command is its own chunk with its own imports (nodeModuleBundle splits): a module's
// `import … from 'node:…'` is hoisted to its chunk, so `meshtop set` does not link node:http2 for Ink, nor the
// console client-node's built-ins.
const result = await build({
	...nodeModuleBundle,
	entryPoints: [entry],
	outdir: new URL('../dist/bundle/', import.meta.url).pathname,
	entryNames: 'meshtop',
	// MESHTOP_BUNDLE_MINIFY=0 keeps names, for reading CPU profiles (`node --cpu-prof`) of start-up.
	minify: process.env.MESHTOP_BUNDLE_MINIFY !== '0',
	legalComments: 'eof',
	plugins: [...framePlugins, noGeneratedApisInPortForward, generatedModelsAreSideEffectFree, lazyPackageNormaliser, lazyPackages, slimUndici, builtinFacades],
	define,
	metafile: true,
});

// The wrapper must be string-width's only importer: a dependency reaching it another way (a new specifier, a nested
// copy) would measure every frame's strings again, silently.
const widthImporters = Object.entries(result.metafile.inputs)
	.filter(([, input]) => input.imports.some(imported => /\/string-width\/index\.js$/.test(imported.path)))
	.map(([file]) => file);
if (widthImporters.length !== 1 || !widthImporters[0].endsWith('source/ui/text-width.js')) {
	throw new Error(`scripts/bundle.mjs: string-width is imported by ${widthImporters.join(', ')}, not only by source/ui/text-width.js`);
}

checkLazyPackages(result.metafile);

if (process.env.MESHTOP_BUNDLE_META === '1') {
	// MESHTOP_BUNDLE_META=1: what each chunk holds, for start-up work (esbuild's analyzer reads it).
	await writeFile(new URL('../dist/bundle/meta.json', import.meta.url), JSON.stringify(result.metafile));
}

await bundleBenchFrames(define);

await writeFile(entry, await launcherSource());
await chmod(entry, 0o755);
// tsc's map describes the unbundled file; left next to the bundle it would mislead a debugger.
await rm(new URL('../dist/cli.js.map', import.meta.url), {force: true});
