/**
 * Resolves the write-ahead intents a killed writer left behind: each is claimed (atomic rename), its route read again,
 * the outcome decided by the pure resolver, and a trail line (plus the Event where the normal path records one) written
 * for it before the file is removed. Intents of a living process (a meshtop mid-write) are left alone.
 */
import type {RouteObjectKind, VirtualService} from '../domain/virtual-service.js';
import {interruptedChange, interruptedNote, resolveIntent, sameSplit, type IntentResolution, type WriteIntent} from '../domain/write-intent.js';
import type {WeightChange} from '../domain/weight-change.js';
import type {IstioApi} from '../kube/istio-api.js';
import {errorMessage} from '../util/error-message.js';
import {isObject} from '../util/guards.js';
import type {HistoryFile} from './history-file.js';
import {changeEventMessage, changeEventReason} from './record.js';
import type {LeftoverIntent, WriteIntents} from './write-intents.js';

/** Reason of the Event recorded for an interrupted write that did not land, or may not have. */
export const interruptedEventReason = 'MeshtopWriteInterrupted';

/** What {@link resolveLeftoverIntents} needs. */
export interface ResolveIntentsOptions {
	/** The intents folder. */
	intents: Pick<WriteIntents, 'leftovers' | 'claim' | 'release' | 'discard'>;
	/** The trail's history file (read to skip intents whose line the writer wrote before it died; appended to). */
	historyFile: Pick<HistoryFile, 'append' | 'read'>;
	/** Reads the routes and records the Events; only this context's intents are resolved. */
	api: Pick<IstioApi, 'getRoute' | 'createEvent'>;
	/** Kubeconfig context of `api`: intents of other clusters wait for a meshtop on them. */
	context: string;
	/** This process (default process.pid): it claims, and its own intents are writes in flight. */
	pid?: number;
	/** Whether a process lives (default: signal 0). */
	isAlive?: (pid: number) => boolean;
}

/** One resolved intent. */
export interface ResolvedIntent {
	intent: WriteIntent;
	resolution: IntentResolution;
	/** The trail line written for it (undefined when the writer had written it already). */
	record: WeightChange | undefined;
	/** Trail problems (no Event, no history line). */
	warnings: string[];
}

/** What a resolution pass did. */
export interface ResolveReport {
	resolved: ResolvedIntent[];
	/** Intents that could not be resolved now (route unreadable, unreadable file); they stay for a later meshtop. */
	problems: string[];
}

/** Whether `pid` is a running process (EPERM: it runs as another user). */
export function processAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return (error as NodeJS.ErrnoException).code === 'EPERM';
	}
}

async function readRoute(api: ResolveIntentsOptions['api'], kind: RouteObjectKind, namespace: string, name: string): Promise<VirtualService | undefined> {
	try {
		return await api.getRoute(kind, namespace, name);
	} catch (error) {
		if (isObject(error) && error['kind'] === 'not-found') {
			return undefined;
		}

		throw error;
	}
}

/** Whether the writer wrote its own line before it died (killed between the history append and the intent's removal). */
async function alreadyRecorded(historyFile: ResolveIntentsOptions['historyFile'], intent: WriteIntent, resolution: IntentResolution): Promise<boolean> {
	if (resolution.outcome !== 'applied') {
		return false;
	}

	const {records} = await historyFile.read({vs: intent.name, kind: intent.kind, namespace: intent.namespace, context: intent.context});
	return records.some(record => record.interrupted === undefined && record.resourceVersionBefore === intent.resourceVersion
		&& record.resourceVersionAfter === resolution.resourceVersion && sameSplit(record.after, intent.asked));
}

