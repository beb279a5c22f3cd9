/**
 * The one function every write path calls after a successful write: the change goes to the local history file and,
 * as a Kubernetes Event on the VirtualService, to everyone who runs `kubectl get events`.
 */
import type {IstioApi} from '../kube/istio-api.js';
import type {HistoryFile} from './history-file.js';
import type {WeightChange} from '../domain/weight-change.js';
import {errorMessage} from '../util/error-message.js';

/** Reason of the Events meshtop creates; `kubectl get events --field-selector reason=MeshtopWeightChange` finds them. */
export const changeEventReason = 'MeshtopWeightChange';

/** What {@link recordChange} needs. */
export interface RecordDependencies {
	/** Creates the Event (only createEvent is used, so tests can pass a fake). */
	api: Pick<IstioApi, 'createEvent'>;
	/** Where the JSONL line goes. */
	historyFile: Pick<HistoryFile, 'append'>;
	/** uid of the VirtualService, so the Event is tied to this object and not to a later one of the same name. */
	uid?: string;
}

/** What happened to the two copies of a change; warnings are for the user, the write itself already succeeded. */
export interface RecordOutcome {
	/** The record as stored (with a note when the Event could not be created). */
	record: WeightChange;
	/** Whether the Event exists. */
	event: boolean;
	/** Whether the history line was written. */
	history: boolean;
	/** Problems to show the user, e.g. "no Event recorded: user sim-viewer cannot create events". */
	warnings: string[];
}

/** Keys of both splits, the old order first so a change reads in the route's order. */
function keysOf(before: Record<string, number>, after: Record<string, number>): string[] {
	return [...new Set([...Object.keys(before), ...Object.keys(after)])];
}

/** "v1 100→50, v3 0→50": only the versions whose weight changed. */
export function describeWeightChange(before: Record<string, number>, after: Record<string, number>): string {
	const changes = keysOf(before, after)
		.filter(key => (before[key] ?? 0) !== (after[key] ?? 0))
		.map(key => `${key} ${before[key] ?? 0}→${after[key] ?? 0}`);
	return changes.length === 0 ? 'no weight change' : changes.join(', ');
}

/** The Event message: "reviews http[0]: v1 100→50, v3 0→50 by sim-admin (console)". */
export function changeEventMessage(record: WeightChange): string {
	const note = record.note === undefined ? '' : `; ${record.note}`;
	return `${record.vs} ${record.route}: ${describeWeightChange(record.before, record.after)} by ${record.user} (${record.source})${note}`;
}

/** Where written changes go: the write service records every change through it. */
export interface ChangeTrail {
	/** Records a written change (uid ties the Event to this very object); never rejects. */
	record(record: WeightChange, uid: string | undefined): Promise<{record: WeightChange; warnings: string[]}>;
}

/** The trail of a connection: Events through `api`, lines in `historyFile`. */
export function createTrail(dependencies: Omit<RecordDependencies, 'uid'>): ChangeTrail {
	return {
		record: async (record, uid) => recordChange(record, {...dependencies, ...(uid === undefined ? {} : {uid})}),
	};
}

/**
 * Records a change that has been written. Never throws: a missing Event (403 on events is common for people allowed
 * to patch VirtualServices) or an unwritable history file must not make a successful write look failed.
 * The Event goes first so that its failure can be noted in the history line.
 */
export async function recordChange(record: WeightChange, dependencies: RecordDependencies): Promise<RecordOutcome> {
	const warnings: string[] = [];
	let stored = record;
	let event = true;
	try {
		await dependencies.api.createEvent(record.namespace, {
			involvedName: record.vs,
			...(record.kind === undefined ? {} : {involvedKind: record.kind}),
			...(dependencies.uid === undefined ? {} : {involvedUid: dependencies.uid}),
			reason: changeEventReason,
			message: changeEventMessage(record),
			action: record.source,
		});
	} catch (error) {
		event = false;
		const why = errorMessage(error);
		warnings.push(`change applied, but no Event recorded on ${record.vs}: ${why}`);
		stored = {...record, note: [record.note, `no Event: ${why}`].filter(part => part !== undefined).join('; ')};
	}

	let history = true;
	try {
		await dependencies.historyFile.append(stored);
	} catch (error) {
		history = false;
		warnings.push(`change applied, but not written to the history file: ${errorMessage(error)}`);
	}

	return {record: stored, event, history, warnings};
}
