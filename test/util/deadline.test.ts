import assert from 'node:assert/strict';
import {getEventListeners} from 'node:events';
import {setTimeout as sleep} from 'node:timers/promises';
import {test} from 'node:test';
import {startDeadline, withDeadline} from '../../source/util/deadline.js';

test('a deadline not ended in time aborts with a TimeoutError, as AbortSignal.timeout does', async () => {
	const deadline = startDeadline(10);
	await sleep(40);
	assert.equal(deadline.signal.aborted, true);
	assert.equal((deadline.signal.reason as Error).name, 'TimeoutError');
	deadline.done();
});

test('a deadline ended in time never aborts, and lets go of its parent', async () => {
	const parent = new AbortController();
	const deadline = startDeadline(10, parent.signal);
	assert.equal(getEventListeners(parent.signal, 'abort').length, 1);
	deadline.done();
	assert.equal(getEventListeners(parent.signal, 'abort').length, 0);
	await sleep(40);
	parent.abort(new Error('stopped'));
	assert.equal(deadline.signal.aborted, false);
});

test('the parent aborting aborts the request with the parent\'s reason, also when it already had', () => {
	const parent = new AbortController();
	const deadline = startDeadline(10_000, parent.signal);
	const reason = new Error('console stopped');
	parent.abort(reason);
	assert.equal(deadline.signal.reason, reason);
	deadline.done();
	const late = startDeadline(10_000, parent.signal);
	assert.equal(late.signal.reason, reason);
	late.done();
	assert.equal(getEventListeners(parent.signal, 'abort').length, 0);
});

test('withDeadline ends the deadline when the request settles, resolved or rejected', async () => {
	const parent = new AbortController();
	let seen: AbortSignal | undefined;
	assert.equal(await withDeadline(10, parent.signal, async signal => {
		seen = signal;
		return 'answer';
	}), 'answer');
	await assert.rejects(withDeadline(10, parent.signal, async () => {
		throw new Error('refused');
	}), /refused/);
	assert.equal(getEventListeners(parent.signal, 'abort').length, 0);
	await sleep(40);
	assert.equal(seen?.aborted, false);
});
