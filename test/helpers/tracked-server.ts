/**
 * The teardown every test server and chaos proxy needs: `server.close()` waits for open connections (a kept-alive
 * client, a held request, a tunnel), so the server's sockets are kept as they come and destroyed before the close is
 * awaited. One handle per server owns them; proxies also drop them mid-run (a network cut) and adopt the upstream
 * sockets they open, so a stop leaves nothing open on either side.
 */
import type {Server, Socket} from 'node:net';

/** Options of {@link trackConnections}. */
export interface TrackOptions {
	/**
	 * The server event whose sockets are owned: 'connection' (every accepted TCP socket, the default),
	 * 'secureConnection' (a TLS server's sockets once their handshake is done) or 'none' (only what {@link
	 * TrackedServer.track} is given, e.g. a proxy's CONNECT and upgrade sockets).
	 */
	on?: 'connection' | 'secureConnection' | 'none';
}

/** A server and the sockets it owns. Its functions need no `this`: `stop: tracked.close` is fine. */
export interface TrackedServer<S extends Server = Server> {
	readonly server: S;
	/** The sockets open now: each leaves the set when it closes. */
	readonly sockets: ReadonlySet<Socket>;
	/** Owns one more socket (an upstream connection, an upgraded request's socket) until it closes; returns it. */
	readonly track: <T extends Socket>(socket: T) => T;
	/** Destroys every owned socket now (a network drop); the server keeps listening. */
	readonly destroyAll: () => void;
	/**
	 * Stops accepting, destroys every owned socket and resolves once the server has closed; a server that was not
	 * listening (never started, or already closed) resolves too.
	 */
	readonly close: () => Promise<void>;
}

/** Starts owning `server`'s sockets; attach it before the server listens. */
export function trackConnections<S extends Server>(server: S, options: TrackOptions = {}): TrackedServer<S> {
	const sockets = new Set<Socket>();
	const track = <T extends Socket>(socket: T): T => {
		if (!sockets.has(socket)) {
			sockets.add(socket);
			socket.once('close', () => sockets.delete(socket));
		}

		return socket;
	};

	const destroyAll = () => {
		for (const socket of [...sockets]) {
			socket.destroy();
		}
	};

	const event = options.on ?? 'connection';
	if (event !== 'none') {
		server.on(event, (socket: Socket) => {
			track(socket);
		});
	}

	const close = async () => {
		const closed = new Promise<void>((resolve, reject) => {
			server.close(error => {
				if (error === undefined || (error as NodeJS.ErrnoException).code === 'ERR_SERVER_NOT_RUNNING') {
					resolve();
				} else {
					reject(error);
				}
			});
		});
		// Same tick as close(): no connection can be accepted in between, and none is left for close() to wait on.
		destroyAll();
		await closed;
	};

	return {server, sockets, track, destroyAll, close};
}

/** Closes several tracked servers at once (each destroys its own sockets first); resolves when all have closed. */
export async function closeAll(servers: Iterable<TrackedServer>): Promise<void> {
	await Promise.all([...servers].map(async tracked => tracked.close()));
}

/**
 * Joins two duplex streams both ways (a proxy's client and its upstream, a listener's socket and a pod's stream): each
 * one's data goes to the other, and an error or close of either destroys both, so neither is left half open.
 */
export function joinSockets(one: NodeJS.ReadWriteStream & {destroy(): void}, other: NodeJS.ReadWriteStream & {destroy(): void}): void {
	const close = () => {
		one.destroy();
		other.destroy();
	};

	one.pipe(other);
	other.pipe(one);
	for (const stream of [one, other]) {
		stream.on('error', close);
		stream.on('close', close);
	}
}
