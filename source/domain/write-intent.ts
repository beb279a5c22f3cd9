/**
 * The write-ahead intent: what a writer was about to PATCH, saved before the request leaves, so that a writer killed
 * between the PATCH and its trail line still leaves an honest record. The next meshtop reads the route again and
 * decides, with {@link resolveIntent}, whether the write landed. Pure: no clock, no files, no cluster.
 */
import {routeObjectKind, routesOf, routeWeights, type RouteObjectKind, type VirtualService} from './virtual-service.js';
import type {ChangeSource, InterruptedOutcome, WeightChange} from './weight-change.js';
import {jsonEqual} from './json-patch.js';

/** One write about to be sent, as saved before the PATCH. */
export interface WriteIntent {
	/** Format of the record (a later meshtop may add fields). */
	version: 1;
	/** Kind of the route object. */
	kind: RouteObjectKind;
	/** Its namespace. */
	namespace: string;
	/** Its name. */
	name: string;
	/** Its uid as read: a route deleted and created again under the same name is another object. */
	uid?: string;
	/** Route name as shown, e.g. "http[0]". */
	route: string;
	/** resourceVersion the PATCH tests (the one read). */
	resourceVersion: string;
	/** The route's weights as read. */
	before: Record<string, number>;
	/** The weights asked for. */
	asked: Record<string, number>;
	/** When the write was about to be sent, ISO 8601. */
	time: string;
	/** The writing process: while it lives, the intent is its own business. */
	pid: number;
	/** Its command line, for the reader of the trail. */
	command: string;
	/** Kubeconfig user and context of the writer. */
	user: string;
	context: string;
	/** Write path and note of the write, copied to the trail line. */
	source: ChangeSource;
	note?: string;
}

/** What the route read after the interruption says about the intent. */
export interface IntentResolution {
	outcome: InterruptedOutcome;
	/** Why, in words for the trail's note. */
	reason: string;
	/** The route's resourceVersion now ('' when the route is gone). */
	resourceVersion: string;
	/** The route's weights now (absent when the route or the route entry is gone). */
	current?: Record<string, number>;
}

/** The trail's words for each outcome. */
export const interruptedNote: Readonly<Record<InterruptedOutcome, string>> = {
	applied: 'applied (confirmed after the writer was interrupted)',
	'not-applied': 'not applied (interrupted)',
	unknown: 'unknown (interrupted)',
};

/** Whether two splits give every version the same weight (a missing version weighs 0). */
export function sameSplit(a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>>): boolean {
	return [...new Set([...Object.keys(a), ...Object.keys(b)])].every(key => (a[key] ?? 0) === (b[key] ?? 0));
}

function describe(weights: Readonly<Record<string, number>>): string {
	return Object.entries(weights).map(([key, weight]) => `${key} ${weight}`).join(', ');
}

/**
 * Decides what became of an interrupted write from the route as read now (undefined: the route is gone).
 * applied: the route holds the asked split and its resourceVersion moved past the one read (the PATCH tested it, so
 * the first write after the read was ours or failed). not applied: the resourceVersion is still the one read (nothing
 * was written since), or the route holds a split other than the asked one. unknown: whatever cannot tell the two
 * apart: the route deleted or recreated, the route entry gone, or an asked split equal to the one before (a no-op
 * PATCH keeps the resourceVersion).
 */
