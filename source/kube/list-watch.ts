import type {KubeConfig} from '@kubernetes/client-node';
import {KubeError, toKubeError, type KubeErrorContext} from './errors.js';
import {isObject} from '../util/guards.js';
import {WatchStream, watchIdleTimeoutMs} from './watch-stream.js';

/** Where a list-watch loop stands. */
export type ListWatchStatus = 'live' | 'reconnecting' | 'error';

/** One resource collection to keep in sync, and where to deliver what happens to it. */
export interface ListWatchOptions<T> {
	/** kubeconfig (server, auth) for the watch requests. */
	kc: KubeConfig;
	/** Names the request in errors. */
	context: KubeErrorContext;
	/** The collection's URL path, e.g. /apis/networking.istio.io/v1/namespaces/bookinfo/virtualservices (resolved per attempt: discovery may fail). */
	path: () => Promise<string>;
	/** A full list and its resourceVersion (the watch starts there); `signal` is aborted by stop(), ending a list in flight. */
	list: (signal: AbortSignal) => Promise<{items: Array<[string, T]>; resourceVersion: string}>;
	/** Turns a watch event's object into key and value; undefined skips it. */
	decode: (object: unknown) => [string, T] | undefined;
	/** After every list: the complete set, replacing everything known. */
	onReplace: (items: Array<[string, T]>) => void;
	/** An object was added or changed. */
	onUpsert: (key: string, value: T) => void;
	/** An object was deleted. */
	onDelete: (key: string) => void;
	/** Connection state changes (errors keep the last good data). */
	onStatus: (status: ListWatchStatus, error?: KubeError) => void;
	/** A list, or a watch not yet answered, is waiting for the API server (true), or no longer (false). */
	onPending?: (pending: boolean) => void;
	/** Backoff after failures (default 250 ms doubling up to 5 s). */
	backoff?: {initialMs: number; maxMs: number};
	/** Silence after which a watch is started again (default {@link watchIdleTimeoutMs}). */
	idleTimeoutMs?: number;
}

/** Owner of a running list-watch loop. */
export interface ListWatchHandle {
	/** Ends the watch and every pending retry; no callback runs afterwards. */
	stop(): void;
}

/**
 * Longest wait between attempts while the API server cannot be reached at all (connection refused or reset): a
 * refused connection costs nothing, and a restarted server must be seen again within a second or two of its return.
 */
export const unreachableMaxDelayMs = 1000;

/**
 * How long after the API server was unreachable its errors still count as its start-up (a restarted kube-apiserver
 * answers 404 for custom resources, or 403, until its caches have synced): retried as quickly as "unreachable".
 */
export const restartSettleMs = 15_000;

/** Failures that retrying soon will not fix; reported as 'error' (retries continue, slowly, in case RBAC or CRDs change). */
const persistentKinds = new Set(['unauthorized', 'forbidden', 'not-found', 'invalid', 'no-context', 'no-kubeconfig']);

function resourceVersionOf(object: unknown): string | undefined {
	const metadata = isObject(object) ? object['metadata'] : undefined;
	const version = isObject(metadata) ? metadata['resourceVersion'] : undefined;
	return typeof version === 'string' && version !== '' ? version : undefined;
}

/** How one watch connection ended. */
type WatchEnd = {reason: 'closed'; events: number} | {reason: 'timeout'} | {reason: 'gone'} | {reason: 'error'; error: unknown};

/**
 * The informer loop, in small: list, watch from the list's resourceVersion, and on the end of a watch either
 * watch again from the last resourceVersion seen (server closed it, or it was idle) or list again
 * (410 Gone, connection errors), with exponential backoff between failures.
 */
