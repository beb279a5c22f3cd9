/**
 * The trail bound to one connection, for write paths that patch by themselves (the console's controller):
 * they pass what changed, the recorder adds who/where/when and returns a warning to show, if any.
 */
import type {IstioApi} from '../kube/istio-api.js';
import type {ChangeSource, HistoryFile} from './history-file.js';
import {recordChange} from './record.js';
import type {Writer} from './write-split.js';

/** A write as the writer knows it (resourceVersions may be unknown). */
export interface ChangeInput {
	/** VirtualService name. */
	vs: string;
	/** Route name as shown. */
	route: string;
	/** Weights by version key before the write. */
	before: Record<string, number>;
	/** Weights by version key after the write. */
	after: Record<string, number>;
	/** resourceVersion tested by the write. */
	resourceVersionBefore: string | undefined;
	/** resourceVersion the write produced. */
	resourceVersionAfter: string | undefined;
	/** Which write path. */
	source: ChangeSource;
	/** Free text for the record and the Event, e.g. "plan step 2/4". */
	note?: string;
	/** uid of the VirtualService, ties the Event to this object. */
	uid?: string;
}

/** Records changes for one writer; resolves to the warnings joined in one line, or undefined when all went well. Never rejects. */
export type ChangeRecorder = (change: ChangeInput) => Promise<string | undefined>;

/** Binds the trail to an API, a history file and a writer (kubeconfig user, context, namespace). */
export function createChangeRecorder(options: {api: Pick<IstioApi, 'createEvent'>; historyFile: Pick<HistoryFile, 'append'>; writer: Writer; now?: () => Date}): ChangeRecorder {
	return async change => {
		const outcome = await recordChange({
			time: (options.now?.() ?? new Date()).toISOString(),
			user: options.writer.user,
			context: options.writer.context,
			namespace: options.writer.namespace,
			vs: change.vs,
			route: change.route,
			before: change.before,
			after: change.after,
			resourceVersionBefore: change.resourceVersionBefore ?? '',
			resourceVersionAfter: change.resourceVersionAfter ?? '',
			source: change.source,
			...(change.note === undefined ? {} : {note: change.note}),
		}, {api: options.api, historyFile: options.historyFile, ...(change.uid === undefined ? {} : {uid: change.uid})});
		return outcome.warnings.length === 0 ? undefined : outcome.warnings.join('; ');
	};
}
