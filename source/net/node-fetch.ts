/**
 * The part of fetch the Prometheus client uses, over Node's own HTTP client with a keep-alive agent of its own. Why:
 * the headless commands (status, shift) would otherwise load undici for their few queries, about 60 ms of start-up,
 * and its WebAssembly HTTP parser keeps V8 busy after the answer, holding the process open (see
 * source/kube/node-request.ts). With `connect`, a port-forwarded Prometheus (or pod) is reached over in-process
 * streams, which undici's fetch cannot take, by the lighter client of source/net/stream-http.ts. Idle sockets are
 * unreferenced by Node's agent; close() ends them.
 */
import http from 'node:http';
import https from 'node:https';
import type {Duplex} from 'node:stream';
import {readText} from './read-text.js';
import {createStreamHttp, type StreamAnswer} from './stream-http.js';

/** What a {@link NodeFetch} answers: the part of a fetch Response the Prometheus client reads. */
export interface NodeFetchAnswer {
	/** Whether the status is 2xx. */
	ok: boolean;
	/** The HTTP status. */
	status: number;
	/** Reads the body as UTF-8 text. */
	text(): Promise<string>;
	/** Reads the body and parses it as JSON. */
	json(): Promise<unknown>;
	/** Discards the body unread. */
	body: {cancel(): Promise<void>};
}

/** A fetch for the Prometheus client (it fits source/prometheus/client.ts's PrometheusFetch), and the end of its connections. */
export interface NodeFetch {
	/** GETs `url` with these headers; `signal` aborts it (the client's timeout), the body's reading included. */
	fetch: (url: string, init: {signal?: AbortSignal; headers: Record<string, string>}) => Promise<NodeFetchAnswer>;
	/** Ends the kept connections; requests in flight are cut. */
	close(): void;
}

/** Options of {@link createNodeFetch}: its agents' bounds (Node's defaults without them). */
export interface NodeFetchOptions {
	/** Connections per origin at most; requests beyond wait their turn. */
	maxSockets?: number;
	/** How long an idle kept connection stays open. */
	idleTimeoutMs?: number;
	/**
	 * Makes each plain-HTTP connection instead of a TCP connection to the URL's host and port (an in-process stream to
	 * a port-forward), at most `maxSockets` of them (default 6); idle ones then stay open until their peer or close()
	 * ends them.
	 */
	connect?: () => Duplex;
}

/** A fetch over Node's http/https with one keep-alive agent per protocol, or over `connect`'s streams when given. */
export function createNodeFetch(options: NodeFetchOptions = {}): NodeFetch {
	if (options.connect !== undefined) {
		const streams = createStreamHttp({connect: options.connect, maxConnections: options.maxSockets ?? 6});
		return {
			async fetch(url, init) {
				return readAnswerOf(await streams.get(new URL(url), init.headers, init.signal));
			},
			close() {
				streams.close();
			},
		};
	}

	const agentOptions = {keepAlive: true, ...(options.maxSockets === undefined ? {} : {maxSockets: options.maxSockets}), ...(options.idleTimeoutMs === undefined ? {} : {timeout: options.idleTimeoutMs})};
	const agents = {http: new http.Agent(agentOptions), https: new https.Agent(agentOptions)};
	return {
		async fetch(url, init) {
			const target = new URL(url);
			const secure = target.protocol === 'https:';
			const get = secure ? https.get : http.get;
			return new Promise<NodeFetchAnswer>((resolve, reject) => {
				const request = get(target, {headers: init.headers, agent: secure ? agents.https : agents.http, ...(init.signal === undefined ? {} : {signal: init.signal})}, response => {
					resolve(answerOf(response));
				});
				request.on('error', reject);
			});
		},
		close() {
			agents.http.destroy();
			agents.https.destroy();
		},
	};
}

/** An answer read whole already (the stream client's), as the Prometheus client reads one. */
function readAnswerOf(answer: StreamAnswer): NodeFetchAnswer {
	return {
		status: answer.status,
		ok: answer.status >= 200 && answer.status <= 299,
		async text() {
			return Promise.resolve(answer.text);
		},
		async json() {
			return Promise.resolve(JSON.parse(answer.text) as unknown);
		},
		body: {
			async cancel() {
				return Promise.resolve();
			},
		},
	};
}

/** The answer as the client reads it: status at once, the body read when asked for (or discarded). */
function answerOf(response: http.IncomingMessage): NodeFetchAnswer {
	const status = response.statusCode ?? 0;
	return {
		status,
		ok: status >= 200 && status <= 299,
		async text() {
			return readText(response);
		},
		async json() {
			return JSON.parse(await this.text()) as unknown;
		},
		body: {
			async cancel() {
				// Read to the end unused, so the connection can serve the next request.
				response.resume();
				return Promise.resolve();
			},
		},
	};
}
