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

/**
 * A PortForward with a handler of throwaway streams: client-node's default handler ends process.stdout when the
 * server sends a v5 close frame for channel 1, which would break the terminal.
 */
export function makePortForward(kc: KubeConfig): PortForward {
	const streams = {stdin: new PassThrough(), stdout: new PassThrough(), stderr: new PassThrough()};
	return new PortForward(kc, true, new WebSocketHandler(kc, undefined, streams));
}
