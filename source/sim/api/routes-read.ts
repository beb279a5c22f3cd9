import type {IncomingMessage, ServerResponse} from 'node:http';
import {sendJson, wantsTable} from './http-util.js';
import {apiVersionOf, present} from './object-rules.js';
import type {RequestTarget} from './request-target.js';
import {resourceKey} from './resources.js';
import {matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector} from './selectors.js';
import {notFound} from './status.js';
import type {KubeObject, ObjectStore} from './store.js';
import {includeObjectParameter, toTable} from './table.js';
import {startWatch, type WatchHandle} from './watch.js';

/** What the resource handlers share with the server. */
export interface ResourceContext {
	store: ObjectStore;
	/** Open watches, so stop() can end them. */
	watches: Set<WatchHandle>;
	/** BOOKMARK period for watches that allow bookmarks. */
	bookmarkIntervalMs: number;
}

function selected(target: RequestTarget, query: URLSearchParams): (object: KubeObject) => boolean {
	const fields = parseFieldSelector(query.get('fieldSelector') ?? '');
	if (target.name !== undefined) {
		fields.push({field: 'metadata.name', negated: false, value: target.name});
	}
	return object => (target.namespace === undefined || object.metadata.namespace === target.namespace) && matchesFields(fields, object);
}

/** The objects a list (or deletecollection) request selects: namespace, label and field selectors. */
export function listObjects(context: ResourceContext, target: RequestTarget, query: URLSearchParams): KubeObject[] {
	const filter = selected(target, query);
	return context.store.list(resourceKey(target.resource), target.namespace, query.get('labelSelector') ?? undefined).filter(object => filter(object));
}

/** The object a named request addresses; 404 when it does not exist. */
export function currentObject(context: ResourceContext, target: RequestTarget): KubeObject {
	const object = context.store.get(resourceKey(target.resource), target.namespace, target.name ?? '');
	if (!object) {
		throw notFound(target.group, target.resource.plural, target.name ?? '');
	}
	return object;
}

/** Answers get/list: a Table when kubectl asks for one, else the object or a `<Kind>List`. */
export function respondObjects(context: ResourceContext, request: IncomingMessage, response: ServerResponse, target: RequestTarget, query: URLSearchParams, objects: KubeObject[], single: boolean): void {
	const rendered = objects.map(object => present(object, target));
	if (wantsTable(request)) {
		sendJson(response, 200, toTable(target.resource, rendered, context.store.resourceVersion, includeObjectParameter(query.get('includeObject'))));
		return;
	}
	if (single) {
		sendJson(response, 200, rendered[0]);
		return;
	}
	sendJson(response, 200, {
		apiVersion: apiVersionOf(target),
		kind: `${target.resource.kind}List`,
		metadata: {resourceVersion: context.store.resourceVersion},
		items: rendered,
	});
}

/** Starts a watch stream for a list URL with `watch=true` (or the legacy /watch/ path). */
export function serveWatch(context: ResourceContext, request: IncomingMessage, response: ServerResponse, target: RequestTarget, query: URLSearchParams): void {
	const filter = selected(target, query);
	const labels = parseLabelSelector(query.get('labelSelector') ?? '');
	const table = wantsTable(request);
	const include = includeObjectParameter(query.get('includeObject'));
	const timeoutSeconds = Number(query.get('timeoutSeconds') ?? '');
	let first = true;
	const handle = startWatch({
		store: context.store,
		response,
		resource: resourceKey(target.resource),
		// Evaluated on each event's new state: an object that stops matching simply stops producing events.
		filter: object => filter(object) && matchesLabels(labels, object.metadata.labels),
		render(object) {
			const rendered = present(object, target);
			if (!table) {
				return rendered;
			}
			const withColumns = first;
			first = false;
			return toTable(target.resource, [rendered], rendered.metadata.resourceVersion ?? context.store.resourceVersion, include, withColumns);
		},
		bookmark: resourceVersion => ({kind: target.resource.kind, apiVersion: apiVersionOf(target), metadata: {resourceVersion, creationTimestamp: null}}),
		resourceVersion: query.get('resourceVersion') ?? '',
		...(query.get('allowWatchBookmarks') === 'true' ? {bookmarkIntervalMs: context.bookmarkIntervalMs} : {}),
		...(Number.isFinite(timeoutSeconds) && timeoutSeconds > 0 ? {timeoutMs: timeoutSeconds * 1000} : {}),
		onClose() {
			context.watches.delete(handle);
		},
	});
	context.watches.add(handle);
}
