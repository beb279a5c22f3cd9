// client-node's own HTTP library, loaded with KubeConfig anyway: Node's global fetch would load a second copy of
// undici on its first call (about 80 ms of CPU and 17 MB of RSS on a 2-core machine).
import {Agent, fetch as undiciFetch, request} from 'undici';

/**
 * undici's fetch with the global fetch's type, for meshtop's own HTTP reads (Prometheus queries, the pods' Envoy
 * stats): the same API, from the undici already in memory.
 */
export const sharedFetch = undiciFetch as unknown as typeof fetch;

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
	/** Closes every connection (after the reads in flight); no read is possible afterwards. */
	close(): Promise<void>;
}

/** Options of {@link createBodyReader}. */
export interface BodyReaderOptions {
	/** Connections kept per origin (default 1): reads to one origin beyond it wait their turn. */
	connectionsPerOrigin?: number;
	/** How long an idle connection is kept (default 10 s). */
	keepAliveMs?: number;
}

/**
 * A reader for polling local endpoints every second (live mode's reads of each pod's Envoy stats through its
 * port-forward): undici's `request()` rather than fetch (no WHATWG Request, Response, Headers or web streams per read:
 * less garbage), through its own Agent, so the connections are bounded (one per forward by default, each one
 * WebSocket through the API server) and reused from read to read, and close() ends them all. An origin whose
 * connections closed (a forward stopped) is dropped from the Agent.
 */
export function createBodyReader(options: BodyReaderOptions = {}): BodyReader {
	const keepAliveMs = options.keepAliveMs ?? 10_000;
	const dispatcher = new Agent({connections: Math.max(1, options.connectionsPerOrigin ?? 1), keepAliveTimeout: keepAliveMs, keepAliveMaxTimeout: keepAliveMs});
	return {
		async read(url, signal) {
			const response = await request(url, {dispatcher, ...(signal === undefined ? {} : {signal})});
			if (response.statusCode < 200 || response.statusCode > 299) {
				await response.body.dump();
				return {status: response.statusCode, text: ''};
			}

			return {status: response.statusCode, text: await response.body.text()};
		},
		async close() {
			await dispatcher.close();
		},
	};
}
