/**
 * `npm run testbed` as a user runs it: a ready line, a kubeconfig the real kubectl can use, and nothing left behind
 * (processes, the temp directory, the files it wrote) after SIGTERM, or after its parent dies without a word.
 */
import assert from 'node:assert/strict';
import {execFile, spawn} from 'node:child_process';
import {existsSync, readFileSync} from 'node:fs';
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {after, before, describe, it} from 'node:test';
import {promisify} from 'node:util';
import {backends} from '../helpers/cluster-fixture.js';
import {alive, descendants} from '../helpers/processes.js';
import {waitFor} from '../helpers/wait-for.js';

const run = promisify(execFile);
const main = path.resolve(path.dirname(new URL(import.meta.url).pathname), 'main.js');
const testbed = backends.find(backend => backend.name === 'testbed')!;

/** The temp directory of the test bed whose processes these are (named in their command lines). */
function directoryOf(processes: readonly number[]): string | undefined {
	for (const pid of processes) {
		const match = /(\/[^\0]*?\/meshtop-testbed-[A-Za-z\d]+)\//.exec(readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
		if (match !== null) {
			return match[1];
		}
	}

	return undefined;
}

describe('npm run testbed: ready line, a working kubeconfig, nothing left behind', {skip: testbed.skip, timeout: 240_000}, () => {
	let directory: string;
	before(async () => {
		directory = await mkdtemp(path.join(tmpdir(), 'meshtop-lifecycle-'));
	});
	after(async () => {
		await rm(directory, {recursive: true, force: true});
	});

	/** Starts main.js under `sh` (its parent), waits for the ready line; returns the pids and the kubeconfig. */
	async function start(name: string): Promise<{shell: number; testbed: number; kubeconfig: string; kubectl: string; processes: number[]; directory: string}> {
		const kubeconfig = path.join(directory, `${name}.yaml`);
		// The shell stays the test bed's parent until it is killed; the test bed's output goes to a file.
		const shell = spawn('/bin/sh', ['-c', `"$0" "$1" --kubeconfig-out "$2" --prometheus 2 >"$3" 2>&1 & wait`, process.execPath, main, kubeconfig, path.join(directory, `${name}.log`)], {stdio: 'ignore', detached: true});
		shell.unref();
		const ready = await waitFor(() => {
			const text = existsSync(path.join(directory, `${name}.log`)) ? readFileSync(path.join(directory, `${name}.log`), 'utf8') : '';
			if (/failed to start/.test(text)) {
				throw new Error(text);
			}

			return /^testbed ready: .* kubectl (\S+)$/m.exec(text) ?? undefined;
		}, {timeout: 120_000, interval: 250, message: 'the ready line'});
		const [child] = descendants(shell.pid!);
		assert.ok(child !== undefined, 'the test bed runs under the shell');
		const processes = descendants(child);
		const own = directoryOf(processes);
		assert.ok(own !== undefined && existsSync(own), 'its processes work in a temp directory of its own');
		return {shell: shell.pid!, testbed: child, kubeconfig, kubectl: ready[1]!, processes, directory: own};
	}

	async function assertNothingLeft(started: Awaited<ReturnType<typeof start>>): Promise<void> {
		await waitFor(() => !alive(started.testbed) && started.processes.every(pid => !alive(pid)), {timeout: 30_000, interval: 250, message: 'every process of the test bed gone'});
		assert.equal(existsSync(started.directory), false, 'its temp directory is removed');
		assert.equal(existsSync(started.kubeconfig), false, 'the kubeconfig it wrote is removed');
	}

	it('SIGTERM: the real kubectl saw Running pods and the real server version first; then every process and file is gone', async () => {
		const started = await start('term');
		assert.ok(started.processes.length >= 7, `etcd, kube-apiserver, controllers, kwok and Prometheus run (${started.processes.length} processes)`);
		const version = JSON.parse((await run(started.kubectl, ['--kubeconfig', started.kubeconfig, 'version', '-o', 'json'])).stdout) as {serverVersion: {gitVersion: string}};
		assert.match(version.serverVersion.gitVersion, /^v1\.36\.\d+$/);
		const pods = (await run(started.kubectl, ['--kubeconfig', started.kubeconfig, 'get', 'pods', '-A', '--no-headers'])).stdout.trim().split('\n');
		assert.ok(pods.length >= 7 && pods.every(line => /\sRunning\s/.test(line)), pods.join('\n'));
		process.kill(started.testbed, 'SIGTERM');
		await assertNothingLeft(started);
	});

	it('its parent killed (SIGKILL): the test bed notices and stops everything', async () => {
		const started = await start('orphan');
		process.kill(started.shell, 'SIGKILL');
		await assertNothingLeft(started);
	});
});
