import type {ServerResponse} from 'node:http';
import type {KubeObject, ObjectStore, StoreEvent} from './store.js';

/** Options of {@link startWatch}. */
export interface WatchOptions {
	store: ObjectStore;
	response: ServerResponse;
	/** Store resource key the watch follows. */
	resource: string;
	/** Which objects the client asked for (namespace, label and field selectors). */
	filter: (object: KubeObject) => boolean;
	/** Renders an object in the requested version / as a Table row. */
	render: (object: KubeObject) => unknown;
	/** Renders the object a BOOKMARK carries (kind, apiVersion, resourceVersion). */
	bookmark: (resourceVersion: string) => unknown;
	/** The `resourceVersion` query parameter ('' or '0' = start with the current state). */
	resourceVersion: string;
	/** Send BOOKMARK events this often (allowWatchBookmarks); undefined = never. */
	bookmarkIntervalMs?: number;
	/** End the watch after this long (timeoutSeconds). */
	timeoutMs?: number;
	/** Called once when the watch ends, whoever ended it. */
	onClose: () => void;
}

/** A running watch stream; close() ends the HTTP response. */
export interface WatchHandle {
	close(): void;
}

/**
 * Streams watch events as newline-delimited JSON over a chunked 200 response, like the real server:
 * synthetic ADDED events for the current state when no resourceVersion is given, otherwise the retained
 * history after it, then live changes. A resourceVersion older than the history gets one ERROR event
 * carrying a 410 Expired Status, and the stream ends (clients then relist).
 */
export function startWatch(options: WatchOptions): WatchHandle {
	const {store, response} = options;
	const timers: NodeJS.Timeout[] = [];
	let unsubscribe: (() => void) | undefined;
	let closed = false;

	const close = (): void => {
		if (closed) {
			return;
		}
		closed = true;
		unsubscribe?.();
		for (const timer of timers) {
			clearTimeout(timer);
			clearInterval(timer);
		}
		if (!response.writableEnded) {
			response.end();
		}
		options.onClose();
	};

	const write = (type: string, object: unknown): void => {
		if (!closed) {
			response.write(`${JSON.stringify({type, object})}\n`);
		}
	};

	// Objects currently inside the selection, so that an object entering or leaving it (a label change)
	// is seen as ADDED or DELETED, as the real server's filtered watch reports it.
	const inside = new Set<string>(store.list(options.resource).filter(object => options.filter(object)).map(object => object.metadata.uid ?? ''));
	const deliver = (event: StoreEvent): void => {
		if (event.resource !== options.resource) {
			return;
		}
		const uid = event.object.metadata.uid ?? '';
		const was = inside.has(uid);
		const now = event.type !== 'DELETED' && options.filter(event.object);
		if (now) {
			inside.add(uid);
		} else {
			inside.delete(uid);
		}
		if (event.type === 'DELETED') {
			if (was || options.filter(event.object)) {
				write('DELETED', options.render(event.object));
			}
		} else if (now) {
			write(event.type === 'MODIFIED' && was ? 'MODIFIED' : 'ADDED', options.render(event.object));
		} else if (was) {
			write('DELETED', options.render(event.object));
		}
	};

	response.writeHead(200, {'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked'});
	response.flushHeaders();
	response.on('close', close);

	const requested = options.resourceVersion;
	if (requested === '' || requested === '0') {
		for (const object of store.list(options.resource)) {
			if (options.filter(object)) {
				write('ADDED', options.render(object));
			}
		}
	} else {
		const since = Number(requested);
		const events = Number.isInteger(since) && since >= 0 ? store.eventsSince(since) : undefined;
		if (!events) {
			write('ERROR', {
				kind: 'Status',
				apiVersion: 'v1',
				metadata: {},
				status: 'Failure',
				message: `too old resource version: ${requested} (${store.oldestResourceVersion})`,
				reason: 'Expired',
				code: 410,
			});
			close();
			return {close};
		}
		for (const event of events) {
			deliver(event);
		}
	}
	// Same tick as the replay above, so no write can fall between history and live events.
	unsubscribe = store.subscribe(deliver);

	if (options.bookmarkIntervalMs !== undefined) {
		timers.push(setInterval(() => {
			write('BOOKMARK', options.bookmark(store.resourceVersion));
		}, options.bookmarkIntervalMs));
	}
	if (options.timeoutMs !== undefined) {
		timers.push(setTimeout(close, options.timeoutMs));
	}
	return {close};
}
