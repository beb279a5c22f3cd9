/**
 * A TLS-terminating proxy in front of the test bed's kube-apiserver, on loopback with the API server's own serving
 * certificate (so a kubeconfig only changes its server URL). It sees every request in clear, so chaos rows can count
 * them (PATCHes, lists, watches) with the server's answer (status, Retry-After), read the watch events meshtop was
 * sent, delay every request (a slow API), cut every connection and hold new requests. It fabricates no answers: the
 * 429s of the overloaded-API rows are kube-apiserver's own. WebSocket upgrades (port-forward) are passed through.
 */
import {readFileSync} from 'node:fs';
import {request as httpsRequest, createServer, type Server} from 'node:https';
import type {IncomingMessage, ServerResponse} from 'node:http';
import type {Socket} from 'node:net';
import {connect as tlsConnect} from 'node:tls';
import {joinSockets, trackConnections} from '../../helpers/tracked-server.js';

/** One request the proxy received. */
export interface ProxiedRequest {
	/** Milliseconds since the proxy started. */
	at: number;
	method: string;
	/** Path with its query. */
	url: string;
	/** The status it was answered with (undefined while pending or for upgrades). */
	status?: number;
	/** Whether it is a watch (`watch=true`, or `watch=1`). */
	watch: boolean;
	/** Seconds in the answer's Retry-After header, when it had one (the API server's 429s). */
	retryAfter?: number;
}

/** One event of a watch response, as meshtop received it. */
export interface WatchEvent {
	at: number;
	/** The watch request's path. */
	path: string;
	type: string;
	name: string | undefined;
	resourceVersion: string | undefined;
	/** For ERROR events: the Status code. */
	code: number | undefined;
}

/** Options of {@link startApiProxy}. */
export interface ApiProxyOptions {
	/** The API server's URL, e.g. https://127.0.0.1:6443. */
	upstream: string;
	tls: {caFile: string; certFile: string; keyFile: string};
}

/** A running proxy. */
export interface ApiProxy {
	/** URL for a kubeconfig's server. */
	url: string;
	/** Every request so far, oldest first. */
	readonly requests: readonly ProxiedRequest[];
	/** Every watch event passed to a client so far. */
	readonly events: readonly WatchEvent[];
	/** Milliseconds since the proxy started (the clock of `at`). */
	now(): number;
	/** Delays every request's forwarding by this much (0: none). */
	setDelay(ms: number): void;
	/** Holds new requests (they wait, unanswered) until {@link release}. */
	hold(): void;
	/** Lets held requests through. */
	release(): void;
	/** Destroys every open connection (a network drop). */
	dropAll(): void;
	/** Ends every watch response cleanly, as a server ending a watch at its timeout does; returns how many. */
	endWatches(): number;
	/** Requests still waiting for their answer's headers (held, delayed or slow upstream). */
	pending(): number;
	stop(): Promise<void>;
}

function isWatch(url: string): boolean {
	return /[?&]watch=(true|1)\b/.test(url);
}

