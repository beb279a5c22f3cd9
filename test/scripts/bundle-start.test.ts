/**
 * What a one-shot command of the bundled CLI loads (scripts/bundle-builtin-facades.mjs, bundle-slim-undici.mjs,
 * bundle-lazy-packages.mjs): a real `meshtop status --json` and `meshtop set` against the simulated cluster answer as
 * before, without Node's own copy of undici (which `import http from 'node:http'` used to load through the facade's
 * WebSocket getter), without evaluating the bundled undici (their REST calls and Prometheus queries go over node:http)
 * or compiling its WebAssembly parser, and the bundle carries only the parts of undici meshtop reaches.
 */
import assert from 'node:assert/strict';
import {execFile} from 'node:child_process';
import {mkdtemp, readdir, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {promisify} from 'node:util';
import {after, before, describe, it} from 'node:test';
import type {StatusReport} from '../../source/commands/status.js';
import {startSimCluster, type SimCluster} from '../../source/sim/cluster.js';

const run = promisify(execFile);
const cliPath = fileURLToPath(new URL('../../cli.js', import.meta.url));
const bundleDirectory = fileURLToPath(new URL('../../bundle/', import.meta.url));

/** Every chunk of the bundle, read and joined. */
async function bundleText(): Promise<string> {
	const chunks = (await readdir(bundleDirectory)).filter(name => name.endsWith('.js'));
	return (await Promise.all(chunks.map(async name => readFile(path.join(bundleDirectory, name), 'utf8')))).join('\n');
}

describe('the bundled CLI\'s one-shot start', {timeout: 60_000}, () => {
	let cluster: SimCluster;
	let directory: string;
	before(async () => {
		cluster = await startSimCluster();
		directory = await mkdtemp(path.join(tmpdir(), 'meshtop-bundle-start-'));
	});
	after(async () => {
		await cluster.stop();
		await rm(directory, {recursive: true, force: true});
	});

	/**
	 * Runs the bundled CLI with a preload that records, at exit, the internal modules loaded, the WebAssembly modules
	 * compiled (undici's HTTP parser is one) and whether any undici was evaluated (undici's global.js registers its
	 * global dispatcher under this symbol as it loads, Node's own copy as well).
	 */
	async function runRecorded(name: string, args: readonly string[]): Promise<{stdout: string; loaded: string[]; wasmCompiled: number; undiciEvaluated: boolean}> {
		const recordFile = path.join(directory, `${name}.json`);
		const preload = path.join(directory, `record-${name}.cjs`);
		await writeFile(preload, [
			'let wasmCompiled = 0;',
			"for (const name of ['compile', 'instantiate', 'compileStreaming', 'instantiateStreaming']) { const real = WebAssembly[name]; WebAssembly[name] = function (...args) { wasmCompiled++; return real.apply(this, args); }; }",
			'const RealModule = WebAssembly.Module; WebAssembly.Module = function (...args) { wasmCompiled++; return new RealModule(...args); };',
			`process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(recordFile)}, JSON.stringify({loaded: process.moduleLoadList, wasmCompiled, undiciEvaluated: globalThis[Symbol.for('undici.globalDispatcher.1')] !== undefined})));`,
		].join('\n'));
		const {stdout} = await run(process.execPath, ['--require', preload, cliPath, ...args], {timeout: 30_000, env: {...process.env, HOME: directory, MESHTOP_HISTORY: path.join(directory, 'history.jsonl')}});
		return {stdout, ...JSON.parse(await readFile(recordFile, 'utf8')) as {loaded: string[]; wasmCompiled: number; undiciEvaluated: boolean}};
	}

	it('status --json answers with metrics without evaluating any undici (bundled or Node\'s own) or compiling WebAssembly', async () => {
		const kubeconfig = path.join(directory, 'kubeconfig.yaml');
		await cluster.writeKubeconfig(kubeconfig);
		const {stdout, loaded, wasmCompiled, undiciEvaluated} = await runRecorded('status', ['status', 'reviews', '-n', 'bookinfo', '--kubeconfig', kubeconfig, '--json', '--no-live', '--prometheus-url', cluster.prometheus.url]);
		const report = JSON.parse(stdout) as StatusReport;
		assert.equal(report.virtualService, 'reviews');
		assert.equal(report.prometheus.error, undefined, 'Prometheus answered');
		assert.ok(report.routes[0]!.destinations.length > 0, 'the route\'s versions');
		assert.ok(loaded.some(name => name === 'NativeModule internal/modules/esm/loader'), 'the record lists the internal modules loaded');
		assert.ok(!loaded.some(name => name.endsWith('internal/deps/undici/undici')), 'Node\'s own undici was not loaded');
		assert.equal(undiciEvaluated, false, 'no undici was evaluated');
		assert.equal(wasmCompiled, 0, 'no WebAssembly compiled');
		assert.ok(!loaded.includes('NativeModule v8'), 'node:v8 (the console\'s heap policy) is not loaded');
	});

	it('set writes without evaluating undici or compiling WebAssembly', async () => {
		const kubeconfig = path.join(directory, 'kubeconfig.yaml');
		await cluster.writeKubeconfig(kubeconfig);
		const {stdout, wasmCompiled, undiciEvaluated} = await runRecorded('set', ['set', 'reviews', '-n', 'bookinfo', '--kubeconfig', kubeconfig, 'v1=70', 'v3=30']);
		assert.match(stdout, /v1 \d+→70, v3 \d+→30/);
		assert.equal(undiciEvaluated, false, 'no undici was evaluated');
		assert.equal(wasmCompiled, 0, 'no WebAssembly compiled');
	});

	it('the bundle carries React\'s production build alone, whatever NODE_ENV the user\'s shell has', async () => {
		const text = await bundleText();
		// Messages only React's development builds carry: the key warning, and the hook-rules error it explains at length.
		for (const development of ['Each child in a list should have a unique', 'Invalid hook call']) {
			assert.ok(!text.includes(development), `React's development build is in the bundle ("${development}")`);
		}
	});

	it('the bundle holds undici\'s agents and fetch, not its mock, cache, retry or HTTP/2 parts', async () => {
		const text = await bundleText();
		assert.match(text, /ProxyAgent/, 'the proxy agent client-node builds for proxy-url');
		for (const absent of ['MockAgent', 'SqliteCacheStore', 'RetryAgent', 'H2CClient']) {
			assert.ok(!text.includes(absent), `${absent} is not in the bundle`);
		}
	});
});
