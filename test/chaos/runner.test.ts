/**
 * The chaos runner: rows run in group order, a failing or throwing row is a ✗ with its reason, a row past its time
 * limit is aborted through its signal (and abandoned if it ignores it), every row's directory is removed, and the last
 * line counts the results.
 */
import assert from 'node:assert/strict';
import {existsSync} from 'node:fs';
import {writeFile} from 'node:fs/promises';
import path from 'node:path';
import {test} from 'node:test';
import type {ChaosContext, ChaosRow} from './row.js';
import {runRows} from './runner.js';

function row(name: string, group: ChaosRow['group'], run: (context: ChaosContext) => Promise<{ok: boolean; figure: string; detail?: string}>, extra: Partial<ChaosRow> = {}): ChaosRow {
	return {group, name, short: true, limitSeconds: 5, run, ...extra};
}

test('rows run grouped in order; pass, fail and throw are counted; directories are removed; the last line counts', async () => {
	const lines: string[] = [];
	const dirs: string[] = [];
	const order: string[] = [];
	const keep = async (context: ChaosContext, name: string) => {
		dirs.push(context.dir);
		order.push(name);
		await writeFile(path.join(context.dir, 'left-behind'), 'x');
	};

	const summary = await runRows([
		row('terminal one', 'terminal', async context => {
			await keep(context, 'terminal one');
			return {ok: true, figure: 't'};
		}),
		row('api fails', 'api', async context => {
			await keep(context, 'api fails');
			return {ok: false, figure: '3.1 s', detail: 'edit not on screen'};
		}),
		row('api throws', 'api', async context => {
			await keep(context, 'api throws');
			throw new Error('kube-apiserver did not start');
		}),
		row('writes long', 'writes', async context => {
			await keep(context, 'writes long');
			return {ok: true, figure: 'w'};
		}, {short: false}),
	], {short: true, verbose: false, print: line => lines.push(line)});

	assert.deepEqual(order, ['api fails', 'api throws', 'terminal one'], 'the short form skips long rows; api before terminal');
	assert.deepEqual({passed: summary.passed, failed: summary.failed}, {passed: 1, failed: 2});
	assert.equal(lines.at(-1), '1 passed, 2 failed');
	assert.ok(lines.some(line => /^api +api fails +✗ +3\.1 s/.test(line)), lines.join('\n'));
	assert.ok(lines.some(line => line.includes('edit not on screen')));
	assert.ok(lines.some(line => line.includes('kube-apiserver did not start')));
	assert.ok(lines.some(line => /^terminal +terminal one +✓/.test(line)));
	for (const dir of dirs) {
		assert.equal(existsSync(dir), false, `${dir} removed`);
	}
});

test('a row past its limit gets its signal; one that ignores it is abandoned as failed after the grace period', async () => {
	const lines: string[] = [];
	let sawAbort = false;
	const summary = await runRows([
		row('stops on its signal', 'api', async context => new Promise(resolve => {
			context.signal.addEventListener('abort', () => {
				sawAbort = true;
				resolve({ok: true, figure: 'late'});
			});
		}), {limitSeconds: 0.2}),
		row('ignores its signal', 'api', async () => new Promise(() => undefined), {limitSeconds: 0.2}),
	], {short: false, verbose: false, graceMs: 200, print: line => lines.push(line)});
	assert.equal(sawAbort, true);
	assert.deepEqual({passed: summary.passed, failed: summary.failed}, {passed: 0, failed: 2}, 'a row that returns ok after its limit still failed');
	assert.ok(lines.some(line => line.includes('time limit of 0.2 s reached')), lines.join('\n'));
	assert.ok(lines.some(line => line.includes('did not stop within 0.2 s')), lines.join('\n'));
	assert.equal(lines.at(-1), '0 passed, 2 failed');
});

test('--only selects by group or name; --verbose prints the rows\' progress lines', async () => {
	const lines: string[] = [];
	const summary = await runRows([
		row('kube-apiserver restarted', 'api', async context => {
			context.log('restarting');
			return {ok: true, figure: 'f'};
		}),
		row('Prometheus killed', 'prometheus', async () => ({ok: true, figure: 'f'})),
	], {short: false, only: 'RESTARTED', verbose: true, print: line => lines.push(line)});
	assert.equal(summary.results.length, 1);
	assert.ok(lines.some(line => line.includes('· restarting')));
});

test('rows that share the test bed run after the others of their group, and each learns whether the next one shares it too', async () => {
	const seen: Array<[string, boolean | undefined]> = [];
	const visit = (name: string) => async (context: ChaosContext) => {
		seen.push([name, context.sharedTestbed?.keep]);
		return {ok: true, figure: name};
	};

	await runRows([
		row('api shared 1', 'api', visit('api shared 1'), {sharesTestbed: true}),
		row('api own', 'api', visit('api own')),
		row('api shared 2', 'api', visit('api shared 2'), {sharesTestbed: true}),
		row('terminal own', 'terminal', visit('terminal own')),
		row('writes shared', 'writes', visit('writes shared'), {sharesTestbed: true}),
		row('writes own', 'writes', visit('writes own')),
	], {short: true, verbose: false, print: () => undefined});

	assert.deepEqual(seen, [
		['api own', undefined],
		['api shared 1', true],
		['api shared 2', false],
		['writes own', undefined],
		['writes shared', false],
		['terminal own', undefined],
	]);
});
