/**
 * A write whose PATCH was cut by a transport error (connection refused or reset while kube-apiserver restarts, a
 * gateway's 502/503/504) may or may not have landed. Instead of giving up, the writer waits for the server (bounded,
 * backing off, honouring Retry-After), reads the route and decides as the write-ahead intent resolver does: applied →
 * recorded once; not applied and the route otherwise unchanged → the same patch again, tested against the route's
 * resourceVersion now; changed by someone else → a conflict, never an overwrite. A server still gone at the end of the
 * budget leaves the intent on disk: the next meshtop resolves it, so the trail still gets its one line.
 */
import type {JsonPatchOperation, RouteObjectKind, VirtualService} from '../domain/virtual-service.js';
import {cutWriteNext, type WriteIntent} from '../domain/write-intent.js';
import {errorMessage} from '../util/error-message.js';
import {isObject} from '../util/guards.js';

/** How long a cut write waits for the API server in all, by default: a restart of a few seconds is ridden through. */
export const cutWriteBudgetMs = 30_000;

/** Longest pause between two reads while the server is away. */
const maxDelayMs = 2000;

/** Options of the ride-through; tests pass a manual clock. */
export interface CutWriteOptions {
	/** Longest wait for the server after a cut, over all of one write's cuts (default {@link cutWriteBudgetMs}). */
	budgetMs?: number;
	/** Waits `ms` (default a timer). */
	sleep?: (ms: number) => Promise<void>;
	/** Milliseconds since the epoch (default Date.now). */
	now?: () => number;
}

/** What the ride-through needs of the cluster (the writer's store). */
interface RouteStore {
	patchRoute(kind: RouteObjectKind, namespace: string, name: string, operations: JsonPatchOperation[]): Promise<VirtualService>;
	getRoute(kind: RouteObjectKind, namespace: string, name: string): Promise<VirtualService>;
}

/** How a patch sent under the ride-through ended. */
export type CutPatchResult =
	/** Landed: `vs` the route after it, `testedVersion` the resourceVersion the landing patch tested. */
	| {kind: 'patched'; vs: VirtualService; testedVersion: string; notes: string[]}
	/** Failed in a way the ride-through does not handle (409, 422, 403…): the caller treats it as before. */
	| {kind: 'error'; error: unknown}
	/** Someone else changed the route while the server was away: nothing of ours is on it. */
	| {kind: 'conflict'; message: string; current: VirtualService | undefined}
	/** The server did not come back in time (or refused the read): the outcome is unknown, the intent stays. */
	| {kind: 'unsettled'; message: string; error: unknown};

/** Whether a failed PATCH was cut on its way (transport error, gateway status): it may have landed, or not. */
export function isCutWrite(error: unknown): boolean {
	if (!isObject(error)) {
		return false;
	}

	return error['kind'] === 'unreachable' || (typeof error['status'] === 'number' && [502, 503, 504].includes(error['status']));
}

/**
 * Whether a read after a cut may be tried again: the server away or starting. A restarted kube-apiserver answers 404
 * for custom resources and 403 until its caches have synced, and may still answer 429: those are retried too, and a
 * 404 still there when the budget ends means the route is gone.
 */
function retryableRead(error: unknown): boolean {
	return isCutWrite(error) || (isObject(error) && (error['status'] === 429 || error['kind'] === 'not-found' || error['kind'] === 'forbidden'));
}

function retryAfterMs(error: unknown): number {
	const seconds = isObject(error) ? error['retryAfterSeconds'] : undefined;
	return typeof seconds === 'number' && seconds > 0 ? seconds * 1000 : 0;
}

const timerSleep = async (ms: number) => new Promise<void>(resolve => {
	setTimeout(resolve, ms);
});

/** The same operations, their resourceVersion test moved to `resourceVersion`. */
function retested(operations: readonly JsonPatchOperation[], resourceVersion: string): JsonPatchOperation[] {
	return operations.map(operation => operation.op === 'test' && operation.path === '/metadata/resourceVersion' ? {...operation, value: resourceVersion} : operation);
}

