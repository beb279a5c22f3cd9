/**
 * The one place that writes a split. Console apply and undo, the console's rollout steps, `set`, `shift` and `undo`
 * all call {@link SplitWriter.write}: the resourceVersion test, the conflict re-read and the trail entry happen by
 * construction, not by each caller remembering them. Nothing else in meshtop builds or sends a weight patch.
 */
import {routeObjectKind, routeWeights, type JsonPatchOperation, type RouteObjectKind, type VirtualService} from '../domain/virtual-service.js';
import {weightPatch} from '../domain/weight-patch.js';
import {inverseWeightPatch} from '../domain/undo-patch.js';
import type {HistoryFile} from '../trail/history-file.js';
import type {WeightChange} from '../domain/weight-change.js';
import type {SplitWriter, WriteOutcome} from '../ports/split-writer.js';
import type {IstioApi} from '../kube/istio-api.js';
import {createTrail, type ChangeTrail} from '../trail/record.js';
import {WriteIntents, type IntentJournal, type SavedIntent} from '../trail/write-intents.js';
import type {WriteIntent} from '../domain/write-intent.js';
import {errorMessage} from '../util/error-message.js';
import {patchRidingCuts, type CutPatchResult, type CutWriteOptions} from './cut-write.js';
import {isObject} from '../util/guards.js';

/** What the writer needs of the cluster (IstioApi has both; tests pass an in-memory store). */
export interface SplitStore {
	/** Sends a JSON Patch to a route object of `kind`; a failed resourceVersion test rejects with an error whose `kind` is 'conflict'. */
	patchRoute(kind: RouteObjectKind, namespace: string, name: string, operations: JsonPatchOperation[]): Promise<VirtualService>;
	/** Reads the object again, after a conflict, so the caller can show what won. */
	getRoute(kind: RouteObjectKind, namespace: string, name: string): Promise<VirtualService>;
}

/** Who writes, for the trail. */
export interface Writer {
	/** Kubeconfig user. */
	user: string;
	/** Kubeconfig context. */
	context: string;
	/** Namespace of the VirtualServices this writer changes. */
	namespace: string;
}

/** What {@link createSplitWriter} needs. */
export interface SplitWriterOptions {
	/** Where patches go and conflicts are re-read from. */
	store: SplitStore;
	/** Where written changes are recorded. */
	trail: ChangeTrail;
	/** Who writes. */
	writer: Writer;
	/** Time of the records (default now). */
	now?: () => Date;
	/** Where each write's intent is saved before its PATCH (default none: tests of the write alone). */
	intents?: IntentJournal;
	/** The writing process, for the intent (default this process). */
	process?: {pid: number; command: string};
	/**
	 * Ride through a PATCH cut by a transport error (see cut-write.ts): wait for the server and settle the write
	 * instead of failing at once. Default off: the write fails with the transport error as before.
	 */
	cutWrites?: CutWriteOptions;
}

/** This process as an intent names it: pid, and the command line without the node binary and script path. */
export function currentProcess(): {pid: number; command: string} {
	return {pid: process.pid, command: ['meshtop', ...process.argv.slice(2)].join(' ')};
}

function errorKind(error: unknown): unknown {
	return isObject(error) ? error['kind'] : undefined;
}

function uidOf(vs: VirtualService): string | undefined {
	const uid = vs.metadata['uid'];
	return typeof uid === 'string' ? uid : undefined;
}

/** The trail note: the caller's, then what a cut write went through. */
function noteOf(note: string | undefined, notes: readonly string[]): string | undefined {
	const parts = [...(note === undefined || note === '' ? [] : [note]), ...notes];
	return parts.length === 0 ? undefined : parts.join('; ');
}

