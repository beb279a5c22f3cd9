// An esbuild plugin for scripts/bundle.mjs: Node built-ins whose ES-module facade runs expensive getters.
import {createRequire} from 'node:module';

const require = createRequire(import.meta.url);

/**
 * Getters of built-in modules that load a large part of Node on first read, and what that costs (CPU, 2 cores):
 * `http.WebSocket`, `http.CloseEvent` and `http.MessageEvent` load Node's own copy of undici (about 60 ms);
 * `tls.rootCertificates` parses every certificate of the system's CA bundle (about 5 ms); `fs.promises` and the
 * file streams, `net.BlockList` and `net.SocketAddress` (which load dns), `crypto.webcrypto` and `crypto.subtle`
 * (Web Crypto) are each a few milliseconds that every command paid for nothing (about 5 ms together); `process`'s
 * getters open stdin, build the set of allowed NODE_OPTIONS flags and load the diagnostic report (10–18 ms on every
 * start; `exitCode` is left out too, a copy of it would be stale).
 */
const lazyGetters = {
	http: ['WebSocket', 'CloseEvent', 'MessageEvent'],
	tls: ['rootCertificates'],
	fs: ['promises', 'ReadStream', 'WriteStream', 'FileReadStream', 'FileWriteStream', 'Utf8Stream'],
	net: ['BlockList', 'SocketAddress'],
	crypto: ['webcrypto', 'subtle', 'getRandomValues'],
	process: ['stdin', 'stdout', 'stderr', 'report', 'finalization', 'allowedNodeEnvironmentFlags', 'sourceMapsEnabled', 'exitCode', '_exiting'],
};

/**
 * `import http from 'node:http'` in an ES module makes Node build the module's ESM facade, which reads every export,
 * getters included: each start of meshtop loaded Node's undici and parsed the CA bundle without using either. In the
 * bundle, these built-ins are taken with `require` (the CommonJS object, whose getters stay lazy) and re-exported
 * without those getters; an import of one of them by name fails the build ("No matching export"), and reaching one
 * through the default export still works, lazily.
 */
export const builtinFacades = {
	name: 'builtin-facades',
	setup(bundler) {
		bundler.onResolve({filter: new RegExp(`^(node:)?(${Object.keys(lazyGetters).join('|')})$`)}, args => ({path: args.path.replace(/^node:/, ''), namespace: 'meshtop-builtin-facade'}));
		bundler.onLoad({filter: /.*/, namespace: 'meshtop-builtin-facade'}, args => {
			const name = args.path;
			const skipped = new Set(lazyGetters[name]);
			const names = Object.keys(require(`node:${name}`)).filter(key => !skipped.has(key) && /^[A-Za-z_$][\w$]*$/.test(key));
			return {
				contents: [
					"import {createRequire} from 'node:module';",
					`const builtin = createRequire(import.meta.url)('node:${name}');`,
					'export default builtin;',
					`export const {${names.join(', ')}} = builtin;`,
				].join('\n'),
				loader: 'js',
			};
		});
	},
};
