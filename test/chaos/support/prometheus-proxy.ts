/**
 * A fault-injecting HTTP proxy in front of a Prometheus, for the chaos rows that meshtop reaches with
 * `--prometheus-url`: it passes requests through, or answers as a broken Prometheus would (5xx, a body that is not
 * JSON, NaN or +Inf samples, empty results), holds them (a hung query), or resets connections (a dead process).
 * It can also stand in for a Thanos/Mimir gateway: the API under a path prefix, behind a bearer token or basic auth.
 */
import http from 'node:http';
import type {AddressInfo} from 'node:net';
import {trackConnections} from '../../helpers/tracked-server.js';

/** What the proxy does to a request. */
export type ProxyFault = 'none' | 'hang' | 'http500' | 'http503' | 'invalid-json' | 'nan' | 'inf' | 'empty' | 'reset';

/** Options of {@link startPrometheusProxy}. */
export interface PrometheusProxyOptions {
	/** The Prometheus behind the proxy, e.g. http://127.0.0.1:9090. */
	upstream: string;
	/** The API is served under this prefix only (e.g. `/prometheus`); other paths are 404. Default none. */
	prefix?: string;
	/** The exact Authorization header a request must carry, else 401. Default none required. */
	authorization?: string;
}

/** A running proxy; {@link PrometheusProxy.stop} releases every held request and socket. */
export interface PrometheusProxy {
	/** Base URL to pass as `--prometheus-url` (with the prefix, without credentials). */
	readonly url: string;
	/** Requests received, by answer: 'passed', the fault's name, or 'unauthorized'. */
	readonly counts: Readonly<Record<string, number>>;
	/** Switches the fault; leaving 'hang' lets the held requests through, as a Prometheus that was stuck answers late. */
	setFault(fault: ProxyFault): void;
	stop(): Promise<void>;
}

/** Rewrites every sample value of a query answer (instant or range) with `value`, or empties the result. */
function rewriteAnswer(body: string, fault: 'nan' | 'inf' | 'empty'): string {
	const answer = JSON.parse(body) as {data?: {result?: Array<{value?: [number, string]; values?: Array<[number, string]>}>}};
	const result = answer.data?.result;
	if (!Array.isArray(result)) {
		return body;
	}

	if (fault === 'empty') {
		answer.data!.result = [];
		return JSON.stringify(answer);
	}

	const text = fault === 'nan' ? 'NaN' : '+Inf';
	for (const series of result) {
		if (series.value !== undefined) {
			series.value = [series.value[0], text];
		}

		series.values = series.values?.map(([time]) => [time, text]);
	}

	return JSON.stringify(answer);
}

/** Starts the proxy on a free 127.0.0.1 port. */
export async function startPrometheusProxy(options: PrometheusProxyOptions): Promise<PrometheusProxy> {
	const prefix = (options.prefix ?? '').replace(/\/+$/, '');
	const upstream = new URL(options.upstream);
	const counts: Record<string, number> = {};
	const count = (what: string) => {
		counts[what] = (counts[what] ?? 0) + 1;
	};

	let fault: ProxyFault = 'none';
	const held: Array<() => void> = [];

	const forward = (request: http.IncomingMessage, response: http.ServerResponse, path: string, rewrite?: 'nan' | 'inf' | 'empty') => {
		const outgoing = http.request({host: upstream.hostname, port: upstream.port, path, method: request.method, headers: {...request.headers, host: upstream.host, 'accept-encoding': 'identity'}}, answer => {
			const chunks: Buffer[] = [];
			answer.on('data', (chunk: Buffer) => chunks.push(chunk));
			answer.on('end', () => {
				let body = Buffer.concat(chunks).toString('utf8');
				if (rewrite !== undefined && (answer.statusCode ?? 500) < 300 && /\/api\/v1\/query(_range)?$/.test(path.split('?')[0]!)) {
					body = rewriteAnswer(body, rewrite);
				}

				response.writeHead(answer.statusCode ?? 502, {'content-type': answer.headers['content-type'] ?? 'application/json'});
				response.end(body);
			});
		});
		outgoing.on('error', () => {
			// The Prometheus behind is down: close the client's connection, as a dead process would.
			request.socket.destroy();
		});
		request.pipe(outgoing);
	};

	const server = http.createServer((request, response) => {
		const url = request.url ?? '/';
		if (prefix !== '' && !url.startsWith(`${prefix}/`)) {
			count('not-found');
			response.writeHead(404, {'content-type': 'text/plain'}).end('404 page not found\n');
			return;
		}

		if (options.authorization !== undefined && request.headers.authorization !== options.authorization) {
			count('unauthorized');
			response.writeHead(401, {'content-type': 'text/plain', 'www-authenticate': 'Bearer realm="gateway"'}).end('unauthorized\n');
			return;
		}

		const path = url.slice(prefix.length);
		const current = fault;
		count(current === 'none' ? 'passed' : current);
		switch (current) {
			case 'none': {
				forward(request, response, path);
				return;
			}

			case 'hang': {
				held.push(() => {
					forward(request, response, path);
				});
				return;
			}

			case 'reset': {
				request.socket.destroy();
				return;
			}

			case 'http500':
			case 'http503': {
				response.writeHead(current === 'http500' ? 500 : 503, {'content-type': 'text/plain'}).end(current === 'http500' ? 'internal server error\n' : 'Service Unavailable\n');
				return;
			}

			case 'invalid-json': {
				response.writeHead(200, {'content-type': 'application/json'}).end('{"status":"success","data":{"resultType":"vector","result":[{"metric":');
				return;
			}

			default: {
				forward(request, response, path, current);
			}
		}
	});
	const tracked = trackConnections(server);
	server.on('connection', socket => {
		if (fault === 'reset') {
			socket.destroy();
		}
	});
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(0, '127.0.0.1', resolve);
	});
	const {port} = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}${prefix}`,
		counts,
		setFault(next) {
			fault = next;
			if (next !== 'hang') {
				for (const release of held.splice(0)) {
					release();
				}
			}

			if (next === 'reset') {
				tracked.destroyAll();
			}
		},
		async stop() {
			held.splice(0);
			await tracked.close();
		},
	};
}
