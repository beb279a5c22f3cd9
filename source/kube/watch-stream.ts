/**
 * A Kubernetes watch (GET ?watch=true, one JSON event per line) sent through meshtop's own request path: client-node
 * prepares the request (every auth method, TLS, proxies, the shared dispatcher) and undici sends it, as for KubeRest.
 * Why not client-node's Watch: on an answer other than 200 it keeps only the status code, so kube-apiserver's own 429
 * (max-requests-inflight), which says when to come back only in its Retry-After header, reached meshtop without it and
 * the watch waited its longest backoff. Here a refused watch fails with a KubeHttpError carrying status, body and
 * headers, read by errors.ts like any other answer. Same contract as client-node's Watch.watch otherwise.
 */
import {createInterface} from 'node:readline';
import type {KubeConfig} from '@kubernetes/client-node';
// Modules, not the package index (see config.ts).
import {HttpMethod, RequestContext} from '@kubernetes/client-node/dist/gen/http/http.js';
import {request as undiciRequest} from 'undici';
import {headerRecord} from './node-request.js';
import {KubeHttpError} from './rest.js';
import {authenticate} from './authenticate.js';

/** Called per event: its type (ADDED, MODIFIED, DELETED, BOOKMARK, ERROR) and object. */
export type WatchCallback = (type: string, object: unknown) => void;

/** Called once when the watch ends: null when the server closed it, else the error (a TimeoutError after silence). */
export type WatchDone = (error: unknown) => void;

/**
 * How long a running watch may be silent before it is taken for a dead connection and started again (from its last
 * resourceVersion). A quiet collection's watch carries only bookmarks, which kube-apiserver's watch cache sends
 * about once a minute (`nextBookmarkTime`, k8s.io/apiserver cache_watcher.go); client-node's 30 s ended every quiet
 * watch halfway between two bookmarks, so the console's eight watches were opened again every 30 s, 16 requests a
 * minute that brought nothing. A connection the server closes or resets still ends the watch at once.
 */
export const watchIdleTimeoutMs = 90_000;

/** Starts watches against the current context of one kubeconfig. */
export class WatchStream {
	private readonly kc: KubeConfig;
	/** No answer, or no byte of a running watch, for this long ends it with a TimeoutError. */
	private readonly idleTimeoutMs: number;

	constructor(kc: KubeConfig, idleTimeoutMs = watchIdleTimeoutMs) {
		this.kc = kc;
		this.idleTimeoutMs = idleTimeoutMs;
	}

	/**
	 * Watches `path` from the query's resourceVersion. Resolves with the watch's AbortController once the server
	 * answered (or the request failed: `done` has then been called); rejects only when the credentials cannot be had.
	 */
	async watch(path: string, query: Readonly<Record<string, string | boolean | undefined>>, callback: WatchCallback, done: WatchDone): Promise<AbortController> {
		const cluster = this.kc.getCurrentCluster();
		if (cluster === null) {
			throw new Error('No currently active cluster');
		}

		const url = new URL(cluster.server.replace(/\/+$/, '') + path);
		url.searchParams.set('watch', 'true');
		for (const [name, value] of Object.entries(query)) {
			if (value !== undefined) {
				url.searchParams.set(name, String(value));
			}
		}

		const controller = new AbortController();
		const context = new RequestContext(url.toString(), HttpMethod.GET);
		context.setHeaderParam('Accept', 'application/json');
		context.setHeaderParam('User-Agent', 'meshtop');
		await authenticate(this.kc, context);

		let timer: NodeJS.Timeout | undefined;
		let timedOut = false;
		let ended = false;
		const end = (error: unknown) => {
			if (ended) {
				return;
			}

			ended = true;
			clearTimeout(timer);
			controller.abort();
			done(error !== null && error !== undefined && timedOut ? new DOMException('The watch was silent too long', 'TimeoutError') : error);
		};

		const idle = () => {
			clearTimeout(timer);
			timer = setTimeout(() => {
				timedOut = true;
				controller.abort(new DOMException('The watch was silent too long', 'TimeoutError'));
			}, this.idleTimeoutMs);
			timer.unref();
		};

		try {
			idle();
			const dispatcher = context.getDispatcher();
			const response = await undiciRequest(context.getUrl(), {
				method: 'GET',
				headers: context.getHeaders(),
				signal: controller.signal,
				...(dispatcher === undefined ? {} : {dispatcher}),
			});
			if (response.statusCode !== 200) {
				const text = await response.body.text();
				throw new KubeHttpError(response.statusCode, text, 'GET', url.toString(), headerRecord(response.headers));
			}

			idle();
			const {body} = response;
			body.on('data', idle);
			body.on('error', end);
			body.on('end', () => {
				end(null);
			});
			body.on('close', () => {
				end(null);
			});
			const lines = createInterface({input: body});
			// readline passes the body's errors on (an abort included): handled here, or they would be uncaught.
			lines.on('error', end);
			lines.on('line', line => {
				let event: {type?: unknown; object?: unknown};
				try {
					event = JSON.parse(line) as {type?: unknown; object?: unknown};
				} catch {
					// A line cut by the end of the connection: the watch resumes from the last resourceVersion seen.
					return;
				}

				if (!ended && typeof event.type === 'string') {
					callback(event.type, event.object);
				}
			});
		} catch (error) {
			end(error);
		}

		return controller;
	}
}