/** One write's request to {@link patchRidingCuts}. */
export interface CutPatchRequest {
	store: RouteStore;
	kind: RouteObjectKind;
	namespace: string;
	name: string;
	/** The patch, its first operation the resourceVersion test of `read`. */
	operations: JsonPatchOperation[];
	/** The object the patch was computed from. */
	read: VirtualService;
	/** The write's intent (saved or not): what the reading after a cut is judged against. */
	intent: WriteIntent;
	/** Before the patch goes again under a new resourceVersion: saves the intent that says so (replacing the old one). */
	retarget: (intent: WriteIntent) => Promise<void>;
}

/** Sends the patch; after a cut, waits for the server and settles the write (see the file's comment). */
export async function patchRidingCuts(request: CutPatchRequest, options: CutWriteOptions = {}): Promise<CutPatchResult> {
	const {store, kind, namespace, name} = request;
	const now = options.now ?? Date.now;
	const sleep = options.sleep ?? timerSleep;
	const deadline = now() + (options.budgetMs ?? cutWriteBudgetMs);
	const started = now();
	const notes: string[] = [];
	let {operations, read, intent} = request;
	for (;;) {
		try {
			// eslint-disable-next-line no-await-in-loop -- one write: each attempt follows the reading of the one before
			const vs = await store.patchRoute(kind, namespace, name, operations);
			return {kind: 'patched', vs, testedVersion: intent.resourceVersion, notes};
		} catch (error) {
			if (!isCutWrite(error)) {
				return {kind: 'error', error};
			}

			const cut = errorMessage(error);
			// eslint-disable-next-line no-await-in-loop -- one write: each attempt follows the reading of the one before
			const reading = await readAfterCut(store, request, deadline, {now, sleep});
			const waited = `${((now() - started) / 1000).toFixed(1)} s`;
			if ('error' in reading) {
				return {kind: 'unsettled', message: `the write was cut (${cut}) and the API server ${reading.gone ? 'did not answer again' : 'refused the reading'} within ${waited} (${errorMessage(reading.error)}): whether it landed is unknown; the next meshtop resolves it (meshtop history)`, error: reading.error};
			}

			const next = cutWriteNext(intent, read, reading.current);
			if (next.kind === 'applied') {
				notes.push(`the write was cut (${cut}); read again after ${waited}: it had landed`);
				return {kind: 'patched', vs: reading.current!, testedVersion: intent.resourceVersion, notes};
			}

			if (next.kind === 'conflict') {
				return {kind: 'conflict', message: `conflict: ${kind} ${name} was changed by someone else while the API server was away (the write was cut: ${cut}); not written again: ${next.resolution.reason}`, current: reading.current};
			}

			notes.push(`the write was cut (${cut}); read again after ${waited}: it had not landed, sent again`);
			const resourceVersion = reading.current!.metadata.resourceVersion ?? '';
			if (resourceVersion !== intent.resourceVersion) {
				intent = {...intent, resourceVersion};
				// eslint-disable-next-line no-await-in-loop -- the intent on disk must name the version the next patch tests before it leaves
				await request.retarget(intent);
				operations = retested(operations, resourceVersion);
			}

			read = reading.current!;
		}
	}
}

/** Reads the route until the server answers (or the deadline): the object, undefined when it is gone, or the last error. */
async function readAfterCut(store: RouteStore, request: CutPatchRequest, deadline: number, clock: {now: () => number; sleep: (ms: number) => Promise<void>}): Promise<{current: VirtualService | undefined} | {error: unknown; gone: boolean}> {
	let delay = 250;
	for (;;) {
		try {
			// eslint-disable-next-line no-await-in-loop -- a wait for the server: each read follows the pause after the one before
			return {current: await store.getRoute(request.kind, request.namespace, request.name)};
		} catch (error) {
			if (!retryableRead(error)) {
				return {error, gone: false};
			}

			const wait = Math.max(delay, retryAfterMs(error));
			if (clock.now() + wait > deadline) {
				// A 404 to the end is the route deleted, not a server still starting.
				return isObject(error) && error['kind'] === 'not-found' ? {current: undefined} : {error, gone: isCutWrite(error)};
			}

			// eslint-disable-next-line no-await-in-loop -- a wait for the server: each read follows the pause after the one before
			await clock.sleep(wait);
			delay = Math.min(delay * 2, maxDelayMs);
		}
	}
}