/** Creates the write service over a cluster store and a trail. */
export function createSplitWriter(options: SplitWriterOptions): SplitWriter {
	const {store, trail, writer} = options;
	const namespaceOf = (vs: VirtualService) => vs.metadata.namespace ?? writer.namespace;

	async function reread(vs: VirtualService, message: string): Promise<WriteOutcome> {
		const current = await store.getRoute(routeObjectKind(vs), namespaceOf(vs), vs.metadata.name).catch(() => undefined);
		return {kind: 'conflict', message, current};
	}

	return {
		async write(request) {
			const {vs, route, change, reason} = request;
			if (request.expectedResourceVersion !== undefined && request.expectedResourceVersion !== vs.metadata.resourceVersion) {
				// The caller already holds the newer object: nothing to send, nothing to re-read.
				return {kind: 'conflict', message: `${vs.metadata.name} changed since resourceVersion ${request.expectedResourceVersion} (now ${vs.metadata.resourceVersion ?? '?'})`, current: vs};
			}

			const before = routeWeights(route);
			const after = Object.fromEntries(route.destinations.map(destination => [destination.key, change.weights[destination.key] ?? 0]));
			let operations: JsonPatchOperation[];
			try {
				if ('undo' in change && (vs.metadata.resourceVersion ?? '') === '') {
					throw new Error(`${routeObjectKind(vs)} ${vs.metadata.name} has no metadata.resourceVersion: refusing an undo that could overwrite another edit`);
				}

				operations = 'undo' in change
					? [{op: 'test', path: '/metadata/resourceVersion', value: vs.metadata.resourceVersion}, ...change.undo]
					: weightPatch(vs, route, after);
			} catch (error) {
				return {kind: 'invalid', message: errorMessage(error)};
			}

			// Write-ahead: a writer killed after this point leaves the intent for the next meshtop to resolve.
			const intentWarnings: string[] = [];
			const writing = options.process ?? currentProcess();
			const uid = uidOf(vs);
			const intent: WriteIntent = {
				version: 1,
				kind: routeObjectKind(vs),
				namespace: namespaceOf(vs),
				name: vs.metadata.name,
				...(uid === undefined ? {} : {uid}),
				route: route.name,
				resourceVersion: vs.metadata.resourceVersion ?? '',
				before,
				asked: 'undo' in change ? {...change.weights} : after,
				time: (options.now?.() ?? new Date()).toISOString(),
				pid: writing.pid,
				command: writing.command,
				user: writer.user,
				context: writer.context,
				source: reason.source,
				...(reason.note === undefined ? {} : {note: reason.note}),
			};
			// An unwritable state folder must not stop the write (as an unwritable history file does not): it is said.
			const save = async (saving: WriteIntent) => options.intents?.save(saving).catch((error: unknown) => {
				intentWarnings.push(`no write-ahead intent saved (a kill during this write would leave no trail): ${errorMessage(error)}`);
				return undefined;
			});
			let saved: SavedIntent | undefined = await save(intent);

			const sent: CutPatchResult = options.cutWrites === undefined
				? await store.patchRoute(routeObjectKind(vs), namespaceOf(vs), vs.metadata.name, operations).then(
					patched => ({kind: 'patched' as const, vs: patched, testedVersion: intent.resourceVersion, notes: []}),
					(error: unknown) => ({kind: 'error' as const, error}))
				: await patchRidingCuts({
					store, kind: routeObjectKind(vs), namespace: namespaceOf(vs), name: vs.metadata.name, operations, read: vs, intent,
					async retarget(retargeted) {
						// The new intent on disk before the old one goes: a kill in between leaves at least one.
						const previous = saved;
						saved = await save(retargeted);
						await previous?.remove();
					},
				}, options.cutWrites);
			if (sent.kind === 'unsettled') {
				// The intent stays on disk: whether the write landed is for the next meshtop to read from the route.
				return {kind: 'failed', message: sent.message, error: sent.error};
			}

			if (sent.kind !== 'patched') {
				await saved?.remove();
				if (sent.kind === 'conflict') {
					return {kind: 'conflict', message: sent.message, current: sent.current};
				}

				const kind = errorKind(sent.error);
				if (kind === 'conflict') {
					return reread(vs, errorMessage(sent.error));
				}

				return kind === 'invalid' ? {kind: 'invalid', message: errorMessage(sent.error)} : {kind: 'failed', message: errorMessage(sent.error), error: sent.error};
			}

			const updated = sent.vs;
			const note = noteOf(reason.note, sent.notes);
			const undo = 'undo' in change ? [] : inverseWeightPatch(vs, operations);
			const record: WeightChange = {
				time: (options.now?.() ?? new Date()).toISOString(),
				user: writer.user,
				context: writer.context,
				namespace: namespaceOf(vs),
				vs: vs.metadata.name,
				...(routeObjectKind(vs) === 'HTTPRoute' ? {kind: 'HTTPRoute' as const} : {}),
				route: route.name,
				before,
				after: 'undo' in change ? {...change.weights} : after,
				resourceVersionBefore: sent.testedVersion,
				resourceVersionAfter: updated.metadata.resourceVersion ?? '',
				source: reason.source,
				...(note === undefined ? {} : {note}),
				...(undo.length === 0 ? {} : {undo}),
			};
			request.onWritten?.({vs: updated, change: record});
			const recorded = await trail.record(record, uidOf(updated) ?? uidOf(vs));
			await saved?.remove();
			return {kind: 'written', vs: updated, change: recorded.record, warnings: [...intentWarnings, ...sent.notes, ...recorded.warnings]};
		},
	};
}

/** What {@link connectionWriter} needs: the API (patch, get, Events) and the history file of one connection. */
export interface ConnectionWriterOptions {
	/** The connection's API: patches, re-reads and Events. */
	api: SplitStore & Pick<IstioApi, 'createEvent'>;
	/** The trail's JSONL file. */
	historyFile: Pick<HistoryFile, 'append' | 'path'>;
	/** Who writes. */
	writer: Writer;
	/** Time of the records (default now). */
	now?: () => Date;
	/** The ride-through of cut writes (default: on, up to 30 s of waiting). */
	cutWrites?: CutWriteOptions;
}

/**
 * The write service of a command's connection: the API server is the store, Events and the history file the trail,
 * each write's intent is saved beside the history file before its PATCH, and a PATCH cut by a transport error (an API
 * server restarting) is ridden through: a headless `shift`, `set` or `undo` should not stop for a restart of seconds.
 */
export function connectionWriter(options: ConnectionWriterOptions): SplitWriter {
	return createSplitWriter({
		store: options.api,
		trail: createTrail({api: options.api, historyFile: options.historyFile}),
		intents: new WriteIntents(options.historyFile.path),
		writer: options.writer,
		cutWrites: options.cutWrites ?? {},
		...(options.now === undefined ? {} : {now: options.now}),
	});
}
