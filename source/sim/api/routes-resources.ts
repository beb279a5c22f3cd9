import type {IncomingMessage, ServerResponse} from 'node:http';
import {contentType, parseJsonBody, parseYamlBody, readBody, sendJson, wantsTable} from './http-util.js';
import {
	apiVersionOf,
	applyDefaults,
	asKubeObject,
	ensureNamespace,
	fieldValidationParameter,
	keepStatus,
	onlyStatus,
	present,
	requireNamespace,
	requireResourceVersionForUpdate,
	validateForWrite,
} from './object-rules.js';
import {applyJsonPatch, applyMergePatch, decodeJsonPatch, PatchApplyError, PatchDecodeError} from './patch.js';
import type {RequestTarget} from './request-target.js';
import {applyStrategicMergePatch} from './strategic-merge.js';
import {resourceKey} from './resources.js';
import {matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector} from './selectors.js';
import {alreadyExists, badRequest, conflict, methodNotSupported, notFound, patchNotApplicable, unsupportedMediaType} from './status.js';
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

/** The Kubernetes verb of a resource request (what RBAC and the handlers dispatch on). */
export function requestVerb(method: string, target: RequestTarget, query: URLSearchParams): string {
	const watch = target.watchPath || query.get('watch') === 'true' || query.get('watch') === '1';
	switch (method) {
		case 'GET':
		case 'HEAD': {
			if (target.name === undefined) {
				return watch ? 'watch' : 'list';
			}
			return watch ? 'watch' : 'get';
		}
		case 'POST': {
			return 'create';
		}
		case 'PUT': {
			return 'update';
		}
		case 'PATCH': {
			return 'patch';
		}
		case 'DELETE': {
			return target.name === undefined ? 'deletecollection' : 'delete';
		}
		default: {
			return method.toLowerCase();
		}
	}
}

/** Collects warnings as `Warning: 299 - "text"` headers, the way the server reports them to clients. */
function warner(response: ServerResponse): (text: string) => void {
	return text => {
		const previous = response.getHeader('Warning');
		const values = previous === undefined ? [] : Array.isArray(previous) ? previous : [String(previous)];
		response.setHeader('Warning', [...values, `299 - ${JSON.stringify(text)}`]);
	};
}

function isDryRun(query: URLSearchParams): boolean {
	return query.getAll('dryRun').includes('All');
}

function selected(target: RequestTarget, query: URLSearchParams): (object: KubeObject) => boolean {
	const fields = parseFieldSelector(query.get('fieldSelector') ?? '');
	if (target.name !== undefined) {
		fields.push({field: 'metadata.name', negated: false, value: target.name});
	}
	return object => (target.namespace === undefined || object.metadata.namespace === target.namespace) && matchesFields(fields, object);
}

function listObjects(context: ResourceContext, target: RequestTarget, query: URLSearchParams): KubeObject[] {
	const filter = selected(target, query);
	return context.store.list(resourceKey(target.resource), target.namespace, query.get('labelSelector') ?? undefined).filter(object => filter(object));
}

function current(context: ResourceContext, target: RequestTarget): KubeObject {
	const object = context.store.get(resourceKey(target.resource), target.namespace, target.name ?? '');
	if (!object) {
		throw notFound(target.group, target.resource.plural, target.name ?? '');
	}
	return object;
}

