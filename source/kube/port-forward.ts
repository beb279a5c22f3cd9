import net from 'node:net';
import {duplexPair, Writable, type Duplex} from 'node:stream';
import type {KubeTarget} from './config.js';
import {isUntrustedCertificate, toKubeError} from './errors.js';
import {findServingPod} from './pods.js';
import {watchForwardedPods} from './pod-watch.js';
import {listenOnLoopback} from '../net/listen.js';
import {KubeRest} from './rest.js';
import {defaultRetryAfterMs, throttledWaitMs} from './throttle-retry.js';

/** State of a port-forward: 'reconnecting' while the pod is being found again, 'failed' when it cannot be. */
export type PortForwardState = 'ready' | 'reconnecting' | 'failed';

/** What the header shows about the forward. */
export interface PortForwardStatus {
	/** Whether new connections are forwarded. */
	state: PortForwardState;
	/** The pod connections go to. */
	pod?: string;
	/** The last failure, for the user. */
	error?: string;
}

/** A local 127.0.0.1 TCP server (free port) whose every accepted connection opens a WebSocket port-forward via client-node's PortForward (the pattern of client-node's port-forward example). A dropped stream ends that connection; if forwarding fails (pod gone/restarted), re-resolve the pod by selector with exponential backoff (250 ms → 10 s) and report status. connect() forwards an in-process stream the same way. Owned: stop() closes the server and every socket and stream. */
export interface PortForwardHandle {
	/** http://127.0.0.1:PORT */
	url: string;
	/**
	 * A connection to the pod's port from inside this process, forwarded as a connection to `url` is, without the
	 * loopback TCP hop: the live reads' way in. Ending either end ends the other; stop() ends it.
	 */
	connect(): Duplex;
	/** The current status. */
	status(): PortForwardStatus;
	/** Calls `listener` on every status change; returns the unsubscribe. */
	onStatus(listener: (status: PortForwardStatus) => void): () => void;
	/** Closes the server, every connection and WebSocket, and stops re-resolving. */
	stop(): Promise<void>;
}

/** Where to forward to. */
export interface PortForwardWhere {
	/** Namespace of the pod. */
	namespace: string;
	/** The pod found by discovery. */
	pod: string;
	/** Container port, e.g. 9090. */
	port: number;
	/** Label selector to find a replacement pod; without it, a deleted pod fails the forward. */
	selector?: string;
}

/** Minimal view of the `ws` WebSocket that PortForward returns. */
interface ForwardSocket {
	readyState: number;
	on(event: 'close' | 'error', listener: (...args: unknown[]) => void): unknown;
	close(): void;
	terminate(): void;
}

const openState = 1;
const initialBackoff = 250;
const maxBackoff = 10_000;

