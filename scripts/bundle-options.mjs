// Part of scripts/bundle.mjs and scripts/bundle-bench.mjs: the esbuild options both bundles share.

/**
 * One ES module for Node with a chunk per dynamic import. CommonJS dependencies bundled into an ES module still call
 * require() for Node's built-ins, hence the banner.
 */
export const nodeModuleBundle = {
	chunkNames: 'chunk-[hash]',
	splitting: true,
	bundle: true,
	platform: 'node',
	format: 'esm',
	target: 'node22',
	banner: {js: "import {createRequire as __meshtopRequire} from 'node:module';const require=__meshtopRequire(import.meta.url);"},
	logLevel: 'warning',
};
