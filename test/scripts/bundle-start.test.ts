/**
 * What a one-shot command of the bundled CLI loads (scripts/bundle-builtin-facades.mjs, bundle-slim-undici.mjs): a
 * real `meshtop status --json` against the simulated cluster answers as before, without Node's own copy of undici
 * (which `import http from 'node:http'` used to load through the facade's WebSocket getter), and the bundle carries
 * only the parts of undici meshtop reaches.
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

	it('status --json answers with metrics, and Node\'s internal undici never loads', async () => {
		const kubeconfig = path.join(directory, 'kubeconfig.yaml');
		await cluster.writeKubeconfig(kubeconfig);
		// A preload that writes, at exit, the internal modules this process loaded.
		const loadedFile = path.join(directory, 'loaded.json');
		const preload = path.join(directory, 'record-loads.cjs');
		await writeFile(preload, `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(loadedFile)}, JSON.stringify(process.moduleLoadList)));\n`);
		const {stdout} = await run(process.execPath, ['--require', preload, cliPath, 'status', 'reviews', '-n', 'bookinfo', '--kubeconfig', kubeconfig, '--json', '--no-live', '--prometheus-url', cluster.prometheus.url], {timeout: 30_000, env: {...process.env, HOME: directory}});
		const report = JSON.parse(stdout) as StatusReport;
		assert.equal(report.virtualService, 'reviews');
		assert.equal(report.prometheus.error, undefined, 'Prometheus answered');
		assert.ok(report.routes[0]!.destinations.length > 0, 'the route\'s versions');
		const loaded = JSON.parse(await readFile(loadedFile, 'utf8')) as string[];
		assert.ok(loaded.some(name => name === 'NativeModule internal/modules/esm/loader'), 'the record lists the internal modules loaded');
		assert.ok(!loaded.some(name => name.endsWith('internal/deps/undici/undici')), 'Node\'s own undici was not loaded');
	});

	it('the bundle holds undici\'s agents and fetch, not its mock, cache, retry or HTTP/2 parts', async () => {
		const chunks = (await readdir(bundleDirectory)).filter(name => name.endsWith('.js'));
		const text = (await Promise.all(chunks.map(async name => readFile(path.join(bundleDirectory, name), 'utf8')))).join('\n');
		assert.match(text, /ProxyAgent/, 'the proxy agent client-node builds for proxy-url');
		for (const absent of ['MockAgent', 'SqliteCacheStore', 'RetryAgent', 'H2CClient']) {
			assert.ok(!text.includes(absent), `${absent} is not in the bundle`);
		}
	});
});