/** Opens the local server; resolves once it listens. The caller owns the handle and must stop() it. */
export async function startPortForward(target: KubeTarget, where: PortForwardWhere): Promise<PortForwardHandle> {
	// Loaded here, not at start: see port-forward-client.ts.
	const {makePortForward} = await import('./port-forward-client.js');
	const rest = new KubeRest(target.kc);
	const sockets = new Set<Duplex>();
	const webSockets = new Set<ForwardSocket>();
	// Every WebSocket from its creation, handshake included, until it closes: stop() ends those still connecting too.
	const allWebSockets = new Set<ForwardSocket>();
	let stopped = false;
	const forward = makePortForward(target.kc, ws => {
		if (stopped) {
			ws.terminate();
			return;
		}

		allWebSockets.add(ws);
		ws.on('close', () => allWebSockets.delete(ws));
		// Until portForward() resolves nobody else listens: an error then (the handshake aborted) must not be unhandled.
		ws.on('error', () => undefined);
	});
	// The pod each forwarded connection goes to.
	const forwardedTo = new Map<Duplex, string>();
	const listeners = new Set<(status: PortForwardStatus) => void>();
	// Connections waiting for the pod to be found again; called on every state change.
	const waiters = new Set<() => void>();
	let status: PortForwardStatus = {state: 'ready', pod: where.pod};
	let resolving = false;
	let timer: NodeJS.Timeout | undefined;
	let wakeSleep: (() => void) | undefined;

	const setStatus = (next: PortForwardStatus) => {
		status = next;
		if (next.state !== 'reconnecting') {
			// Connections still open to a pod that is gone or replaced are stale (a real pod's streams die with it):
			// end them so clients reconnect to the current pod instead of talking to a ghost.
			for (const [socket, pod] of forwardedTo) {
				if (next.state === 'failed' || pod !== next.pod) {
					socket.destroy();
				}
			}
		}

		for (const waiter of [...waiters]) {
			waiter();
		}

		for (const listener of [...listeners]) {
			listener(next);
		}
	};

	const sleep = async (ms: number) => new Promise<void>(resolve => {
		wakeSleep = resolve;
		timer = setTimeout(resolve, ms);
	});

	/** Finds the pod to forward to again; `firstWaitMs`: the server asked (429) not to be asked before then. */
	const resolvePod = async (cause: string, firstWaitMs = 0) => {
		if (resolving || stopped) {
			return;
		}

		resolving = true;
		setStatus({state: 'reconnecting', pod: status.pod, error: cause});
		let delay = initialBackoff;
		if (firstWaitMs > 0) {
			await sleep(firstWaitMs);
		}

		while (!stopped) {
			let waitMs: number | undefined;
			try {
				// eslint-disable-next-line no-await-in-loop -- a retry loop: each attempt, or its backoff sleep, must follow the one before
				const found = await findServingPod(rest, where);
				if (stopped) {
					break;
				}

				if (found.pod !== undefined) {
					resolving = false;
					setStatus({state: 'ready', pod: found.pod});
					return;
				}

				setStatus({state: 'reconnecting', pod: status.pod, error: found.reason});
			} catch (error) {
				const kubeError = toKubeError(error, {verb: 'get', resource: 'pods', namespace: where.namespace, name: where.pod, server: target.server, user: target.user});
				if (kubeError.kind === 'not-found' && where.selector === undefined) {
					resolving = false;
					setStatus({state: 'failed', pod: where.pod, error: `${kubeError.message}; no selector to find a replacement`});
					return;
				}

				setStatus({state: 'reconnecting', pod: status.pod, error: kubeError.message});
				// An overloaded server (429) is asked again when it said, not at our own backoff.
				waitMs = throttledWaitMs(kubeError);
			}

			// eslint-disable-next-line no-await-in-loop -- a retry loop: each attempt, or its backoff sleep, must follow the one before
			await sleep(waitMs ?? delay);
			if (waitMs === undefined) {
				delay = Math.min(delay * 2, maxBackoff);
			}
		}

		resolving = false;
	};

	/** Resolves when the forward is ready again (true), or when waiting is pointless: failed, stopped, or the client left (false). */
	const untilReady = async (socket: Duplex): Promise<boolean> => new Promise(resolve => {
		const check = () => {
			if (stopped || socket.destroyed || status.state === 'failed') {
				finish(false);
			} else if (status.state === 'ready') {
				finish(true);
			}
		};

		const finish = (ready: boolean) => {
			waiters.delete(check);
			socket.off('close', check);
			resolve(ready);
		};

		waiters.add(check);
		socket.on('close', check);
		check();
	});

	const openForward = async (socket: Duplex, pod: string): Promise<void> => {
		const errors = new Writable({
			write(chunk: Buffer, _encoding, callback) {
				// The first frame of the error channel is only the port number (stripped by client-node): empty.
				if (chunk.length > 0) {
					const message = chunk.toString('utf8');
					setStatus({...status, error: `port-forward to ${pod}:${where.port}: ${message}`});
					socket.destroy();
				}

				callback();
			},
		});
		const result = await forward.portForward(where.namespace, pod, [where.port], socket, errors, socket);
		if (typeof result === 'function') {
			throw new TypeError('unexpected restartable port-forward');
		}

		const ws = result as unknown as ForwardSocket;
		if (stopped || socket.destroyed) {
			ws.close();
			return;
		}

		webSockets.add(ws);
		forwardedTo.set(socket, pod);
		ws.on('close', () => {
			webSockets.delete(ws);
			// A dropped stream ends this connection; the client opens another one.
			socket.end();
		});
		ws.on('error', () => {
			socket.destroy();
		});
		socket.on('close', () => {
			forwardedTo.delete(socket);
			if (ws.readyState === openState) {
				ws.close();
			}
		});
	};

	const accept = async (socket: Duplex) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
		// Writes after the peer left, resets: the connection is dropped, nothing else to do.
		socket.on('error', () => undefined);
		// Two tries: the first failure (pod gone) makes the forward find the pod again, then this connection retries.
		for (let attempt = 0; attempt < 2; attempt++) {
			// eslint-disable-next-line no-await-in-loop -- a retry loop: each attempt, or its backoff sleep, must follow the one before
			if (!await untilReady(socket)) {
				socket.destroy();
				return;
			}

			const pod = status.pod ?? where.pod;
			try {
				// eslint-disable-next-line no-await-in-loop -- a retry loop: each attempt, or its backoff sleep, must follow the one before
				await openForward(socket, pod);
				return;
			} catch (error) {
				if (stopped) {
					break;
				}

				// ws rejects with an ErrorEvent (not an Error) whose message says e.g. "Unexpected server response: 404".
				const message = typeof error === 'object' && error !== null && 'message' in error ? String(error.message) : String(error);
				if (/Unexpected server response: (401|403)\b/.test(message)) {
					// Another pod would be refused too: RBAC must change first, retrying cannot help.
					const denied = toKubeError({code: message.includes('401') ? 401 : 403}, {verb: 'create', resource: 'pods/portforward', namespace: where.namespace, server: target.server, user: target.user});
					setStatus({state: 'failed', pod, error: denied.message});
					break;
				}

				if (isUntrustedCertificate(error)) {
					// A CA that did not sign the server's certificate: every pod, every retry would fail the same way.
					const untrusted = toKubeError((error as {error?: unknown}).error ?? error, {verb: 'create', resource: 'pods/portforward', namespace: where.namespace, server: target.server, user: target.user});
					setStatus({state: 'failed', pod, error: untrusted.message});
					break;
				}

				// Only the first failure for the current pod starts a search; concurrent connections just wait for it. An
				// upgrade refused with 429 (ws keeps no headers of it) waits the API server's usual Retry-After first.
				if (status.state === 'ready' && status.pod === pod) {
					const throttled = /Unexpected server response: 429\b/.test(message);
					void resolvePod(`port-forward to ${where.namespace}/${pod}:${where.port} failed: ${throttled ? 'the API server is overloaded (429 Too Many Requests)' : message}`, throttled ? defaultRetryAfterMs : 0);
				}
			}
		}

		socket.destroy();
	};

	const server = net.createServer(socket => {
		void accept(socket);
	});
	const port = await listenOnLoopback(server);
	const podWatch = watchForwardedPods(target, where, (pod, why) => {
		if (status.state === 'ready' && status.pod === pod) {
			void resolvePod(`pod ${where.namespace}/${pod} ${why}`);
		}
	});

	return {
		url: `http://127.0.0.1:${port}`,
		connect() {
			const [outside, inside] = duplexPair();
			// As a TCP peer's close would: a forward that ends or drops its side leaves no half-open connection behind.
			inside.on('close', () => outside.destroy());
			outside.on('close', () => inside.destroy());
			outside.on('end', () => outside.destroy());
			// After stop() too: accept() then ends it at once.
			void accept(inside);
			return outside;
		},
		status: () => status,
		onStatus(listener) {
			listeners.add(listener);
			return () => {
				listeners.delete(listener);
			};
		},
		async stop() {
			if (stopped) {
				return;
			}

			stopped = true;
			podWatch.stop();
			clearTimeout(timer);
			wakeSleep?.();
			listeners.clear();
			for (const waiter of [...waiters]) {
				waiter();
			}

			const closed = new Promise<void>(resolve => {
				server.close(() => {
					resolve();
				});
			});
			// terminate() aborts a handshake still pending (a server or proxy that never answers the upgrade) as well.
			for (const ws of new Set([...webSockets, ...allWebSockets])) {
				ws.terminate();
			}

			webSockets.clear();
			allWebSockets.clear();
			for (const socket of sockets) {
				socket.destroy();
			}

			await closed;
		},
	};
}
