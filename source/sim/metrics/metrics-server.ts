import {createServer} from 'node:http';
import type {Registry} from 'prom-client';
import {listenOnLoopback} from '../../net/listen.js';

/** A running /metrics endpoint. */
export interface MetricsServer {
	/** `http://127.0.0.1:PORT/metrics`. */
	url: string;
	/** `127.0.0.1:PORT`, the form a Prometheus static scrape target takes. */
	target: string;
	/** Closes the listener and open connections; idempotent. */
	stop(): Promise<void>;
}

/**
 * Serves a registry's text exposition at /metrics on 127.0.0.1, like a sidecar's merged
 * Prometheus endpoint (:15020/stats/prometheus) that the `kubernetes-pods` job scrapes.
 */
export async function startMetricsServer(registry: Registry, options: {port?: number} = {}): Promise<MetricsServer> {
	const server = createServer((request, response) => {
		const path = new URL(request.url ?? '/', 'http://localhost').pathname;
		if (request.method !== 'GET' || (path !== '/metrics' && path !== '/stats/prometheus')) {
			response.writeHead(404, {'content-type': 'text/plain'}).end('not found\n');
			return;
		}

		registry.metrics().then(
			text => {
				response.writeHead(200, {'content-type': registry.contentType}).end(text);
			},
			(error: unknown) => {
				response.writeHead(500, {'content-type': 'text/plain'}).end(`${String(error)}\n`);
			},
		);
	});
	const port = await listenOnLoopback(server, options.port ?? 0);
	let stopped: Promise<void> | undefined;
	return {
		url: `http://127.0.0.1:${port}/metrics`,
		target: `127.0.0.1:${port}`,
		stop() {
			stopped ??= new Promise<void>(resolve => {
				server.close(() => {
					resolve();
				});
				server.closeAllConnections();
			});
			return stopped;
		},
	};
}
