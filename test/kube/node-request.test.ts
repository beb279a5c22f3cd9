/**
 * A kept-alive connection the server has closed, reused before the client noticed: Node's documented race (an API
 * server or a load balancer dropping idle connections). The server here answers the first request of each connection
 * and closes the connection when a second request arrives on it, without answering: exactly what the race looks like
 * from the client. A read is sent again on a new connection; a write is not (the write path settles it).
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import {after, before, describe, it} from 'node:test';
import {sendOverNode} from '../../source/kube/node-request.js';
import {listenOnLoopback} from '../../source/net/listen.js';
import {trackConnections, type TrackedServer} from '../helpers/tracked-server.js';

describe('sendOverNode and a kept connection the server closed', () => {
	let server: TrackedServer;
	let port: number;
	let connections = 0;
	let requests = 0;
	let agent: http.Agent;

	before(async () => {
		server = trackConnections(net.createServer(socket => {
			connections++;
			let answered = false;
			socket.on('data', () => {
				requests++;
				if (answered) {
					// The second request on this connection: the server had given up on it.
					socket.destroy();
					return;
				}

				answered = true;
				socket.write('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\n{}');
			});
		}));
		port = await listenOnLoopback(server.server);
	});

	after(async () => {
		agent?.destroy();
		await server.close();
	});

	it('a GET that meets it is sent once more on a new connection and answered', async () => {
		agent = new http.Agent({keepAlive: true, maxSockets: 1});
		connections = 0;
		requests = 0;
		const url = new URL(`http://127.0.0.1:${port}/api/v1/namespaces`);
		assert.equal((await sendOverNode({url, method: 'GET', headers: {}}, agent)).statusCode, 200);
		const second = await sendOverNode({url, method: 'GET', headers: {}}, agent);
		assert.equal(second.statusCode, 200);
		assert.equal(second.text, '{}');
		assert.equal(requests, 3, 'the first GET, the one on the closed connection, the one sent again');
		assert.equal(connections, 2);
		agent.destroy();
	});

	it('a PATCH that meets it fails as a reset connection and is not sent again', async () => {
		agent = new http.Agent({keepAlive: true, maxSockets: 1});
		connections = 0;
		requests = 0;
		const url = new URL(`http://127.0.0.1:${port}/apis/networking.istio.io/v1/namespaces/bookinfo/virtualservices/reviews`);
		await sendOverNode({url, method: 'GET', headers: {}}, agent);
		await assert.rejects(sendOverNode({url, method: 'PATCH', headers: {'Content-Type': 'application/json-patch+json'}, body: '[]'}, agent), (error: NodeJS.ErrnoException) => {
			assert.equal(error.code, 'ECONNRESET');
			return true;
		});
		assert.equal(requests, 2);
		assert.equal(connections, 1);
		agent.destroy();
	});
});