/** Starts the proxy on 127.0.0.1 (a free port). */
export async function startApiProxy(options: ApiProxyOptions): Promise<ApiProxy> {
	const started = Date.now();
	const now = () => Date.now() - started;
	const ca = readFileSync(options.tls.caFile);
	const upstream = new URL(options.upstream);
	const requests: ProxiedRequest[] = [];
	const events: WatchEvent[] = [];
	const watches = new Set<{response: ServerResponse; upstream: IncomingMessage}>();
	let delayMs = 0;
	let held: Promise<void> | undefined;
	let releaseHeld: (() => void) | undefined;
	let waiting = 0;

	const recordEvents = (path: string, response: IncomingMessage) => {
		let buffer = '';
		response.on('data', (chunk: Buffer) => {
			buffer += chunk.toString('utf8');
			let newline = buffer.indexOf('\n');
			while (newline >= 0) {
				const line = buffer.slice(0, newline).trim();
				buffer = buffer.slice(newline + 1);
				newline = buffer.indexOf('\n');
				if (line === '') {
					continue;
				}

				try {
					const event = JSON.parse(line) as {type?: string; object?: {metadata?: {name?: string; resourceVersion?: string}; code?: number}};
					events.push({at: now(), path, type: event.type ?? '?', name: event.object?.metadata?.name, resourceVersion: event.object?.metadata?.resourceVersion, code: event.object?.code});
				} catch {
					// A partial or non-JSON line: not an event.
				}
			}
		});
	};

	const forward = async (request: IncomingMessage, response: ServerResponse) => {
		const url = request.url ?? '/';
		const record: ProxiedRequest = {at: now(), method: request.method ?? 'GET', url, watch: isWatch(url)};
		requests.push(record);
		waiting++;
		let answered = false;
		const answer = () => {
			if (!answered) {
				answered = true;
				waiting--;
			}
		};

		response.on('close', answer);
		if (held !== undefined) {
			await held;
		}

		if (delayMs > 0) {
			await new Promise(resolve => {
				setTimeout(resolve, delayMs);
			});
		}

		if (response.destroyed) {
			return;
		}

		const outgoing = httpsRequest({
			host: upstream.hostname, port: upstream.port, method: request.method, path: url, headers: request.headers, ca,
		}, upstreamResponse => {
			record.status = upstreamResponse.statusCode;
			const retryAfter = Number(upstreamResponse.headers['retry-after']);
			if (Number.isFinite(retryAfter) && retryAfter > 0) {
				record.retryAfter = retryAfter;
			}

			answer();
			response.writeHead(upstreamResponse.statusCode ?? 502, upstreamResponse.headers);
			// A watch's headers go out at once, as the API server flushes them: the client's request resolves before any event.
			response.flushHeaders();
			if (record.watch) {
				recordEvents(url.split('?')[0] ?? url, upstreamResponse);
				const entry = {response, upstream: upstreamResponse};
				watches.add(entry);
				response.on('close', () => watches.delete(entry));
			}

			// An answer cut upstream (the API server killed mid-watch) is cut downstream too, as without the proxy.
			upstreamResponse.on('close', () => {
				if (!upstreamResponse.complete && !response.writableEnded) {
					response.destroy();
				}
			});
			upstreamResponse.pipe(response);
		});
		outgoing.on('error', () => {
			answer();
			// A watch endWatches() ended cleanly stays ended cleanly: only an answer still open is cut.
			if (!response.writableEnded) {
				response.destroy();
			}
		});
		response.on('close', () => {
			outgoing.destroy();
		});
		request.pipe(outgoing);
	};

	const server: Server = createServer({cert: readFileSync(options.tls.certFile), key: readFileSync(options.tls.keyFile)}, (request, response) => {
		void forward(request, response);
	});
	const tracked = trackConnections(server);
	server.on('upgrade', (request: IncomingMessage, socket: Socket, head: Buffer) => {
		requests.push({at: now(), method: request.method ?? 'GET', url: request.url ?? '/', watch: false});
		const target = tracked.track(tlsConnect({host: upstream.hostname, port: Number(upstream.port), ca, servername: upstream.hostname === '127.0.0.1' ? undefined : upstream.hostname}));
		const lines = [`${request.method ?? 'GET'} ${request.url ?? '/'} HTTP/1.1`];
		for (let index = 0; index < request.rawHeaders.length; index += 2) {
			lines.push(`${request.rawHeaders[index]!}: ${request.rawHeaders[index + 1]!}`);
		}

		// Written while the TLS socket connects (queued in order), before anything the client sends after its upgrade.
		target.write(`${lines.join('\r\n')}\r\n\r\n`);
		target.write(head);
		joinSockets(target, socket);
	});
	await new Promise<void>(resolve => {
		server.listen(0, '127.0.0.1', resolve);
	});
	const {port} = server.address() as {port: number};
	const release = () => {
		releaseHeld?.();
		held = undefined;
		releaseHeld = undefined;
	};

	const endWatches = () => {
		const ending = [...watches];
		watches.clear();
		for (const {response, upstream: upstreamResponse} of ending) {
			upstreamResponse.unpipe(response);
			response.end();
			upstreamResponse.destroy();
		}

		return ending.length;
	};

	return {
		url: `https://127.0.0.1:${port}`,
		endWatches,
		requests,
		events,
		now,
		setDelay(ms) {
			delayMs = ms;
		},
		hold() {
			held ??= new Promise(resolve => {
				releaseHeld = resolve;
			});
		},
		release,
		dropAll: tracked.destroyAll,
		pending: () => waiting,
		async stop() {
			release();
			await tracked.close();
		},
	};
}
