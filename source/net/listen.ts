import {createServer, type Server} from 'node:net';

/**
 * Starts `server` on 127.0.0.1 (port 0: a free one) and resolves with the port; a failure to bind rejects instead
 * of surfacing later as an unhandled 'error' event. Every server meshtop and its simulation start is loopback-only.
 */
export async function listenOnLoopback(server: Server, port = 0): Promise<number> {
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(port, '127.0.0.1', () => {
			server.off('error', reject);
			resolve();
		});
	});
	const address = server.address();
	if (address === null || typeof address === 'string') {
		throw new Error('the server has no TCP address');
	}

	return address.port;
}

/**
 * A free TCP port on 127.0.0.1, probed and released for a child process to bind (it may be taken in between: callers
 * that can, retry).
 */
export async function freePort(): Promise<number> {
	const server = createServer();
	const port = await listenOnLoopback(server);
	await new Promise<void>(resolve => {
		server.close(() => {
			resolve();
		});
	});
	return port;
}
