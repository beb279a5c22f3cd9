/**
 * trackConnections: a server whose clients are still connected closes when its handle closes it (server.close alone
 * would wait for them), over plain TCP and over TLS with a request in progress (the proxies' shape); adopted upstream
 * sockets go with it, destroyAll() drops connections without closing the server, and a server that is not listening
 * closes too. Each close races a deadline: a close that waits for the clients loses it and the test fails.
 */
import assert from 'node:assert/strict';
import {mkdtemp, readFile, rm} from 'node:fs/promises';
import https from 'node:https';
import net from 'node:net';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {after, afterEach, before, describe, it} from 'node:test';
import {listenOnLoopback} from '../../source/net/listen.js';
import {createPki} from '../testbed/pki.js';
import {closeAll, joinSockets, trackConnections, type TrackedServer} from './tracked-server.js';
import {waitFor} from './wait-for.js';

/** Whether `promise` settled before a deadline far beyond any prompt close (the timer is always cleared). */
async function beforeDeadline(promise: Promise<unknown>): Promise<'settled' | 'deadline'> {
	let timer: NodeJS.Timeout | undefined;
	const deadline = new Promise<'deadline'>(resolve => {
		timer = setTimeout(resolve, 5000, 'deadline');
	});
	try {
		return await Promise.race([promise.then(() => 'settled' as const), deadline]);
	} finally {
		clearTimeout(timer);
	}
}

/** A client connected to `port`, with a promise of its connection's end. */
async function connectClient(port: number): Promise<{socket: net.Socket; ended: Promise<void>}> {
	const socket = net.connect(port, '127.0.0.1');
	socket.on('error', () => undefined);
	const ended = new Promise<void>(resolve => {
		socket.once('close', () => {
			resolve();
		});
	});
	await new Promise<void>((resolve, reject) => {
		socket.once('connect', resolve);
		socket.once('error', reject);
	});
	return {socket, ended};
}

