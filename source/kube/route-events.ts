/**
 * The change trail's Events about route objects: the Event meshtop creates, and the reading of a namespace's Events
 * back into one object's history. No I/O: IstioApi sends and lists them.
 */
import {hostname} from 'node:os';
import {randomBytes} from 'node:crypto';
import type {CoreV1Event} from '@kubernetes/client-node';
import type {RouteObjectKind} from '../domain/virtual-service.js';

/** What the trail says about a change of one route object. */
export interface RouteEventInput {
	/** The route object's name. */
	involvedName: string;
	/** Its kind (default VirtualService). */
	involvedKind?: RouteObjectKind;
	/** Its uid, when known (kubectl describe matches on it). */
	involvedUid?: string;
	reason: string;
	message: string;
	action: string;
}

/** One Event of an object's history, as `history` shows it. */
export interface RouteEventLine {
	time: string;
	reason: string;
	message: string;
}

function timeOf(event: CoreV1Event): string {
	const time = event.lastTimestamp ?? event.eventTime ?? event.firstTimestamp ?? event.metadata.creationTimestamp;
	if (time instanceof Date) {
		return Number.isNaN(time.getTime()) ? '' : time.toISOString();
	}

	return time === undefined ? '' : String(time);
}

/**
 * Creation order of an event: its resourceVersion, which etcd-backed servers hand out increasing. Opaque by
 * contract, so it only breaks ties of equal timestamps, and a non-numeric one sorts as unknown (0).
 */
function creationOrder(event: CoreV1Event): number {
	const order = Number(event.metadata.resourceVersion);
	return Number.isSafeInteger(order) ? order : 0;
}

/** The core/v1 Event about `event.involvedName` (of `apiVersion`, its served group/version) in `namespace`, made now. */
export function routeEvent(namespace: string, apiVersion: string, event: RouteEventInput, now = new Date()): CoreV1Event {
	const kind = event.involvedKind ?? 'VirtualService';
	return {
		apiVersion: 'v1',
		kind: 'Event',
		// Named like kubectl's recorder names events: object name + unique suffix.
		metadata: {name: `${event.involvedName}.${randomBytes(8).toString('hex')}`, namespace},
		involvedObject: {
			apiVersion,
			kind,
			name: event.involvedName,
			namespace,
			...(event.involvedUid === undefined ? {} : {uid: event.involvedUid}),
		},
		reason: event.reason,
		message: event.message,
		action: event.action,
		type: 'Normal',
		count: 1,
		firstTimestamp: now,
		lastTimestamp: now,
		source: {component: 'meshtop', host: hostname()},
		reportingComponent: 'meshtop',
		reportingInstance: hostname(),
	};
}

/** The Events of `items` about one route object, oldest first (filtered here: not every server honours field selectors). */
export function eventsAbout(items: readonly CoreV1Event[], involvedName: string, involvedKind: RouteObjectKind): RouteEventLine[] {
	return items
		.filter(event => event.involvedObject.name === involvedName && (event.involvedObject.kind === undefined || event.involvedObject.kind === involvedKind))
		.map(event => ({time: timeOf(event), order: creationOrder(event), reason: event.reason ?? '', message: event.message ?? ''}))
		// Event timestamps have one-second resolution: events of the same second keep the order they were created in.
		.sort((a, b) => a.time.localeCompare(b.time) || a.order - b.order)
		.map(({order: _order, ...line}) => line);
}