export function resolveIntent(intent: WriteIntent, current: VirtualService | undefined): IntentResolution {
	if (current === undefined) {
		return {outcome: 'unknown', reason: `${intent.kind} ${intent.name} no longer exists`, resourceVersion: ''};
	}

	const resourceVersion = current.metadata.resourceVersion ?? '';
	const uid = current.metadata['uid'];
	if (routeObjectKind(current) !== intent.kind || (intent.uid !== undefined && typeof uid === 'string' && uid !== intent.uid)) {
		return {outcome: 'unknown', reason: `${intent.kind} ${intent.name} was deleted and created again since`, resourceVersion};
	}

	const route = routesOf(current).find(candidate => candidate.name === intent.route);
	if (route === undefined) {
		return {outcome: 'unknown', reason: `route ${intent.route} is no longer in ${intent.name}`, resourceVersion};
	}

	const weights = routeWeights(route);
	const now = `${describe(weights)} at resourceVersion ${resourceVersion || '?'}`;
	// A PATCH that changes nothing leaves the resourceVersion as it was: asked = before cannot be told from either side.
	if (sameSplit(intent.asked, intent.before)) {
		return {outcome: 'unknown', reason: `the asked split equals the one before; the route holds ${now}`, resourceVersion, current: weights};
	}

	if (resourceVersion !== '' && resourceVersion === intent.resourceVersion) {
		return {outcome: 'not-applied', reason: `the route is unchanged since the read (${now})`, resourceVersion, current: weights};
	}

	if (!sameSplit(weights, intent.asked)) {
		return {outcome: 'not-applied', reason: `the route holds another split: ${now}`, resourceVersion, current: weights};
	}

	if (resourceVersion === '') {
		return {outcome: 'unknown', reason: `the route holds the asked split but has no resourceVersion to compare`, resourceVersion, current: weights};
	}

	return {outcome: 'applied', reason: `the route holds the asked split at resourceVersion ${resourceVersion} (read at ${intent.resourceVersion})`, resourceVersion, current: weights};
}

/**
 * The trail line of a resolved intent. `after` is the asked split (what the writer meant), `interrupted` says whether
 * it landed; only an applied one has the route's resourceVersion as its `resourceVersionAfter`.
 */
export function interruptedChange(intent: WriteIntent, resolution: IntentResolution): WeightChange {
	const note = [intent.note, `${interruptedNote[resolution.outcome]}: ${resolution.reason}; pid ${intent.pid} (${intent.command})`]
		.filter(part => part !== undefined && part !== '').join('; ');
	return {
		time: intent.time,
		user: intent.user,
		context: intent.context,
		namespace: intent.namespace,
		vs: intent.name,
		...(intent.kind === 'HTTPRoute' ? {kind: 'HTTPRoute' as const} : {}),
		route: intent.route,
		before: {...intent.before},
		after: {...intent.asked},
		resourceVersionBefore: intent.resourceVersion,
		resourceVersionAfter: resolution.outcome === 'applied' ? resolution.resourceVersion : '',
		source: intent.source,
		note,
		interrupted: resolution.outcome,
	};
}

/** Whether a trail line describes a change the route received (every line but an interrupted write that did not land or may not have). */
export function isAppliedChange(change: Pick<WeightChange, 'interrupted'>): boolean {
	return change.interrupted === undefined || change.interrupted === 'applied';
}

/** What a living writer does next after its PATCH was cut by a transport error and the route could be read again. */
export type CutWriteNext =
	| {kind: 'applied'; resolution: IntentResolution}
	| {kind: 'retry'; resolution: IntentResolution}
	| {kind: 'conflict'; resolution: IntentResolution};

/**
 * Decides, for a writer that is still alive, what follows a PATCH cut by a transport error (connection refused or
 * reset while the API server restarted): the same reading as a killed writer's intent ({@link resolveIntent}), plus
 * one more case. applied: record it once and go on. retry: the write did not land and the route is otherwise as read
 * (same spec; only its resourceVersion may have moved), so the same patch may go again, tested against the route's
 * resourceVersion now. conflict: someone else changed the route (or deleted it, or its route entry): never overwrite.
 * `read` is the object the cut PATCH was computed from; `current` the route read now (undefined: not found).
 */
export function cutWriteNext(intent: WriteIntent, read: VirtualService, current: VirtualService | undefined): CutWriteNext {
	const resolution = resolveIntent(intent, current);
	if (resolution.outcome === 'applied') {
		return {kind: 'applied', resolution};
	}

	const sameObject = current !== undefined && routeObjectKind(current) === intent.kind
		&& (intent.uid === undefined || current.metadata['uid'] === undefined || current.metadata['uid'] === intent.uid);
	// A no-op write (asked = before) is 'unknown' to the resolver, but sending it again is harmless when nothing else moved.
	if (sameObject && jsonEqual(current.spec, read.spec)) {
		return {kind: 'retry', resolution};
	}

	return {kind: 'conflict', resolution};
}
