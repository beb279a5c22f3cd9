/**
 * Sends a request client-node prepared (URL, method, headers, body, signal) with Node's own HTTP client, through a
 * kept agent carrying the TLS material. Why not undici: loading it is about 60 ms of a one-shot command's start, and
 * its HTTP parser is WebAssembly that V8 keeps optimising on background threads after the answer, holding the
 * process open for up to a quarter of a second more. Transport failures are Node's errors with their codes
 * (ECONNREFUSED, certificate codes), as undici passed them on, so errors.ts reads them the same way.
 */
import http from 'node:http';
import https from 'node:https';
import type {Socket} from 'node:net';
import {readText} from '../net/read-text.js';

/** An answer: status, headers (names lower-case, repeated ones joined), the body as text. */
export interface NodeAnswer {
	statusCode: number;
	headers: Record<string, string>;
	text: string;
}

/** What is sent: client-node's RequestContext, read through its getters. */
export interface PreparedRequest {
	url: URL;
	method: string;
	headers: Readonly<Record<string, string>>;
	body?: string;
	signal?: AbortSignal;
}

/** Methods that may be sent again when the first try met a kept connection the server had already closed. */
const idempotent = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Sends `prepared` through `agent` (http: or https: by the URL) and reads the whole answer. A kept-alive connection
 * that the server closed just as it was reused fails with ECONNRESET before any answer (Node's documented race, seen
 * when an API server or a load balancer drops idle connections): a read is then sent once more on a new connection.
 * A write is not: whether it landed is for the write path to settle (cut-write.ts).
 */
export async function sendOverNode(prepared: PreparedRequest, agent: http.Agent): Promise<NodeAnswer> {
	try {
		return await sendOnce(prepared, agent);
	} catch (error) {
		if (error instanceof StaleConnectionError && idempotent.has(prepared.method.toUpperCase())) {
			return sendOnce(prepared, agent);
		}

		throw error instanceof StaleConnectionError ? error.cause : error;
	}
}

/** A request that failed on a reused connection before any answer came back. */
class StaleConnectionError extends Error {
	constructor(cause: unknown) {
		super('a kept connection was closed by the server', {cause});
		this.name = 'StaleConnectionError';
	}
}

async function sendOnce(prepared: PreparedRequest, agent: http.Agent): Promise<NodeAnswer> {
	const {url, method, body, signal} = prepared;
	const headers: Record<string, string> = {...prepared.headers};
	if (body !== undefined) {
		headers['Content-Length'] = String(Buffer.byteLength(body));
	}

	const send = url.protocol === 'https:' ? https.request : http.request;
	return new Promise<NodeAnswer>((resolve, reject) => {
		const request = send(url, {method, headers, agent, ...(signal === undefined ? {} : {signal})}, response => {
			readText(response).then(text => {
				resolve({statusCode: response.statusCode ?? 0, headers: headerRecord(response.headers), text});
			}, reject);
		});
		request.on('error', error => {
			const code = (error as NodeJS.ErrnoException).code;
			reject(request.reusedSocket && (code === 'ECONNRESET' || code === 'EPIPE') ? new StaleConnectionError(error) : error);
		});
		request.on('socket', socket => {
			limitConnect(request, socket, url);
		});
		request.end(body);
	});
}

/**
 * How long a new connection may take to be established (TCP, then TLS), as undici's default: Node's own client has
 * no such limit, and an API server whose packets are dropped would hold a command for the system's TCP timeout.
 */
const connectTimeoutMs = 10_000;

/** Ends `request` with an ETIMEDOUT error (errors.ts: unreachable) if its new connection is not up in time. */
function limitConnect(request: http.ClientRequest, socket: Socket, url: URL): void {
	if (!socket.connecting) {
		// A kept connection, already up.
		return;
	}

	const timer = setTimeout(() => {
		request.destroy(Object.assign(new Error(`connect ETIMEDOUT ${url.host}: no connection in ${connectTimeoutMs / 1000} s`), {code: 'ETIMEDOUT'}));
	}, connectTimeoutMs);
	const stop = () => {
		clearTimeout(timer);
	};

	socket.once(url.protocol === 'https:' ? 'secureConnect' : 'connect', stop);
	request.once('close', stop);
}

/**
 * An answer's headers, from Node's client or undici's (names already lower-case; a repeated header is an array), as
 * one string per name: what KubeHttpError keeps and errors.ts reads (Retry-After).
 */
export function headerRecord(headers: Readonly<Record<string, string | string[] | undefined>>): Record<string, string> {
	return Object.fromEntries(Object.entries(headers).flatMap(([name, value]) => value === undefined ? [] : [[name, Array.isArray(value) ? value.join(', ') : value]]));
}
