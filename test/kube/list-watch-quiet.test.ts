/**
 * A quiet collection's watch: only bookmarks arrive, about once a minute on kube-apiserver. The list-watch loop keeps
 * such a watch open (no request every half minute for nothing) and still starts again a watch that went silent.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type {AddressInfo} from 'node:net';
import {test} from 'node:test';
import {KubeConfig} from '@kubernetes/client-node';
import {startListWatch} from '../../source/kube/list-watch.js';
import {watchIdleTimeoutMs} from '../../source/kube/watch-stream.js';
import {defaultBookmarkIntervalMs} from '../../source/sim/api/api-server.js';

/** An API server of one empty collection whose watches send a BOOKMARK every `bookmarkMs` (none when undefined). */
async function quietServer(bookmarkMs: number | undefined): Promise<{url: string; watches: () => number; close: () => Promise<void>}> {
	let watches = 0;
	const timers = new Set<NodeJS.Timeout>();
	const server = http.createServer((request, response) => {
		response.writeHead(200, {'Content-Type': 'application/json'});
		if (!new URL(request.url ?? '/', 'http://x').searchParams.has('watch')) {
			response.end(JSON.stringify({kind: 'VirtualServiceList', metadata: {resourceVersion: '7'}, items: []}));
			return;
		}

		watches++;
		response.flushHeaders();
		if (bookmarkMs !== undefined) {
			const timer = setInterval(() => {
				response.write(`${JSON.stringify({type: 'BOOKMARK', object: {kind: 'VirtualService', metadata: {resourceVersion: '7'}}})}\n`);
			}, bookmarkMs);
			timers.add(timer);
			response.on('close', () => {
				clearInterval(timer);
				timers.delete(timer);
			});
		}
	});
	await new Promise<void>(resolve => {
		server.listen(0, '127.0.0.1', resolve);
	});
	return {
		url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
		watches: () => watches,
		async close() {
			for (const timer of timers) {
				clearInterval(timer);
			}

			server.closeAllConnections();
			await new Promise(resolve => {
				server.close(resolve);
			});
		},
	};
}

/** Runs the list-watch loop against `url` for `ms`. */
async function watchFor(url: string, ms: number, idleTimeoutMs: number): Promise<void> {
	const kc = new KubeConfig();
	kc.loadFromOptions({clusters: [{name: 'c', server: url, skipTLSVerify: true}], users: [{name: 'u'}], contexts: [{name: 'x', cluster: 'c', user: 'u'}], currentContext: 'x'});
	const handle = startListWatch<unknown>({
		kc,
		context: {verb: 'watch', resource: 'virtualservices.networking.istio.io', namespace: 'bookinfo'},
		path: async () => '/apis/networking.istio.io/v1/namespaces/bookinfo/virtualservices',
		async list(signal) {
			const response = await fetch(`${url}/apis/networking.istio.io/v1/namespaces/bookinfo/virtualservices`, {signal});
			const body = await response.json() as {metadata: {resourceVersion: string}};
			return {items: [], resourceVersion: body.metadata.resourceVersion};
		},
		decode: () => undefined,
		onReplace: () => undefined,
		onUpsert: () => undefined,
		onDelete: () => undefined,
		onStatus: () => undefined,
		idleTimeoutMs,
	});
	try {
		await new Promise(resolve => {
			setTimeout(resolve, ms);
		});
	} finally {
		handle.stop();
	}
}

test('a watch that gets only bookmarks, each within the idle timeout, is one request', async () => {
	const server = await quietServer(150);
	try {
		await watchFor(server.url, 1500, 400);
		assert.equal(server.watches(), 1);
	} finally {
		await server.close();
	}
});

test('a watch silent for longer than the idle timeout is started again', async () => {
	const server = await quietServer(undefined);
	try {
		await watchFor(server.url, 1500, 400);
		assert.ok(server.watches() >= 3, `a silent watch is started again every 0.4 s, got ${server.watches()} watches in 1.5 s`);
	} finally {
		await server.close();
	}
});

test("the default idle timeout outlasts kube-apiserver's bookmark cadence, with room for a late one", () => {
	assert.ok(watchIdleTimeoutMs >= defaultBookmarkIntervalMs * 1.25, `${watchIdleTimeoutMs} ms against bookmarks every ${defaultBookmarkIntervalMs} ms`);
});
