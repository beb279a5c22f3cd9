/**
 * HTTP/1.1 GETs over kept in-process streams (a port-forward's connect()): the live reads of each pod's Envoy stats
 * and the Prometheus queries through its port-forward, four or more a second in the console. Node's HTTP client spent
 * more CPU on each of those small GETs than the port-forward under it did (a ClientRequest, the agent's socket
 * bookkeeping and an IncomingMessage stream per request): in a loop on the simulated cluster, 290–370 µs per read
 * against 120–170 µs here, and 120 µs for the bare stream (5 December). Answers are parsed by http-parser-js (status
 * line, headers, Content-Length and chunked bodies, trailers, keep-alive); a request is one line and its headers.
 */
import type {Duplex} from 'node:stream';
import {HTTPParser} from 'http-parser-js';

/** An answer read whole: small bodies (stats, query results), decoded as UTF-8. */
export interface StreamAnswer {
	/** The HTTP status. */
	status: number;
	/** The body as text. */
	text: string;
}

/** Options of {@link createStreamHttp}. */
export interface StreamHttpOptions {
	/** Makes a connection: an in-process stream to the server (a port-forward's connect()). */
	connect: () => Duplex;
	/** Connections kept at most (default 1); requests beyond wait for one to be free. */
	maxConnections?: number;
}

/** GETs over kept connections; its owner calls close(). */
export interface StreamHttp {
	/** GETs `url` (its path and query; Host from its host) with `headers`; `signal` aborts it, the body's reading included. */
	get(url: URL, headers: Readonly<Record<string, string>>, signal?: AbortSignal): Promise<StreamAnswer>;
	/** Ends every connection; requests in flight reject, and so does every later one. */
	close(): void;
}

/** The request waiting for its answer on a connection. */
interface Pending {
	resolve(answer: StreamAnswer): void;
	reject(error: unknown): void;
	status?: number;
	keepAlive: boolean;
	chunks: Buffer[];
}

