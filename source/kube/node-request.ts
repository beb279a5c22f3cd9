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

/** Sends `prepared` through `agent` (http: or https: by the URL) and reads the whole answer. */
export async function sendOverNode(prepared: PreparedRequest, agent: http.Agent): Promise<NodeAnswer> {
	const {url, method, body, signal} = prepared;
	const headers: Record<string, string> = {...prepared.headers};
	if (body !== undefined) {
		headers['Content-Length'] = String(Buffer.byteLength(body));
	}

	const send = url.protocol === 'https:' ? https.request : http.request;
	return new Promise<NodeAnswer>((resolve, reject) => {
		const request = send(url, {method, headers, agent, ...(signal === undefined ? {} : {signal})}, response => {
			const chunks: Buffer[] = [];
			response.on('data', (chunk: Buffer) => chunks.push(chunk));
			response.on('error', reject);
			response.on('end', () => {
				resolve({statusCode: response.statusCode ?? 0, headers: headerRecord(response.headers), text: Buffer.concat(chunks).toString('utf8')});
			});
		});
		request.on('error', reject);
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

/** Node's answer headers (names already lower-case; set-cookie is an array) as one string per name. */
function headerRecord(headers: http.IncomingHttpHeaders): Record<string, string> {
	return Object.fromEntries(Object.entries(headers).flatMap(([name, value]) => value === undefined ? [] : [[name, Array.isArray(value) ? value.join(', ') : value]]));
}