describe('trackConnections', () => {
	// A close that fails leaves its clients connected: each test's clients go first, then its servers can close.
	const clients: net.Socket[] = [];
	const servers: TrackedServer[] = [];
	const tracked = <S extends net.Server>(server: S, options?: Parameters<typeof trackConnections>[1]): TrackedServer<S> => {
		const handle = trackConnections(server, options);
		servers.push(handle);
		return handle;
	};

	afterEach(async () => {
		for (const client of clients.splice(0)) {
			client.destroy();
		}

		await closeAll(servers.splice(0));
	});

	it('closes a TCP server with a client still connected, and the client sees its connection end', async () => {
		const server = tracked(net.createServer());
		const port = await listenOnLoopback(server.server);
		const client = await connectClient(port);
		clients.push(client.socket);
		await waitFor(() => server.sockets.size === 1, {message: 'the server owns the accepted socket'});

		assert.equal(await beforeDeadline(server.close()), 'settled', 'close() waited on the connected client (past the deadline)');
		await client.ended;
		assert.equal(server.server.listening, false);
		assert.equal(server.sockets.size, 0);
	});

	it('destroyAll() drops every connection and the server keeps accepting', async () => {
		const server = tracked(net.createServer());
		const port = await listenOnLoopback(server.server);
		const first = await connectClient(port);
		const second = await connectClient(port);
		clients.push(first.socket, second.socket);
		await waitFor(() => server.sockets.size === 2, {message: 'two sockets owned'});
		server.destroyAll();
		await Promise.all([first.ended, second.ended]);
		await waitFor(() => server.sockets.size === 0, {message: 'the dropped sockets left the set'});

		const third = await connectClient(port);
		clients.push(third.socket);
		await waitFor(() => server.sockets.size === 1, {message: 'a new connection after the drop'});
		assert.equal(server.server.listening, true);
	});

	it('an adopted upstream socket (on: none) is destroyed by close(), the server\'s own connections are not owned', async () => {
		const upstream = tracked(net.createServer());
		const upstreamPort = await listenOnLoopback(upstream.server);
		const proxy = tracked(net.createServer(), {on: 'none'});
		const proxyPort = await listenOnLoopback(proxy.server);
		const client = await connectClient(proxyPort);
		clients.push(client.socket);
		const adopted = proxy.track(net.connect(upstreamPort, '127.0.0.1'));
		clients.push(adopted);
		assert.equal(proxy.track(adopted), adopted, 'adopting twice keeps one entry');
		await waitFor(() => upstream.sockets.size === 1, {message: 'the upstream accepted the adopted socket'});
		assert.deepEqual([...proxy.sockets], [adopted], 'only the adopted socket is owned');

		client.socket.destroy();
		await client.ended;
		assert.equal(await beforeDeadline(proxy.close()), 'settled');
		assert.equal(adopted.destroyed, true);
		await waitFor(() => upstream.sockets.size === 0, {message: 'the upstream saw the adopted socket close'});
	});

	it('a server that never listened, or is closed twice, closes without an error', async () => {
		const never = tracked(net.createServer());
		await never.close();
		const twice = tracked(net.createServer());
		await listenOnLoopback(twice.server);
		await twice.close();
		await twice.close();
	});

	it('closeAll() closes several servers, each with a connected client', async () => {
		const several = [tracked(net.createServer()), tracked(net.createServer()), tracked(net.createServer())];
		const ends: Array<Promise<void>> = [];
		for (const server of several) {
			const client = await connectClient(await listenOnLoopback(server.server));
			clients.push(client.socket);
			ends.push(client.ended);
		}

		await waitFor(() => several.every(server => server.sockets.size === 1), {message: 'each server owns its client'});
		assert.equal(await beforeDeadline(closeAll(several)), 'settled', 'closeAll() waited on the clients (past the deadline)');
		await Promise.all(ends);
		assert.deepEqual(several.map(server => server.server.listening), [false, false, false]);
	});

	it('joinSockets() relays both ways (what is written before the upstream connects comes first), and one side\'s close ends the other', async () => {
		// An echo server stands for the upstream; the joined server relays its clients to it.
		const echo = tracked(net.createServer(socket => socket.pipe(socket)));
		const echoPort = await listenOnLoopback(echo.server);
		let upstream: net.Socket | undefined;
		const relay = tracked(net.createServer(socket => {
			upstream = relay.track(net.connect(echoPort, '127.0.0.1'));
			upstream.write('first:');
			joinSockets(upstream, socket);
		}));
		const client = await connectClient(await listenOnLoopback(relay.server));
		clients.push(client.socket);
		let echoed = '';
		client.socket.on('data', chunk => {
			echoed += String(chunk);
		});
		client.socket.write('second');
		await waitFor(() => echoed === 'first:second', {message: `echoed in order (so far ${JSON.stringify(echoed)})`});
		assert.equal(echo.sockets.size, 1);
		// The relay's upstream socket is destroyed (no FIN for a pipe to pass on): the client's connection ends with it.
		upstream!.destroy();
		assert.equal(await beforeDeadline(client.ended), 'settled', 'the client stayed connected after its upstream closed');
		await waitFor(() => relay.sockets.size === 0, {message: 'the relay holds no socket'});
	});

	describe('an HTTPS server tracked on its TCP connections, with a request it never answers (the chaos proxies)', () => {
		let directory: string;
		let tls: {cert: Buffer; key: Buffer; ca: string};
		before(async () => {
			directory = await mkdtemp(path.join(tmpdir(), 'meshtop-tracked-'));
			const pki = await createPki(directory);
			tls = {cert: await readFile(pki.serverCert), key: await readFile(pki.serverKey), ca: pki.caPem};
		});
		after(async () => {
			await rm(directory, {recursive: true, force: true});
		});

		it('closes, and the pending request fails on the client', async () => {
			let received = 0;
			const server = tracked(https.createServer({cert: tls.cert, key: tls.key}, () => {
				received++;
			}));
			const port = await listenOnLoopback(server.server);
			const agent = new https.Agent({keepAlive: true, ca: tls.ca});
			const request = https.request({host: '127.0.0.1', port, path: '/held', agent});
			const failed = new Promise<Error>(resolve => {
				request.once('error', resolve);
			});
			request.end();
			try {
				await waitFor(() => received === 1, {message: 'the server received the request'});
				assert.equal(await beforeDeadline(server.close()), 'settled', 'close() waited on the pending request (past the deadline)');
				assert.match((await failed).message, /socket hang up|ECONNRESET/);
			} finally {
				request.destroy();
				agent.destroy();
			}
		});
	});
});
