// An esbuild plugin for scripts/bundle.mjs: client-node's transport and auth libraries, evaluated on first use.
import {readFile} from 'node:fs/promises';

/**
 * Packages that client-node's config.js (and meshtop's console) import at the top but that a one-shot command never
 * uses: undici (client-node's dispatchers and fetch; meshtop's REST calls go through Node's http), the SOCKS and
 * HTTP proxy agents (only with a `proxy-url`). Evaluating them was about 90 ms of every `meshtop set` and `status`
 * (undici alone about 60). In the bundle, each import of them gets a facade whose every export stands in for the
 * real one (`new`, calls and static members are forwarded) and loads the package on its first use. The names are
 * fixed here: an import of another name fails the build ("No matching export").
 */
const facades = {
	undici: ['Agent', 'ProxyAgent', 'fetch', 'request'],
	socks: ['SocksClient'],
	'socks-proxy-agent': ['SocksProxyAgent'],
	hpagent: ['HttpProxyAgent', 'HttpsProxyAgent'],
};

/**
 * Namespace imports (`import * as oidc from 'openid-client'`) in client-node's files, for auth providers meshtop's
 * users may not have (OIDC, the Azure and GCP auth helpers): the exact line is replaced by an object that loads the
 * package on its first property read (`oidc.customFetch` is a symbol, so a facade of stand-ins would not do). A
 * client-node whose line differs fails the build.
 */
const namespaceImports = [
	{file: /\/@kubernetes\/client-node\/dist\/oidc_auth\.js$/, line: "import * as oidc from 'openid-client';"},
	{file: /\/@kubernetes\/client-node\/dist\/azure_auth\.js$/, line: "import * as jsonpath from 'jsonpath-plus';"},
	{file: /\/@kubernetes\/client-node\/dist\/gcp_auth\.js$/, line: "import * as jsonpath from 'jsonpath-plus';"},
];

const facadeNamespace = 'meshtop-lazy-package';

/** The source of the facade of `name`: one stand-in per export, all loading the package together. */
function facadeSource(name) {
	return [
		'let loaded;',
		`const load = () => (loaded ??= require(${JSON.stringify(name)}));`,
		'const standIn = exportName => new Proxy(function () {}, {',
		'\tconstruct: (_target, args) => Reflect.construct(load()[exportName], args),',
		'\tapply: (_target, self, args) => Reflect.apply(load()[exportName], self, args),',
		'\tget(_target, key) {',
		'\t\tconst real = load()[exportName];',
		'\t\tconst value = Reflect.get(real, key);',
		"\t\treturn typeof value === 'function' && key !== 'prototype' ? value.bind(real) : value;",
		'\t},',
		'});',
		...facades[name].map(exportName => `export const ${exportName} = standIn(${JSON.stringify(exportName)});`),
	].join('\n');
}

/** See {@link facades} and {@link namespaceImports}. */
export const lazyPackages = {
	name: 'lazy-packages',
	setup(bundler) {
		const filter = new RegExp(`^(${Object.keys(facades).join('|')})$`);
		bundler.onResolve({filter}, args => args.namespace === facadeNamespace
			// The facade's own require: the real package (undici's slim entry, see bundle-slim-undici.mjs).
			? undefined
			: {path: args.path, namespace: facadeNamespace, pluginData: {resolveDir: args.resolveDir}});
		bundler.onLoad({filter: /.*/, namespace: facadeNamespace}, args => ({contents: facadeSource(args.path), loader: 'js', resolveDir: args.pluginData.resolveDir}));

		for (const {file, line} of namespaceImports) {
			bundler.onLoad({filter: file}, async args => {
				const source = await readFile(args.path, 'utf8');
				if (!source.includes(line)) {
					throw new Error(`${args.path} no longer has "${line}"; update ${new URL(import.meta.url).pathname}`);
				}

				const [, binding, specifier] = /^import \* as (\w+) from '([^']+)';$/.exec(line);
				return {contents: source.replace(line, `const ${binding} = new Proxy({}, {get: (_target, key) => require(${JSON.stringify(specifier)})[key]});`), loader: 'js'};
			});
		}
	},
};

/**
 * Fails the build if a lazily loaded package is still imported statically somewhere (a new client-node file, a
 * resolution these plugins did not catch): the cost would silently come back.
 */
export function checkLazyPackages(metafile) {
	const lazyInputs = /\/node_modules\/(undici|socks|socks-proxy-agent|hpagent|openid-client|jsonpath-plus)\/|^meshtop-slim-undici:/;
	const eager = Object.entries(metafile.inputs).flatMap(([importer, input]) => input.imports
		.filter(imported => lazyInputs.test(imported.path) && !lazyInputs.test(importer) && imported.kind !== 'require-call' && imported.kind !== 'dynamic-import')
		.map(imported => `${importer} -> ${imported.path} (${imported.kind})`));
	if (eager.length > 0) {
		throw new Error(`scripts/bundle.mjs: packages meant to load on first use are imported eagerly:\n${eager.join('\n')}`);
	}
}
