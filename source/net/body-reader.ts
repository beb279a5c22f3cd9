/**
 * GETs of small bodies over kept connections, for the live reads of each pod's Envoy stats.
 */
import type {Duplex} from 'node:stream';
import {createNodeFetch} from './node-fetch.js';

/** A body read by a {@link BodyReader}. */
export interface ReadBody {
	/** The HTTP status. */
	status: number;
	/** The body as text (empty unless the status is 2xx: other bodies are discarded unread). */
	text: string;
}

/** GETs of small bodies over a bounded set of keep-alive connections; its owner calls close(). */
export interface BodyReader {
	/** GETs `url` and reads its body. */
	read(url: string, signal?: AbortSignal): Promise<ReadBody>;
	/** Ends every connection (a read still in flight fails); no read is possible afterwards. */
	close(): Promise<void>;
}

/** Options of {@link createBodyReader}. */
export interface BodyReaderOptions {
	/** Connections kept per origin (default 1): reads to one origin beyond it wait their turn. */
	connectionsPerOrigin?: number;
	/** How long an idle connection is kept (default 10 s); not applied to connections made by `connect`. */
	keepAliveMs?: number;
	/** Makes each connection (an in-process stream to a port-forward) instead of TCP to the URL's host. */
	connect?: () => Duplex;
}

/**
 * A reader for polling local endpoints every second (live mode's reads of each pod's Envoy stats through its
 * port-forward): the connections are bounded (one per forward by default, each one WebSocket through the API
 * server), reused from read to read, and close() ends them all. With `connect` (how live mode reads), each connection
 * is an in-process stream into a forward, read by source/net/stream-http.ts's client; without it, TCP through Node's
 * HTTP client (source/net/node-fetch.ts), whose idle sockets are closed after `keepAliveMs` and never hold the
 * process open.
 */
export function createBodyReader(options: BodyReaderOptions = {}): BodyReader {
	const http = createNodeFetch({maxSockets: Math.max(1, options.connectionsPerOrigin ?? 1), idleTimeoutMs: options.keepAliveMs ?? 10_000, ...(options.connect === undefined ? {} : {connect: options.connect})});
	let closed = false;
	return {
		async read(url, signal) {
			if (closed) {
				throw new Error('body reader closed');
			}

			const answer = await http.fetch(url, {...(signal === undefined ? {} : {signal}), headers: {}});
			if (!answer.ok) {
				await answer.body.cancel();
				return {status: answer.status, text: ''};
			}

			return {status: answer.status, text: await answer.text()};
		},
		async close() {
			closed = true;
			http.close();
			return Promise.resolve();
		},
	};
}