function respondObjects(context: ResourceContext, request: IncomingMessage, response: ServerResponse, target: RequestTarget, query: URLSearchParams, objects: KubeObject[], single: boolean): void {
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

function watch(context: ResourceContext, request: IncomingMessage, response: ServerResponse, target: RequestTarget, query: URLSearchParams): void {
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

/** Body media types for create/update; protobuf is refused with 415, which makes client-go fall back to JSON. */
const objectMediaTypes = ['application/json', 'application/yaml'];

async function readObject(request: IncomingMessage, target: RequestTarget): Promise<KubeObject> {
	const type = contentType(request);
	if (type !== '' && !objectMediaTypes.includes(type)) {
		throw unsupportedMediaType(objectMediaTypes);
	}
	const text = await readBody(request);
	const object = asKubeObject(type === 'application/yaml' ? parseYamlBody(text) : parseJsonBody(text), target);
	ensureNamespace(object, target);
	return object;
}

function checkName(object: KubeObject, target: RequestTarget): void {
	if (object.metadata.name !== target.name) {
		throw badRequest(`the name of the object (${object.metadata.name}) does not match the name on the URL (${target.name ?? ''})`);
	}
}

/** Writes an update (or, for dryRun, computes what would be stored) and answers with the result. */
function commitUpdate(context: ResourceContext, response: ServerResponse, target: RequestTarget, query: URLSearchParams, next: KubeObject, existing: KubeObject): void {
	const object = target.subresource === 'status' ? onlyStatus(next, existing) : next;
	keepStatus(target, object, existing);
	const valid = validateForWrite(target, object, fieldValidationParameter(query.get('fieldValidation')), warner(response));
	if (isDryRun(query)) {
		const expected = valid.metadata.resourceVersion;
		if (expected !== undefined && expected !== '' && expected !== existing.metadata.resourceVersion) {
			throw conflict(target.group, target.resource.plural, existing.metadata.name);
		}
		sendJson(response, 200, present({...valid, metadata: {...valid.metadata, uid: existing.metadata.uid, creationTimestamp: existing.metadata.creationTimestamp}}, target));
		return;
	}
	sendJson(response, 200, present(context.store.update(resourceKey(target.resource), valid), target));
}

async function create(context: ResourceContext, request: IncomingMessage, response: ServerResponse, target: RequestTarget, query: URLSearchParams): Promise<void> {
	const object = await readObject(request, target);
	requireNamespace(context.store, target);
	for (const field of ['uid', 'resourceVersion', 'creationTimestamp', 'generation', 'deletionTimestamp']) {
		delete object.metadata[field];
	}
	applyDefaults(target.resource, object);
	keepStatus(target, object, undefined);
	const valid = validateForWrite(target, object, fieldValidationParameter(query.get('fieldValidation')), warner(response));
	if (isDryRun(query)) {
		if (context.store.get(resourceKey(target.resource), valid.metadata.namespace, valid.metadata.name)) {
			throw alreadyExists(target.group, target.resource.plural, valid.metadata.name);
		}
		sendJson(response, 201, present(valid, target));
		return;
	}
	sendJson(response, 201, present(context.store.create(resourceKey(target.resource), valid), target));
}

async function update(context: ResourceContext, request: IncomingMessage, response: ServerResponse, target: RequestTarget, query: URLSearchParams): Promise<void> {
	const object = await readObject(request, target);
	checkName(object, target);
	const existing = current(context, target);
	if (target.subresource !== 'status') {
		requireResourceVersionForUpdate(target, object);
	}
	commitUpdate(context, response, target, query, object, existing);
}

function patchedObject(type: string, body: string, existing: KubeObject, target: RequestTarget): unknown {
	const document = present(existing, target);
	switch (type) {
		case 'application/json-patch+json': {
			let operations;
			try {
				operations = decodeJsonPatch(parseJsonBody(body, 'patch'));
			} catch (error) {
				throw error instanceof PatchDecodeError ? badRequest(error.message) : error;
			}
			try {
				return applyJsonPatch(document, operations);
			} catch (error) {
				throw error instanceof PatchApplyError ? patchNotApplicable() : error;
			}
		}
		case 'application/merge-patch+json': {
			return applyMergePatch(document, parseJsonBody(body, 'patch'));
		}
		case 'application/strategic-merge-patch+json': {
			return applyStrategicMergePatch(document, parseJsonBody(body, 'patch'));
		}
		default: {
			throw new Error(`unreachable patch type ${type}`);
		}
	}
}

async function patch(context: ResourceContext, request: IncomingMessage, response: ServerResponse, target: RequestTarget, query: URLSearchParams): Promise<void> {
	const type = contentType(request);
	const supported = target.resource.custom
		? ['application/json-patch+json', 'application/merge-patch+json']
		: ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json'];
	if (!supported.includes(type)) {
		// Server-side apply is not simulated; custom resources never accept strategic merge patch (like the real server).
		throw unsupportedMediaType([...supported, 'application/apply-patch+yaml']);
	}
	const body = await readBody(request);
	const existing = current(context, target);
	const next = asKubeObject(patchedObject(type, body, existing, target), target);
	ensureNamespace(next, target);
	next.metadata.uid = existing.metadata.uid;
	next.metadata.creationTimestamp = existing.metadata.creationTimestamp;
	checkName(next, target);
	commitUpdate(context, response, target, query, next, existing);
}

async function remove(context: ResourceContext, request: IncomingMessage, response: ServerResponse, target: RequestTarget, query: URLSearchParams): Promise<void> {
	const existing = current(context, target);
	const text = await readBody(request);
	if (text.trim() !== '') {
		const options = parseJsonBody(text) as {preconditions?: {resourceVersion?: string; uid?: string}} | null;
		const wanted = options?.preconditions;
		if (wanted?.resourceVersion !== undefined && wanted.resourceVersion !== existing.metadata.resourceVersion) {
			throw conflict(target.group, target.resource.plural, existing.metadata.name);
		}
		if (wanted?.uid !== undefined && wanted.uid !== existing.metadata.uid) {
			throw conflict(target.group, target.resource.plural, existing.metadata.name);
		}
	}
	if (isDryRun(query)) {
		sendJson(response, 200, present(existing, target));
		return;
	}
	sendJson(response, 200, present(context.store.delete(resourceKey(target.resource), target.namespace, existing.metadata.name), target));
}

function removeCollection(context: ResourceContext, response: ServerResponse, target: RequestTarget, query: URLSearchParams): void {
	const doomed = listObjects(context, target, query);
	const deleted = isDryRun(query) ? doomed : doomed.map(object => context.store.delete(resourceKey(target.resource), object.metadata.namespace, object.metadata.name));
	sendJson(response, 200, {
		apiVersion: apiVersionOf(target),
		kind: `${target.resource.kind}List`,
		metadata: {resourceVersion: context.store.resourceVersion},
		items: deleted.map(object => present(object, target)),
	});
}

/** Serves one request on a resource URL (everything but port-forward, which is an upgrade). */
export async function handleResourceRequest(context: ResourceContext, request: IncomingMessage, response: ServerResponse, target: RequestTarget, query: URLSearchParams): Promise<void> {
	const verb = requestVerb(request.method ?? 'GET', target, query);
	if (target.subresource === 'portforward') {
		throw badRequest('Upgrade request required');
	}
	if (target.subresource === 'status' && !['get', 'update', 'patch'].includes(verb)) {
		throw methodNotSupported(target.group, `${target.resource.plural}/status`, verb);
	}
	switch (verb) {
		case 'get': {
			respondObjects(context, request, response, target, query, [current(context, target)], true);
			return;
		}
		case 'list': {
			respondObjects(context, request, response, target, query, listObjects(context, target, query), false);
			return;
		}
		case 'watch': {
			watch(context, request, response, target, query);
			return;
		}
		case 'create': {
			if (target.name !== undefined) {
				throw methodNotSupported(target.group, target.resource.plural, 'create');
			}
			await create(context, request, response, target, query);
			return;
		}
		case 'update': {
			await update(context, request, response, target, query);
			return;
		}
		case 'patch': {
			await patch(context, request, response, target, query);
			return;
		}
		case 'delete': {
			await remove(context, request, response, target, query);
			return;
		}
		case 'deletecollection': {
			removeCollection(context, response, target, query);
			return;
		}
		default: {
			throw methodNotSupported(target.group, target.resource.plural, verb);
		}
	}
}
