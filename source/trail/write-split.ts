/**
 * The headless write path: a conflict-safe weight patch, then the trail. `set`, `shift` and `undo` all write through it,
 * so no write can skip the record.
 */
import {routeWeights, weightPatch, type Route, type VirtualService} from '../domain/virtual-service.js';
import type {IstioApi} from '../kube/istio-api.js';
import type {ChangeRecord, ChangeSource, HistoryFile} from './history-file.js';
import {recordChange} from './record.js';

/** Who writes, for the record. */
export interface Writer {
	/** Kubeconfig user. */
	user: string;
	/** Kubeconfig context. */
	context: string;
	/** Namespace of the VirtualService. */
	namespace: string;
}

/** Input of {@link writeSplit}. */
export interface WriteSplitOptions {
	/** Writes the patch and the Event. */
	api: Pick<IstioApi, 'patchVirtualService' | 'createEvent'>;
	/** The trail's JSONL file. */
	historyFile: Pick<HistoryFile, 'append'>;
	/** Who writes. */
	writer: Writer;
	/** The VirtualService as read: its resourceVersion guards the write. */
	vs: VirtualService;
	/** The route to change, parsed from `vs`. */
	route: Route;
	/** New weights by version key (missing keys mean 0; must sum to 100). */
	weights: Readonly<Record<string, number>>;
	/** Which write path. */
	source: ChangeSource;
	/** Goes into the record and the Event, e.g. "step 2/4". */
	note?: string;
	/** Time of the record (default now). */
	now?: () => Date;
}

/** A write that happened: the new object, its record, and warnings about the trail. */
export interface WriteSplitResult {
	/** The VirtualService returned by the patch (new resourceVersion). */
	vs: VirtualService;
	/** The record as stored. */
	record: ChangeRecord;
	/** Trail problems (the write itself succeeded). */
	warnings: string[];
}

/**
 * Patches the weights (JSON Patch with a resourceVersion test: a concurrent edit fails with KubeError kind 'conflict'
 * and nothing is written), then records the change. Rejects only when the write did not happen.
 */
export async function writeSplit(options: WriteSplitOptions): Promise<WriteSplitResult> {
	const before = routeWeights(options.route);
	const after = Object.fromEntries(options.route.destinations.map(destination => [destination.key, options.weights[destination.key] ?? 0]));
	const operations = weightPatch(options.vs, options.route, after);
	const updated = await options.api.patchVirtualService(options.writer.namespace, options.vs.metadata.name, operations);
	const record: ChangeRecord = {
		time: (options.now?.() ?? new Date()).toISOString(),
		user: options.writer.user,
		context: options.writer.context,
		namespace: options.writer.namespace,
		vs: options.vs.metadata.name,
		route: options.route.name,
		before,
		after,
		resourceVersionBefore: options.vs.metadata.resourceVersion ?? '',
		resourceVersionAfter: updated.metadata.resourceVersion ?? '',
		source: options.source,
		...(options.note === undefined ? {} : {note: options.note}),
	};
	const uid = typeof updated.metadata['uid'] === 'string' ? updated.metadata['uid'] : undefined;
	const outcome = await recordChange(record, {api: options.api, historyFile: options.historyFile, ...(uid === undefined ? {} : {uid})});
	return {vs: updated, record: outcome.record, warnings: outcome.warnings};
}
