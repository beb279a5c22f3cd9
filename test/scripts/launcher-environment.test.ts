/**
 * dist/cli.js run as a program, as the bins, npx and kubectl run it: its shell line starts Node with glibc malloc's
 * settings (source/app/heap-policy.ts), and the CLI removes them again before it starts anything, so a kubeconfig exec
 * plugin gets the user's environment. A setting the user made is theirs: kept for meshtop and for its children.
 */
import assert from 'node:assert/strict';
import {execFile} from 'node:child_process';
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {after, before, test} from 'node:test';
import {withThisNode} from '../helpers/this-node.js';
import {forgetLauncherEnvironment, launcherAddedVariable, mallocEnvironment, nodeStartFlags} from '../../source/app/heap-policy.js';

const cliPath = fileURLToPath(new URL('../../cli.js', import.meta.url));
let directory: string;

before(async () => {
	directory = await mkdtemp(path.join(os.tmpdir(), 'meshtop-launcher-env-'));
});

after(async () => {
	await rm(directory, {recursive: true, force: true});
});

/** Environment entries (NAME=value) of a NUL-separated /proc environ or an `env -0` dump. */
function entries(text: string): Map<string, string> {
	return new Map(text.split('\0').filter(Boolean).map(entry => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]));
}

/**
 * Runs dist/cli.js itself (not `node dist/cli.js`) for a `status` whose kubeconfig user is an exec plugin that dumps
 * its environment and refuses; returns meshtop's environment as Node started with it and the plugin's.
 */
async function runAsProgram(name: string, extraEnv: Record<string, string>): Promise<{meshtop: Map<string, string>; plugin: Map<string, string>; youngBytes: number}> {
	const pluginDump = path.join(directory, `${name}-plugin.env`);
	const startDump = path.join(directory, `${name}-start.env`);
	const youngDump = path.join(directory, `${name}-young.txt`);
	const preload = path.join(directory, `${name}-preload.cjs`);
	await writeFile(preload, [
		`const fs = require('node:fs'); fs.writeFileSync(${JSON.stringify(startDump)}, fs.readFileSync('/proc/self/environ'));`,
		`fs.writeFileSync(${JSON.stringify(youngDump)}, String(require('node:v8').getHeapSpaceStatistics().find(space => space.space_name === 'new_space').space_size));`,
	].join('\n'));
	const kubeconfig = path.join(directory, `${name}.yaml`);
	await writeFile(kubeconfig, [
		'apiVersion: v1', 'kind: Config', 'current-context: c',
		'clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]',
		'contexts: [{name: c, context: {cluster: c, user: u, namespace: bookinfo}}]',
		`users: [{name: u, user: {exec: {apiVersion: client.authentication.k8s.io/v1, command: /bin/sh, args: ["-c", "env -0 > ${pluginDump}; exit 1"], interactiveMode: Never}}}]`,
	].join('\n'));
	// The pinned Node first on PATH, as npm puts it for its scripts; the setting only from extraEnv.
	const env = withThisNode({...process.env, NODE_OPTIONS: `--require ${preload}`});
	for (const name of Object.keys(mallocEnvironment)) {
		Reflect.deleteProperty(env, name);
	}

	Object.assign(env, extraEnv);
	const exit = await new Promise<number | null>(resolve => {
		const child = execFile(cliPath, ['status', 'reviews', '--kubeconfig', kubeconfig, '--json', '--no-live', '--prometheus-url', 'http://127.0.0.1:1'], {env, timeout: 30_000});
		child.on('exit', code => resolve(code));
	});
	assert.notEqual(exit, 0, 'the refused credential fails the status');
	return {meshtop: entries(await readFile(startDump, 'utf8')), plugin: entries(await readFile(pluginDump, 'utf8')), youngBytes: Number(await readFile(youngDump, 'utf8'))};
}

test('run as a program, meshtop starts with malloc\'s settings and V8\'s young generation size; its exec plugin does not inherit them', async () => {
	const {meshtop, plugin, youngBytes} = await runAsProgram('default', {});
	const semiSpaceMb = Number(/--min-semi-space-size=(\d+)/.exec(nodeStartFlags.join(' '))?.[1]);
	assert.ok(semiSpaceMb > 1, 'the launcher sets a young generation larger than V8\'s 1 MB');
	assert.equal(youngBytes, semiSpaceMb * 1024 * 1024, 'Node started with the launcher\'s young generation');
	for (const [name, value] of Object.entries(mallocEnvironment)) {
		assert.equal(meshtop.get(name), value, `Node started with ${name}`);
		assert.equal(plugin.has(name), false, `the exec plugin has the user's environment: no ${name}`);
	}

	assert.equal(plugin.has(launcherAddedVariable), false, 'nor the launcher\'s note');
	assert.equal(plugin.get('PATH'), meshtop.get('PATH'), 'the rest of the environment is passed on');
});

test('a MALLOC_ARENA_MAX the user set is kept, for meshtop and its children; the other settings are still added', async () => {
	const {meshtop, plugin} = await runAsProgram('user', {MALLOC_ARENA_MAX: '4'});
	assert.equal(meshtop.get('MALLOC_ARENA_MAX'), '4');
	assert.equal(plugin.get('MALLOC_ARENA_MAX'), '4');
	assert.equal(meshtop.get('MALLOC_MMAP_THRESHOLD_'), mallocEnvironment.MALLOC_MMAP_THRESHOLD_);
	assert.equal(plugin.has('MALLOC_MMAP_THRESHOLD_'), false);
});

test('forgetLauncherEnvironment removes only the malloc settings the launcher names, and its note', () => {
	const env: Record<string, string | undefined> = {MALLOC_ARENA_MAX: '1', [launcherAddedVariable]: ' MALLOC_ARENA_MAX PATH', PATH: '/bin', HOME: '/root'};
	forgetLauncherEnvironment(env);
	assert.deepEqual(env, {PATH: '/bin', HOME: '/root'});
	const userSet: Record<string, string | undefined> = {MALLOC_ARENA_MAX: '4', [launcherAddedVariable]: ''};
	forgetLauncherEnvironment(userSet);
	assert.deepEqual(userSet, {MALLOC_ARENA_MAX: '4'});
});
