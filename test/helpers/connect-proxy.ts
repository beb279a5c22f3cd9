/**
 * An HTTP proxy that only tunnels (CONNECT), as corporate proxies in front of an API server do, counting its tunnels:
 * a kubeconfig's `proxy-url` must carry every kind of request meshtop makes, WebSockets included.
 */
import http from 'node:http';
import net from 'node:net';
import {listenOnLoopback} from '../../source/net/listen.js';
import {joinSockets, trackConnections} from './tracked-server.js';

/** A running proxy. */
export interface ConnectProxy {
	/** http://127.0.0.1:PORT, for a cluster's proxy-url. */
	url: string;
	/** The `host:port` of every tunnel opened, oldest first. */
	tunnels: string[];
	/** The local port of each tunnel's connection to its target (the port the target sees the client on). */
	tunnelPorts: Set<number>;
	stop(): Promise<void>;
}

/** Starts the proxy on a free 127.0.0.1 port. The caller must stop() it. */
export async function startConnectProxy(): Promise<ConnectProxy> {
	const tunnels: string[] = [];
	const tunnelPorts = new Set<number>();
	const server = http.createServer((_request, response) => {
		// Plain proxying is not what a proxy-url in front of an https:// server does: refuse it, so a test would see it.
		response.writeHead(405);
		response.end('CONNECT only\n');
	});
	// Only the tunnels' sockets are owned: a refused plain request's connection is closed by server.close() when idle.
	const tracked = trackConnections(server, {on: 'none'});
	const own = (socket: net.Socket) => {
		tracked.track(socket);
		socket.on('error', () => socket.destroy());
	};

	server.on('connect', (request: http.IncomingMessage, client: net.Socket, head: Buffer) => {
		own(client);
		const [host = '', port = '443'] = (request.url ?? '').split(':');
		tunnels.push(request.url ?? '');
		const upstream = net.connect(Number(port), host, () => {
			tunnelPorts.add(upstream.localPort ?? 0);
			client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
		});
		own(upstream);
		// Queued while the socket connects, ahead of what the client sends next.
		upstream.write(head);
		joinSockets(upstream, client);
	});
	const port = await listenOnLoopback(server);
	return {
		url: `http://127.0.0.1:${port}`,
		tunnels,
		tunnelPorts,
		stop: tracked.close,
	};
}