/** Records the line and its Event; like the normal path, a missing Event is noted in the line, never fatal. */
async function recordResolved(options: ResolveIntentsOptions, intent: WriteIntent, resolution: IntentResolution): Promise<{record: WeightChange; warnings: string[]}> {
	const warnings: string[] = [];
	let record = interruptedChange(intent, resolution);
	const applied = resolution.outcome === 'applied';
	try {
		await options.api.createEvent(intent.namespace, {
			involvedName: intent.name,
			...(intent.kind === 'HTTPRoute' ? {involvedKind: 'HTTPRoute' as const} : {}),
			...(intent.uid === undefined ? {} : {involvedUid: intent.uid}),
			reason: applied ? changeEventReason : interruptedEventReason,
			message: applied ? changeEventMessage(record) : `${intent.name} ${intent.route}: ${interruptedNote[resolution.outcome]}: ${resolution.reason}`,
			action: intent.source,
		});
	} catch (error) {
		warnings.push(`no Event recorded on ${intent.name}: ${errorMessage(error)}`);
		record = {...record, note: `${record.note ?? ''}; no Event: ${errorMessage(error)}`};
	}

	await options.historyFile.append(record);
	return {record, warnings};
}

/** What became of one leftover: resolved, a problem, or left alone (undefined). */
type LeftoverOutcome = {resolved: ResolvedIntent} | {problem: string} | undefined;

/** Claims, resolves, records and removes one leftover, unless its writer (or its claimer) lives. */
async function resolveOne(options: ResolveIntentsOptions, leftover: LeftoverIntent, pid: number, isAlive: (pid: number) => boolean): Promise<LeftoverOutcome> {
	const {intent} = leftover;
	if (intent !== undefined && (intent.context !== options.context || intent.pid === pid || isAlive(intent.pid))) {
		return undefined;
	}

	if (leftover.claimedBy !== undefined && (leftover.claimedBy === pid || isAlive(leftover.claimedBy))) {
		// Another meshtop is resolving it right now.
		return undefined;
	}

	const claimed = await options.intents.claim(leftover.file, pid).catch(() => undefined);
	if (claimed === undefined) {
		return undefined;
	}

	if (intent === undefined) {
		// A temp file is never renamed into place before its fsync, so this is damage, not a write in flight.
		await options.intents.discard(claimed).catch(() => undefined);
		return {problem: `unreadable write-ahead intent ${leftover.file} removed`};
	}

	try {
		const resolution = resolveIntent(intent, await readRoute(options.api, intent.kind, intent.namespace, intent.name));
		const done = await alreadyRecorded(options.historyFile, intent, resolution)
			? {record: undefined, warnings: []}
			: await recordResolved(options, intent, resolution);
		await options.intents.discard(claimed);
		return {resolved: {intent, resolution, ...done}};
	} catch (error) {
		await options.intents.release(claimed);
		return {problem: `interrupted write to ${intent.namespace}/${intent.name} (${intent.time}) not resolved yet: ${errorMessage(error)}`};
	}
}

/**
 * Resolves every leftover intent of this context whose writer is gone, oldest first. Never rejects: what cannot be
 * resolved now is reported and left (or given back) for a later meshtop.
 */
export async function resolveLeftoverIntents(options: ResolveIntentsOptions): Promise<ResolveReport> {
	const pid = options.pid ?? process.pid;
	const isAlive = options.isAlive ?? processAlive;
	const report: ResolveReport = {resolved: [], problems: []};
	let leftovers: LeftoverIntent[];
	try {
		leftovers = await options.intents.leftovers();
	} catch (error) {
		return {resolved: [], problems: [`cannot read the write-ahead intents: ${errorMessage(error)}`]};
	}

	for (const leftover of leftovers) {
		// eslint-disable-next-line no-await-in-loop -- one at a time, so the trail's lines come in the order of the writes
		const outcome = await resolveOne(options, leftover, pid, isAlive);
		if (outcome !== undefined && 'resolved' in outcome) {
			report.resolved.push(outcome.resolved);
		} else if (outcome !== undefined) {
			report.problems.push(outcome.problem);
		}
	}

	return report;
}

/** One line for the user about a resolved intent: "an interrupted write to bookinfo/reviews (set, …) was applied (…)". */
export function describeResolved(resolved: ResolvedIntent): string {
	const {intent, resolution} = resolved;
	return `interrupted ${intent.source} write to ${intent.namespace}/${intent.name} ${intent.route} at ${intent.time} (pid ${intent.pid}): ${interruptedNote[resolution.outcome]}: ${resolution.reason}`;
}
