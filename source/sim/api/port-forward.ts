import type {IncomingMessage} from 'node:http';
import {connect, type Socket} from 'node:net';
import type {Duplex} from 'node:stream';
import {WebSocketServer, type WebSocket} from 'ws';
import type {PortForwardTarget} from './api-server.js';
import type {KubeStatus} from './status.js';

/** Subprotocols the port-forward endpoint speaks, best first; they share one binary framing. */
const supportedProtocols = ['v5.channel.k8s.io', 'v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io'];

/** v5's in-band "close this stream" marker (first byte 255, second the stream id). */
const closeSignal = 255;

/** Chooses the best subprotocol the client offered (ws calls this during the handshake). */
export function chooseProtocol(offered: Set<string>): string | false {
	return supportedProtocols.find(protocol => offered.has(protocol)) ?? false;
}

/** Options of {@link PortForwarder.handleUpgrade}. */
export interface PortForwardRequest {
	namespace: string;
	pod: string;
	port: number;
	/** Where the pod's port lives; undefined = nothing listens. */
	target: PortForwardTarget | undefined;
}

function frame(channel: number, payload: Buffer): Buffer {
	return Buffer.concat([Buffer.from([channel]), payload]);
}

function portPrefix(channel: number, port: number): Buffer {
	const buffer = Buffer.alloc(3);
	buffer.writeUInt8(channel, 0);
	buffer.writeUInt16LE(port, 1);
	return buffer;
}

/**
 * The pods/portforward WebSocket endpoint as the kubelet serves it to client-node's PortForward:
 * channel 0 carries data and channel 1 errors for the single forwarded port, and the first frame on
 * each channel is the 2-byte little-endian port number. Each WebSocket is piped to one TCP connection.
 */
export class PortForwarder {
	private readonly server = new WebSocketServer({noServer: true, handleProtocols: protocols => chooseProtocol(protocols)});
	private readonly sessions = new Set<{socket: WebSocket; tcp?: Socket | Duplex; namespace: string; pod: string}>();

	/** Completes the WebSocket handshake and starts piping. */
	handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer, forward: PortForwardRequest): void {
		this.server.handleUpgrade(request, socket, head, webSocket => {
			this.start(webSocket, forward);
		});
	}

	/** Ends the forwards to a pod that is gone: a kubelet's streams die with the pod, and clients must re-resolve. */
	closePod(namespace: string, pod: string): void {
		for (const session of this.sessions) {
			if (session.namespace === namespace && session.pod === pod) {
				session.tcp?.destroy();
				session.socket.terminate();
				this.sessions.delete(session);
			}
		}
	}

	/** Ends every WebSocket and TCP connection (server shutdown). */
	closeAll(): void {
		for (const session of this.sessions) {
			session.tcp?.destroy();
			session.socket.terminate();
		}
		this.sessions.clear();
		this.server.close();
	}

	private start(webSocket: WebSocket, forward: PortForwardRequest): void {
		const session: {socket: WebSocket; tcp?: Socket | Duplex; namespace: string; pod: string} = {socket: webSocket, namespace: forward.namespace, pod: forward.pod};
		this.sessions.add(session);
		webSocket.send(portPrefix(0, forward.port));
		webSocket.send(portPrefix(1, forward.port));

		const fail = (reason: string): void => {
			const message = `error forwarding port ${forward.port} to pod ${forward.pod}, uid : failed to connect to localhost:${forward.port} inside the pod: ${reason}`;
			if (webSocket.readyState === webSocket.OPEN) {
				webSocket.send(frame(1, Buffer.from(message)));
				webSocket.close(1000);
			}
		};
		webSocket.on('close', () => {
			session.tcp?.end();
			this.sessions.delete(session);
		});
		webSocket.on('error', () => {
			session.tcp?.destroy();
		});
		if (!forward.target) {
			fail('connect: connection refused');
			return;
		}

		// An in-process stream is connected from the start; a TCP connection once it says so.
		const inProcess = 'open' in forward.target;
		const tcp: Socket | Duplex = 'open' in forward.target ? forward.target.open() : connect({host: forward.target.host, port: forward.target.port});
		session.tcp = tcp;
		const pending: Buffer[] = [];
		let connected = inProcess;
		tcp.on('connect', () => {
			connected = true;
			for (const chunk of pending.splice(0)) {
				tcp.write(chunk);
			}
		});
		tcp.on('data', (chunk: Buffer) => {
			if (webSocket.readyState === webSocket.OPEN) {
				webSocket.send(frame(0, chunk));
			}
		});
		tcp.on('error', error => {
			fail((error as NodeJS.ErrnoException).code === 'ECONNREFUSED' ? 'connect: connection refused' : error.message);
		});
		tcp.on('close', () => {
			if (webSocket.readyState === webSocket.OPEN) {
				webSocket.close(1000);
			}
		});
		webSocket.on('message', (data: Buffer, isBinary: boolean) => {
			if (!isBinary || data.length === 0) {
				return;
			}
			const channel = data.readUInt8(0);
			if (channel === 0) {
				const payload = data.subarray(1);
				if (connected) {
					tcp.write(payload);
				} else {
					pending.push(Buffer.from(payload));
				}
			} else if (channel === closeSignal && data.length > 1 && data.readUInt8(1) === 0) {
				// v5: the client finished sending; half-close so the pod can still answer.
				tcp.end();
			}
		});
	}
}

/** Writes an HTTP error response on a socket that asked for an upgrade (before any handshake), then closes it. */
export function rejectUpgrade(socket: Duplex, status: KubeStatus, reasonPhrase: string): void {
	const body = JSON.stringify(status);
	socket.end(`HTTP/1.1 ${status.code} ${reasonPhrase}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}
