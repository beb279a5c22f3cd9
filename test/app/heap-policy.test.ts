import assert from 'node:assert/strict';
import {execFile} from 'node:child_process';
import {test} from 'node:test';
import {promisify} from 'node:util';
import {applyConsoleHeapPolicy, consoleHeapFlags} from '../../source/app/heap-policy.js';

const policyModule = new URL('../../source/app/heap-policy.js', import.meta.url).href;

/**
 * The young generation's size (MB) in a fresh Node process after churning short-lived garbage at a high rate while a
 * little stays alive (like the console's refreshes), with or without the console's policy applied first.
 */
async function youngGenerationAfterChurn(withPolicy: boolean): Promise<number> {
	const script = `
		import v8 from 'node:v8';
		${withPolicy ? `(await import(${JSON.stringify(policyModule)})).applyConsoleHeapPolicy();` : ''}
		const kept = [];
		for (let round = 0; round < 1500; round++) {
			const batch = [];
			for (let index = 0; index < 2000; index++) batch.push({index, text: 'row ' + index});
			kept.push(batch);
			if (kept.length > 10) kept.shift();
		}
		const young = v8.getHeapSpaceStatistics().find(space => space.space_name === 'new_space');
		process.stdout.write(String(young.space_size / 1048576));
	`;
	const {stdout} = await promisify(execFile)(process.execPath, ['--input-type=module', '--eval', script], {encoding: 'utf8'});
	return Number(stdout);
}

test('with the console\'s policy the young generation stays at its initial size under churn; without, V8 grows it', async () => {
	const without = await youngGenerationAfterChurn(false);
	const withPolicy = await youngGenerationAfterChurn(true);
	assert.ok(withPolicy <= 8, `young generation ${withPolicy} MB with the policy`);
	// If V8 stopped growing it by default, this test would no longer show the policy does anything.
	assert.ok(without >= 4 * withPolicy, `young generation ${without} MB without the policy, ${withPolicy} MB with it`);
});

test('the policy sets each of its flags once', () => {
	const set: string[] = [];
	applyConsoleHeapPolicy(flag => set.push(flag));
	assert.deepEqual(set, [...consoleHeapFlags]);
});