export function startListWatch<T>(options: ListWatchOptions<T>): ListWatchHandle {
	const watch = new WatchStream(options.kc, options.idleTimeoutMs ?? watchIdleTimeoutMs);
	const initialDelay = options.backoff?.initialMs ?? 250;
	const maxDelay = options.backoff?.maxMs ?? 5000;
	let stopped = false;
	let controller: AbortController | undefined;
	let wake: (() => void) | undefined;
	let timer: NodeJS.Timeout | undefined;

	const sleep = async (ms: number) => new Promise<void>(resolve => {
		wake = resolve;
		timer = setTimeout(resolve, ms);
	});

	let waiting = false;
	const pending = (now: boolean) => {
		if (now !== waiting) {
			waiting = now;
			options.onPending?.(now);
		}
	};

	const watchOnce = async (path: string, resourceVersion: string, onOpen: () => void, onVersion: (version: string) => void): Promise<WatchEnd> => new Promise<WatchEnd>(resolve => {
		let gone = false;
		let events = 0;
		let ended = false;
		const done = (error: unknown) => {
			ended = true;
			pending(false);
			if (gone) {
				resolve({reason: 'gone'});
			} else if (error === null || error === undefined) {
				resolve({reason: 'closed', events});
			} else if (error instanceof Error && error.name === 'TimeoutError') {
				resolve({reason: 'timeout'});
			} else if (stopped && error instanceof Error && error.name === 'AbortError') {
				resolve({reason: 'closed', events});
			} else {
				resolve({reason: 'error', error});
			}
		};

		const onEvent = (type: string, object: unknown) => {
			if (stopped || gone) {
				return;
			}

			events++;
			if (type === 'ERROR') {
				// A Status object: 410 means our resourceVersion is too old, anything else ends this watch.
				gone = isObject(object) && object['code'] === 410;
				controller?.abort();
				if (!gone) {
					done(toKubeError(object, options.context));
				}

				return;
			}

			const version = resourceVersionOf(object);
			if (version !== undefined) {
				onVersion(version);
			}

			if (type === 'BOOKMARK') {
				return;
			}

			const decoded = options.decode(object);
			if (decoded === undefined) {
				return;
			}

			if (type === 'DELETED') {
				options.onDelete(decoded[0]);
			} else {
				options.onUpsert(decoded[0], decoded[1]);
			}
		};

		pending(true);
		watch.watch(path, {resourceVersion, allowWatchBookmarks: true}, onEvent, done).then(
			abort => {
				pending(false);
				controller = abort;
				if (stopped || ended || gone) {
					abort.abort();
				} else if (!ended) {
					onOpen();
				}
			},
			(error: unknown) => {
				done(error);
			},
		);
	});

	// The list in flight, if any: stop() aborts it (a server that never answers must not keep its socket open).
	let listing: AbortController | undefined;

	const run = async () => {
		let delay = initialDelay;
		let needList = true;
		let resourceVersion = '';
		let unreachableAt = Number.NEGATIVE_INFINITY;
		const fail = async (error: unknown) => {
			const kubeError = toKubeError(error, options.context);
			const unreachable = kubeError.kind === 'unreachable';
			if (unreachable) {
				unreachableAt = Date.now();
			}

			const settling = Date.now() - unreachableAt < restartSettleMs;
			const persistent = persistentKinds.has(kubeError.kind) && !settling;
			options.onStatus(persistent ? 'error' : 'reconnecting', kubeError);
			needList = true;
			// An overloaded server (429) that said when to come back is not asked sooner: no request storm. A 429 that says
			// nothing (a proxy that drops the header) waits the longest backoff. A starting server's 503 also says
			// Retry-After (5 s), but it is ready sooner: those retries follow the settling backoff (≤ 1 s) instead.
			const throttled = kubeError.status === 429;
			const asked = throttled ? (kubeError.retryAfterSeconds ?? maxDelay / 1000) * 1000 : 0;
			const cap = unreachable || settling ? Math.min(maxDelay, unreachableMaxDelayMs) : maxDelay;
			delay = Math.min(delay, cap);
			await sleep(Math.max(persistent ? maxDelay : delay, asked));
			delay = Math.min(delay * 2, cap);
		};

		while (!stopped) {
			try {
				// eslint-disable-next-line no-await-in-loop -- a retry loop: each attempt, or its backoff sleep, must follow the one before
				const path = await options.path();
				if (needList) {
					pending(true);
					let listed;
					listing = new AbortController();
					try {
						// eslint-disable-next-line no-await-in-loop -- a retry loop: each attempt, or its backoff sleep, must follow the one before
						listed = await options.list(listing.signal);
					} finally {
						listing = undefined;
						pending(false);
					}

					if (stopped) {
						return;
					}

					options.onReplace(listed.items);
					resourceVersion = listed.resourceVersion;
					needList = false;
				}

				// eslint-disable-next-line no-await-in-loop -- a retry loop: each attempt, or its backoff sleep, must follow the one before
				const end = await watchOnce(path, resourceVersion, () => {
					delay = initialDelay;
					options.onStatus('live');
				}, version => {
					resourceVersion = version;
				});
				if (stopped) {
					return;
				}

				if (end.reason === 'gone') {
					options.onStatus('reconnecting', new KubeError('gone', `the watch of ${options.context.resource} expired (resource version ${resourceVersion} too old); listing again`, {status: 410, verb: 'watch', resource: options.context.resource}));
					needList = true;
				} else if (end.reason === 'error') {
					// eslint-disable-next-line no-await-in-loop -- a retry loop: each attempt, or its backoff sleep, must follow the one before
					await fail(end.error);
				} else if (end.reason === 'closed' && end.events === 0) {
					// A server that closes watches at once must not make this loop spin.
					// eslint-disable-next-line no-await-in-loop -- a retry loop: each attempt, or its backoff sleep, must follow the one before
					await sleep(delay);
					delay = Math.min(delay * 2, maxDelay);
				}
			} catch (error) {
				if (stopped) {
					return;
				}

				// eslint-disable-next-line no-await-in-loop -- a retry loop: each attempt, or its backoff sleep, must follow the one before
				await fail(error);
			}
		}
	};

	void run();
	return {
		stop() {
			stopped = true;
			controller?.abort();
			listing?.abort();
			clearTimeout(timer);
			wake?.();
		},
	};
}
