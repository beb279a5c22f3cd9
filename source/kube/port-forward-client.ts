/**
 * client-node's PortForward, in a module of its own so that it loads only when a port-forward starts: PortForward's
 * module imports the generated CoreV1Api and AppsV1Api (for its by-Service and by-Deployment helpers, which meshtop
 * does not use), and with them every generated model. `meshtop set`, and `status --prometheus-url`, never pay that.
 */
import {PassThrough} from 'node:stream';
import type {KubeConfig} from '@kubernetes/client-node';
import {PortForward} from '@kubernetes/client-node/dist/portforward.js';
// Not re-exported by the package index; needed to give PortForward streams of its own.
import {WebSocketHandler} from '@kubernetes/client-node/dist/web-socket-handler.js';
import WebSocket from 'ws';

/**
 * A PortForward with a handler of throwaway streams: client-node's default handler ends process.stdout when the
 * server sends a v5 close frame for channel 1, which would break the terminal. Every WebSocket it creates is handed to
 * `onSocket` at once, before its handshake: portForward() gives the socket only once it is open, and a handshake the
 * server (or a proxy) never answers could not be aborted otherwise.
 */
export function makePortForward(kc: KubeConfig, onSocket: (socket: WebSocket) => void): PortForward {
	const streams = {stdin: new PassThrough(), stdout: new PassThrough(), stderr: new PassThrough()};
	const createSocket = (uri: string, protocols: string[], options: WebSocket.ClientOptions) => {
		const socket = new WebSocket(uri, protocols, options);
		onSocket(socket);
		return socket;
	};

	return new PortForward(kc, true, new WebSocketHandler(kc, createSocket, streams));
}
