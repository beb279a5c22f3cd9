// An esbuild plugin for scripts/bundle.mjs: undici's package index without the parts meshtop never reaches.
import {readFile} from 'node:fs/promises';
import {createRequire} from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);

/** Where the installed undici lives, and the modules of it the slim entry takes. */
const undiciDirectory = path.dirname(require.resolve('undici/package.json'));
const parts = {
	agent: path.join(undiciDirectory, 'lib/dispatcher/agent.js'),
	proxyAgent: path.join(undiciDirectory, 'lib/dispatcher/proxy-agent.js'),
	fetch: path.join(undiciDirectory, 'lib/web/fetch/index.js'),
	dispatcher: path.join(undiciDirectory, 'lib/dispatcher/dispatcher.js'),
	api: path.join(undiciDirectory, 'lib/api/index.js'),
	global: path.join(undiciDirectory, 'lib/global.js'),
	util: path.join(undiciDirectory, 'lib/core/util.js'),
};

/**
 * client-node (KubeConfig's Agent and ProxyAgent, its fetch for REST calls and watches) and meshtop (its Prometheus
 * and Envoy-stats reads) import undici's package index, which evaluates every part of undici on load: mock agents, the
 * cache interceptors and their SQLite store, WebSocket, EventSource, HTTP/2, the retry and SOCKS agents. That was about
 * half of undici's cost on every start (about 80 of 170 ms of CPU, measured without the compile cache), paid by each
 * one-shot `set` and `status`. In the bundle, `undici` resolves to an entry that exports only what is imported; a new
 * import of another name fails the build ("No matching export"), so nothing can silently come back undefined.
 */
export const slimUndici = {
	name: 'slim-undici',
	setup(bundler) {
		bundler.onResolve({filter: /^undici$/}, () => ({path: 'undici-slim-entry', namespace: 'meshtop-slim-undici'}));
		bundler.onLoad({filter: /^undici-slim-entry$/, namespace: 'meshtop-slim-undici'}, async () => {
			// The index wraps fetch to add the caller's stack to errors; the entry keeps that, in one line.
			const index = await readFile(path.join(undiciDirectory, 'index.js'), 'utf8');
			// Its one side effect the agents need: request/connect/stream… on every dispatcher (ProxyAgent opens its CONNECT
			// tunnel with the client's connect()).
			for (const line of ["const fetchImpl = require('./lib/web/fetch').fetch", 'Object.assign(Dispatcher.prototype, api)']) {
				if (!index.includes(line)) {
					throw new Error(`undici's index.js no longer has "${line}"; update ${new URL(import.meta.url).pathname}`);
				}
			}

			return {
				contents: [
					`import Agent from ${JSON.stringify(parts.agent)};`,
					`import ProxyAgent from ${JSON.stringify(parts.proxyAgent)};`,
					`import Dispatcher from ${JSON.stringify(parts.dispatcher)};`,
					`import * as api from ${JSON.stringify(parts.api)};`,
					'Object.assign(Dispatcher.prototype, api);',
					`import {getGlobalDispatcher} from ${JSON.stringify(parts.global)};`,
					`import {parseURL} from ${JSON.stringify(parts.util)};`,
					// The index's request(url, options): undici's request API called on the options' dispatcher (else the
					// global one), which needs only its dispatch() (meshtop's shared transports are such dispatchers).
					'export function request(url, options = {}) {',
					'\tconst target = parseURL(url);',
					'\tconst {dispatcher = getGlobalDispatcher(), ...rest} = options;',
					"\treturn api.request.call(dispatcher, {...rest, origin: target.origin, path: `${target.pathname}${target.search}`, method: options.method ?? (options.body ? 'PUT' : 'GET')});",
					'}',
					'export {Agent, ProxyAgent};',
					// fetch (with the WHATWG streams, Request and Response under it) is evaluated on its first call: a
					// one-shot `set` makes none (the Kubernetes calls go through request()).
					'let fetchImpl;',
					'export function fetch(init, options = undefined) {',
					`\tfetchImpl ??= require(${JSON.stringify(parts.fetch)}).fetch;`,
					'\treturn fetchImpl(init, options).catch(error => {',
					"\t\tif (error && typeof error === 'object') Error.captureStackTrace(error, fetch);",
					'\t\tthrow error;',
					'\t});',
					'}',
				].join('\n'),
				loader: 'js',
				resolveDir: undiciDirectory,
			};
		});
	},
};