/** A header name (RFC 9110 token) and a value without line breaks: nothing a caller passes can split the request. */
const headerName = /^[!#$%&'*+.^_`|~\w-]+$/;
const headerValue = /^[\t\u0020-\u007E\u0080-\u00FF]*$/;

/** The request's head: request line, Host, the caller's headers, and the blank line (GETs have no body). */
export function requestHead(url: URL, headers: Readonly<Record<string, string>>): Buffer {
	let head = `GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\n`;
	for (const [name, value] of Object.entries(headers)) {
		if (!headerName.test(name) || !headerValue.test(value)) {
			throw new Error(`the HTTP header ${JSON.stringify(name)} has characters a request cannot carry`);
		}

		head += `${name}: ${value}\r\n`;
	}

	return Buffer.from(`${head}\r\n`, 'latin1');
}

/** One kept stream with its parser, one request at a time; `gone` is told once when it can serve no more. */
class Connection {
	closed = false;
	private readonly parser = new HTTPParser(HTTPParser.RESPONSE);
	private pending: Pending | undefined;

	constructor(private readonly stream: Duplex, private readonly gone: (connection: Connection) => void) {
		const {parser} = this;
		// http-parser-js calls this with one object, or with Node's positional arguments if anything in the process put
		// it in that mode: both are read.
		parser[HTTPParser.kOnHeadersComplete] = (...args: unknown[]) => {
			const info = args[0] as {statusCode?: number; shouldKeepAlive?: boolean} | number;
			const [status, keepAlive] = typeof info === 'object' ? [info.statusCode, info.shouldKeepAlive] : [args[5] as number, args[8] as boolean];
			if (this.pending !== undefined) {
				this.pending.status = status;
				this.pending.keepAlive = keepAlive === true;
			}
		};
		parser[HTTPParser.kOnBody] = (chunk, offset, length) => {
			this.pending?.chunks.push(chunk.subarray(offset, offset + length));
		};

		parser[HTTPParser.kOnMessageComplete] = () => {
			this.complete();
		};

		stream.on('data', (chunk: Buffer) => {
			const parsed = parser.execute(chunk);
			if (parsed instanceof Error) {
				this.fail(new Error(`the server's answer is not valid HTTP: ${parsed.message}`));
			}
		});
		const closedEarly = () => {
			this.fail(new Error('the connection closed before the answer\'s end'));
		};

		stream.on('end', () => {
			// A body that runs to the connection's end (no length, not chunked) is complete there.
			parser.finish();
			closedEarly();
		});
		stream.on('close', closedEarly);
		stream.on('error', (error: Error) => {
			this.fail(error);
		});
	}

	/** Sends `head` and resolves with the whole answer. */
	async request(head: Buffer, signal?: AbortSignal): Promise<StreamAnswer> {
		if (this.closed) {
			throw new Error('the connection is closed');
		}

		return new Promise<StreamAnswer>((resolve, reject) => {
			const onAbort = () => {
				// HTTP/1.1 cannot drop one answer and keep the connection: it goes with the request.
				this.fail(signal?.reason);
			};

			const settled = () => {
				signal?.removeEventListener('abort', onAbort);
			};

			this.pending = {
				resolve(answer) {
					settled();
					resolve(answer);
				},
				reject(error) {
					settled();
					reject(error instanceof Error ? error : new Error(String(error)));
				},
				keepAlive: true,
				chunks: [],
			};
			if (signal?.aborted === true) {
				onAbort();
				return;
			}

			signal?.addEventListener('abort', onAbort, {once: true});
			this.stream.write(head);
		});
	}

	/** Ends the connection; the request on it, if any, rejects with `error`. */
	fail(error: unknown): void {
		this.end();
		const {pending} = this;
		this.pending = undefined;
		pending?.reject(error);
	}

	private complete(): void {
		const {pending} = this;
		if (pending === undefined) {
			this.fail(new Error('the server answered a request nobody sent'));
			return;
		}

		if (pending.status === 101) {
			this.fail(new Error('the server switched protocols on a GET'));
			return;
		}

		if (pending.status !== undefined && pending.status >= 100 && pending.status < 200) {
			// An interim answer (103 Early Hints): the final one follows on the same connection.
			pending.status = undefined;
			pending.chunks = [];
			return;
		}

		this.pending = undefined;
		const text = pending.chunks.length === 1 ? pending.chunks[0]!.toString('utf8') : Buffer.concat(pending.chunks).toString('utf8');
		if (!pending.keepAlive) {
			this.end();
		}

		pending.resolve({status: pending.status ?? 0, text});
	}

	/** Destroys the stream and tells the pool, once. */
	private end(): void {
		if (!this.closed) {
			this.closed = true;
			this.stream.destroy();
			this.gone(this);
		}
	}
}

/**
 * GETs over at most `maxConnections` streams made by `connect`, each kept and reused from request to request until its
 * peer ends it (a port-forward ends its streams when its pod goes) or close() ends them all.
 */
export function createStreamHttp(options: StreamHttpOptions): StreamHttp {
	const maxConnections = Math.max(1, options.maxConnections ?? 1);
	const connections = new Set<Connection>();
	const idle: Connection[] = [];
	const waiters = new Set<() => void>();
	let closed = false;
	const wakeOne = () => {
		const [first] = waiters;
		first?.();
	};

	const gone = (connection: Connection) => {
		connections.delete(connection);
		const index = idle.indexOf(connection);
		if (index !== -1) {
			idle.splice(index, 1);
		}

		wakeOne();
	};

	const wait = async (signal?: AbortSignal) => new Promise<void>(resolve => {
		const wake = () => {
			waiters.delete(wake);
			signal?.removeEventListener('abort', wake);
			resolve();
		};

		waiters.add(wake);
		signal?.addEventListener('abort', wake, {once: true});
	});

	const acquire = async (signal?: AbortSignal): Promise<Connection> => {
		for (;;) {
			if (closed) {
				throw new Error('the HTTP client is closed');
			}

			signal?.throwIfAborted();
			const kept = idle.pop();
			if (kept !== undefined) {
				return kept;
			}

			if (connections.size < maxConnections) {
				const made = new Connection(options.connect(), gone);
				connections.add(made);
				return made;
			}

			// eslint-disable-next-line no-await-in-loop -- a connection is free only once another request is done
			await wait(signal);
		}
	};

	return {
		async get(url, headers, signal) {
			const head = requestHead(url, headers);
			const connection = await acquire(signal);
			try {
				return await connection.request(head, signal);
			} finally {
				if (!connection.closed && !closed) {
					idle.push(connection);
				}

				wakeOne();
			}
		},
		close() {
			closed = true;
			for (const connection of [...connections]) {
				connection.fail(new Error('the HTTP client is closed'));
			}

			for (const wake of [...waiters]) {
				wake();
			}
		},
	};
}
