import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {existsSync, mkdtempSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {describe, test} from 'node:test';
import {alive, descendants} from '../helpers/processes.js';
import {waitFor} from '../helpers/wait-for.js';

const lifelineModule = fileURLToPath(new URL('../../source/sim/lifeline.js', import.meta.url));

/**
 * Starts a parent process that starts `command` detached, tied to it by a lifeline with `options`, and idles;
 * resolves with the parent, the child's pid and every process the parent started (the child and the watcher).
 */
async function parentWithChild(command: readonly string[], options: {graceMs?: number; directory?: string}) {
	const script = `
		const {spawn} = await import('node:child_process');
		const {lifeline} = await import(${JSON.stringify(lifelineModule)});
		const child = spawn(${JSON.stringify(command[0])}, ${JSON.stringify(command.slice(1))}, {detached: true, stdio: 'ignore'});
		lifeline(child.pid, ${JSON.stringify(options)});
		console.log(child.pid);
		setInterval(() => {}, 1000);
	`;
	const parent = spawn(process.execPath, ['--input-type=module', '-e', script], {stdio: ['ignore', 'pipe', 'inherit']});
	let output = '';
	parent.stdout.on('data', (chunk: Buffer) => {
		output += chunk.toString();
	});
	const child = await waitFor(() => /^\d+\n/.test(output) ? Number(output.trim()) : undefined, {timeout: 10_000, message: 'the child pid'});
	const family = await waitFor(() => {
		const found = descendants(parent.pid!);
		return found.length >= 2 ? found : undefined;
	}, {timeout: 5000, message: 'the watcher'});
	assert.ok(family.includes(child));
	return {parent, child, family};
}

describe('lifeline: a detached child dies with its parent, however the parent dies', () => {
	test('SIGKILL of the parent: the child gets TERM, the watcher leaves once it is gone (not after the grace) and removes the child\'s directory', async () => {
		const directory = mkdtempSync(path.join(tmpdir(), 'meshtop-lifeline-'));
		writeFileSync(path.join(directory, 'data'), 'x');
		// A 60 s grace: a watcher that waited it out (instead of leaving once the child is gone) would fail the wait.
		const {parent, family} = await parentWithChild(['sleep', '60'], {directory, graceMs: 60_000});
		parent.kill('SIGKILL');
		await waitFor(() => family.every(pid => !alive(pid)) && !existsSync(directory), {timeout: 20_000, interval: 50, message: `child and watcher gone, directory removed: ${family.filter(pid => alive(pid)).join(', ')}`});
	});

	test('without a child, only the directory: removed after the owner\'s death, kept while it lives', async () => {
		const directory = mkdtempSync(path.join(tmpdir(), 'meshtop-lifeline-'));
		const script = `
			const {lifeline} = await import(${JSON.stringify(lifelineModule)});
			lifeline(undefined, ${JSON.stringify({directory, graceMs: 100})});
			console.log('tied');
			setInterval(() => {}, 1000);
		`;
		const parent = spawn(process.execPath, ['--input-type=module', '-e', script], {stdio: ['ignore', 'pipe', 'inherit']});
		let output = '';
		parent.stdout.on('data', (chunk: Buffer) => {
			output += chunk.toString();
		});
		await waitFor(() => output.includes('tied'), {timeout: 10_000, message: 'the tie'});
		await new Promise(resolve => setTimeout(resolve, 300));
		assert.ok(existsSync(directory), 'kept while the owner lives');
		parent.kill('SIGKILL');
		await waitFor(() => !existsSync(directory), {timeout: 10_000, interval: 50, message: 'the directory removed'});
	});

	test('a child that ignores TERM is killed after the grace', async () => {
		const stubborn = [process.execPath, '-e', 'process.on("SIGTERM", () => {}); setInterval(() => {}, 1000)'];
		const {parent, child, family} = await parentWithChild(stubborn, {graceMs: 500});
		// Let the stubborn child install its handler before the parent dies.
		await new Promise(resolve => setTimeout(resolve, 500));
		const start = Date.now();
		parent.kill('SIGKILL');
		await waitFor(() => family.every(pid => !alive(pid)), {timeout: 5000, interval: 50, message: 'the stubborn child killed'});
		const gone = Date.now() - start;
		assert.ok(gone >= 400, `the child outlived TERM until the grace ended (${gone} ms)`);
		assert.ok(!alive(child));
	});
});
