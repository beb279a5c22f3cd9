/**
 * A port-forward whose WebSocket handshake never completes (an API server, or a proxy in front of it, that accepts the
 * TCP connection and never answers the upgrade): stop() — what quit calls — must abort that handshake, and leave no
 * socket open on either side. client-node's portForward() hands out the WebSocket only once it is open, so without
 * meshtop owning the socket from its creation the handshake would outlive quit.
 */
import assert from 'node:assert/strict';
import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import net from 'node:net';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {after, before, describe, it} from 'node:test';
import {loadKubeTarget} from '../../source/kube/config.js';
import {startPortForward} from '../../source/kube/port-forward.js';
import {listenOnLoopback} from '../../source/net/listen.js';
import {trackConnections, type TrackedServer} from '../helpers/tracked-server.js';
import {waitFor} from '../helpers/wait-for.js';

describe('port-forward stop() with a WebSocket handshake pending', {timeout: 30_000}, () => {
	let dir: string;
	let stalled: TrackedServer;
	let upgrades = 0;
	let kubeconfig: string;

	before(async () => {
		dir = await mkdtemp(path.join(tmpdir(), 'meshtop-pf-abort-'));
		// Reads every request and answers none of them: the upgrade (and the pod watch) wait forever.
		stalled = trackConnections(net.createServer(socket => {
			socket.on('error', () => undefined);
			socket.on('data', (chunk: Buffer) => {
				if (/^upgrade: websocket/im.test(chunk.toString('latin1'))) {
					upgrades++;
				}
			});
		}));
		const port = await listenOnLoopback(stalled.server);
		kubeconfig = path.join(dir, 'kubeconfig');
		await writeFile(kubeconfig, [
			'apiVersion: v1',
			'kind: Config',
			`clusters: [{name: stalled, cluster: {server: "http://127.0.0.1:${port}"}}]`,
			'users: [{name: someone, user: {token: t0ken}}]',
			'contexts: [{name: stalled, context: {cluster: stalled, user: someone, namespace: istio-system}}]',
			'current-context: stalled',
			'',
		].join('\n'));
	});

	after(async () => {
		await stalled.close();
		await rm(dir, {recursive: true, force: true});
	});

	it('aborts the handshake and closes every socket, the client\'s and the one to the server', async () => {
		const handle = await startPortForward(loadKubeTarget({kubeconfig, env: {}}), {namespace: 'istio-system', pod: 'prometheus-0', port: 9090});
		const client = net.connect(Number(new URL(handle.url).port), '127.0.0.1');
		client.on('error', () => undefined);
		const clientClosed = new Promise<void>(resolve => {
			client.on('close', () => {
				resolve();
			});
		});
		await waitFor(() => upgrades > 0, {timeout: 10_000, interval: 10, message: 'the upgrade request reached the server that never answers it'});
		assert.ok(stalled.sockets.size > 0);

		await handle.stop();
		await clientClosed;
		await waitFor(() => stalled.sockets.size === 0, {timeout: 5000, interval: 10, message: 'every connection to the server closed after stop()'});
	});
});
