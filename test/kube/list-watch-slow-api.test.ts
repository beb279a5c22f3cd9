/**
 * The list-watch loop against a slow or overloaded API server: it honours a 429's Retry-After (the default backoff
 * would retry after 250 ms, 500 ms, 1 s…), so a throttled console makes no request storm; and it reports a request
 * that waits for its answer, so the header can say the API server is slow.
 */
import assert from 'node:assert/strict';
import {test, type TestContext} from 'node:test';
import {ApiException, KubeConfig} from '@kubernetes/client-node';
import {startListWatch} from '../../source/kube/list-watch.js';

test('a list answered 429 with Retry-After: 1 is retried no sooner than 1 s later, every time', async () => {
	const kc = new KubeConfig();
	kc.loadFromOptions({clusters: [{name: 'c', server: 'http://127.0.0.1:1'}], users: [{name: 'u'}], contexts: [{name: 'x', cluster: 'c', user: 'u'}], currentContext: 'x'});
	const calls: number[] = [];
	const statuses: string[] = [];
	const handle = startListWatch<unknown>({
		kc,
		context: {verb: 'list', resource: 'virtualservices.networking.istio.io', namespace: 'bookinfo'},
		path: async () => '/apis/networking.istio.io/v1/namespaces/bookinfo/virtualservices',
		list: async () => {
			calls.push(performance.now());
			throw new ApiException(429, 'Too Many Requests', JSON.stringify({kind: 'Status', code: 429, reason: 'TooManyRequests'}), {'retry-after': '1'});
		},
		decode: () => undefined,
		onReplace: () => undefined,
		onUpsert: () => undefined,
		onDelete: () => undefined,
		onStatus(status, error) {
			statuses.push(`${status}: ${error?.message ?? ''}`);
		},
	});
	try {
		await new Promise(resolve => {
			setTimeout(resolve, 3300);
		});
	} finally {
		handle.stop();
	}

	assert.ok(calls.length >= 3 && calls.length <= 4, `3 or 4 lists in 3.3 s at one a second, got ${calls.length}`);
	const gaps = calls.slice(1).map((time, index) => time - calls[index]!);
	for (const gap of gaps) {
		assert.ok(gap >= 995, `a retry ${gap.toFixed(0)} ms after a 429 asking for 1 s`);
	}

	assert.match(statuses[0] ?? '', /^reconnecting: .*429 Too Many Requests.*retrying after 1 s/);
});

test('a list that takes its time is reported pending until it answers', async () => {
	const kc = new KubeConfig();
	kc.loadFromOptions({clusters: [{name: 'c', server: 'http://127.0.0.1:1'}], users: [{name: 'u'}], contexts: [{name: 'x', cluster: 'c', user: 'u'}], currentContext: 'x'});
	const changes: Array<[boolean, number]> = [];
	const started = performance.now();
	let answer: (() => void) | undefined;
	const handle = startListWatch<unknown>({
		kc,
		context: {verb: 'list', resource: 'virtualservices.networking.istio.io', namespace: 'bookinfo'},
		path: async () => '/apis/networking.istio.io/v1/namespaces/bookinfo/virtualservices',
		list: async () => new Promise((_resolve, reject) => {
			answer = () => {
				reject(new ApiException(403, 'Forbidden', '{}', {}));
			};
		}),
		decode: () => undefined,
		onReplace: () => undefined,
		onUpsert: () => undefined,
		onDelete: () => undefined,
		onStatus: () => undefined,
		onPending(pending) {
			changes.push([pending, performance.now() - started]);
		},
	});
	try {
		await new Promise(resolve => {
			setTimeout(resolve, 200);
		});
		assert.deepEqual(changes.map(([pending]) => pending), [true], 'pending while the list has not answered');
		answer?.();
		await new Promise(resolve => {
			setTimeout(resolve, 50);
		});
		assert.deepEqual(changes.map(([pending]) => pending), [true, false], 'no longer pending once it answered (here: refused)');
	} finally {
		handle.stop();
	}
});

/** A list-watch of VirtualServices whose every list calls `list` (which throws), on a kubeconfig nothing answers. */
function failingListWatch(list: () => Promise<never>) {
	const kc = new KubeConfig();
	kc.loadFromOptions({clusters: [{name: 'c', server: 'http://127.0.0.1:1'}], users: [{name: 'u'}], contexts: [{name: 'x', cluster: 'c', user: 'u'}], currentContext: 'x'});
	return startListWatch<unknown>({
		kc,
		context: {verb: 'list', resource: 'virtualservices.networking.istio.io', namespace: 'bookinfo'},
		path: async () => '/apis/networking.istio.io/v1/namespaces/bookinfo/virtualservices',
		list,
		decode: () => undefined,
		onReplace: () => undefined,
		onUpsert: () => undefined,
		onDelete: () => undefined,
		onStatus: () => undefined,
	});
}

/** Advances the mocked clock `steps` × 50 ms, letting the loop's promises run between steps; then stops the loop. */
async function runFor(t: TestContext, handle: {stop(): void}, steps: number): Promise<void> {
	try {
		for (let step = 0; step < steps; step++) {
			t.mock.timers.tick(50);
			await new Promise(resolve => {
				setImmediate(resolve);
			});
		}
	} finally {
		handle.stop();
	}
}

test('an API server that refuses connections is tried again at least once a second, however long it is down', async t => {
	t.mock.timers.enable({apis: ['setTimeout', 'Date']});
	const calls: number[] = [];
	const handle = failingListWatch(async () => {
		calls.push(Date.now());
		throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6443'), {code: 'ECONNREFUSED'});
	});
	// Twenty virtual seconds.
	await runFor(t, handle, 400);

	const gaps = calls.slice(1).map((time, index) => time - calls[index]!);
	assert.ok(gaps.length >= 15, `about one attempt a second for 20 s, got ${calls.length}`);
	assert.deepEqual(gaps.slice(0, 3), [250, 500, 1000], 'backoff from 250 ms');
	assert.ok(gaps.every(gap => gap <= 1000), `never more than 1 s between attempts: ${gaps.join(', ')}`);
});

test('just after the API server was unreachable, its start-up errors (404 for custom resources) are retried as quickly; later ones are not', async t => {
	t.mock.timers.enable({apis: ['setTimeout', 'Date']});
	const calls: number[] = [];
	const handle = failingListWatch(async () => {
		calls.push(Date.now());
		throw calls.length <= 2
			? Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6443'), {code: 'ECONNREFUSED'})
			: new ApiException(404, 'Not Found', JSON.stringify({kind: 'Status', code: 404, reason: 'NotFound'}), {});
	});
	await runFor(t, handle, 600);

	const start = calls[0]!;
	const gaps = calls.slice(1).map((time, index) => [time - start, time - calls[index]!] as const);
	const settling = gaps.filter(([at]) => at <= 15_000);
	const later = gaps.filter(([at]) => at > 16_500);
	assert.ok(settling.length >= 12 && settling.every(([, gap]) => gap <= 1000), `retried at least once a second while settling: ${JSON.stringify(gaps)}`);
	assert.ok(later.length > 0 && later.every(([, gap]) => gap === 5000), `then the persistent 5 s: ${JSON.stringify(gaps)}`);
});
