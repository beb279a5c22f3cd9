/**
 * `meshtop sim` as a process, stopped the ways a terminal or a parent stops it: it still stops its servers and
 * Prometheus and removes its temporary kubeconfig directory, with its output gone (a parent that stopped reading,
 * as execFile's timeout does before its SIGTERM) or on a hang-up (the SSH link dropped).
 */
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {existsSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {test} from 'node:test';

const cliPath = fileURLToPath(new URL('../../cli.js', import.meta.url));

/** Starts `meshtop sim`, waits for its banner; resolves with the process and its temporary kubeconfig directory. */
async function startSim(): Promise<{child: ReturnType<typeof spawn>; directory: string; output: () => string; exited: Promise<{code: number | null; signal: NodeJS.Signals | null}>}> {
	const child = spawn(process.execPath, [cliPath, 'sim'], {stdio: ['pipe', 'pipe', 'pipe']});
	let output = '';
	child.stdout.on('data', (chunk: Buffer) => {
		output += chunk.toString();
	});
	child.stderr.on('data', (chunk: Buffer) => {
		output += chunk.toString();
	});
	const exited = new Promise<{code: number | null; signal: NodeJS.Signals | null}>(resolve => {
		child.on('exit', (code, signal) => {
			resolve({code, signal});
		});
	});
	const deadline = Date.now() + 20_000;
	let match: RegExpExecArray | null = null;
	while (match === null) {
		assert.ok(Date.now() < deadline, `no kubeconfig line in the sim's banner: ${output}`);
		await new Promise(resolve => setTimeout(resolve, 50));
		match = /kubeconfig:\s+(\S+)/.exec(output);
	}

	return {child, directory: path.dirname(match[1]!), output: () => output, exited};
}

test('meshtop sim whose output is closed still stops and removes its kubeconfig directory on SIGTERM', {timeout: 60_000}, async () => {
	const sim = await startSim();
	assert.ok(existsSync(sim.directory), `${sim.directory} exists while the sim runs`);
	// What execFile does on its timeout: destroy the pipes, then SIGTERM.
	sim.child.stdout!.destroy();
	sim.child.stderr!.destroy();
	sim.child.kill('SIGTERM');
	const {code, signal} = await sim.exited;
	assert.deepEqual({code, signal}, {code: 0, signal: null}, 'a clean exit');
	assert.equal(existsSync(sim.directory), false, `${sim.directory} removed`);
});

test('meshtop sim stops cleanly on SIGHUP (the terminal hung up)', {timeout: 60_000}, async () => {
	const sim = await startSim();
	sim.child.kill('SIGHUP');
	const {code, signal} = await sim.exited;
	assert.deepEqual({code, signal}, {code: 0, signal: null}, sim.output());
	assert.match(sim.output(), /meshtop sim: stopped/);
	assert.equal(existsSync(sim.directory), false, `${sim.directory} removed`);
});
