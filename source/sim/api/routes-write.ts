import type {IncomingMessage, ServerResponse} from 'node:http';
import {contentType, parseJsonBody, parseYamlBody, readBody, sendJson} from './http-util.js';
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
import {resourceKey} from './resources.js';
import {currentObject, listObjects, type ResourceContext} from './routes-read.js';
import {alreadyExists, badRequest, conflict, patchNotApplicable, unsupportedMediaType} from './status.js';
import type {KubeObject} from './store.js';
import {applyStrategicMergePatch} from './strategic-merge.js';

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

/** Body media types for create/update. Protobuf (kubectl's typed clients send it, e.g. `kubectl create namespace x`) gets 415: the sim does not decode it. */
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

/** POST on a collection: validates and stores a new object (201). */
export async function create(context: ResourceContext, request: IncomingMessage, response: ServerResponse, target: RequestTarget, query: URLSearchParams): Promise<void> {
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

/** PUT: replaces an object, with optimistic concurrency on metadata.resourceVersion. */
export async function update(context: ResourceContext, request: IncomingMessage, response: ServerResponse, target: RequestTarget, query: URLSearchParams): Promise<void> {
	const object = await readObject(request, target);
	checkName(object, target);
	const existing = currentObject(context, target);
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

/** PATCH with JSON Patch, merge patch, or (core kinds only) strategic merge patch. */
export async function patch(context: ResourceContext, request: IncomingMessage, response: ServerResponse, target: RequestTarget, query: URLSearchParams): Promise<void> {
	const type = contentType(request);
	const supported = target.resource.custom
		? ['application/json-patch+json', 'application/merge-patch+json']
		: ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json'];
	if (!supported.includes(type)) {
		// Server-side apply is not simulated; custom resources never accept strategic merge patch (like the real server).
		throw unsupportedMediaType([...supported, 'application/apply-patch+yaml']);
	}
	const body = await readBody(request);
	const existing = currentObject(context, target);
	const next = asKubeObject(patchedObject(type, body, existing, target), target);
	ensureNamespace(next, target);
	next.metadata.uid = existing.metadata.uid;
	next.metadata.creationTimestamp = existing.metadata.creationTimestamp;
	checkName(next, target);
	commitUpdate(context, response, target, query, next, existing);
}

/** DELETE of one object, honouring DeleteOptions preconditions. */
export async function remove(context: ResourceContext, request: IncomingMessage, response: ServerResponse, target: RequestTarget, query: URLSearchParams): Promise<void> {
	const existing = currentObject(context, target);
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

/** DELETE on a collection: removes every selected object. */
export function removeCollection(context: ResourceContext, response: ServerResponse, target: RequestTarget, query: URLSearchParams): void {
	const doomed = listObjects(context, target, query);
	const deleted = isDryRun(query) ? doomed : doomed.map(object => context.store.delete(resourceKey(target.resource), object.metadata.namespace, object.metadata.name));
	sendJson(response, 200, {
		apiVersion: apiVersionOf(target),
		kind: `${target.resource.kind}List`,
		metadata: {resourceVersion: context.store.resourceVersion},
		items: deleted.map(object => present(object, target)),
	});
}
