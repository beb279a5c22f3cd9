import type {IncomingMessage, ServerResponse} from 'node:http';
import type {RequestTarget} from './request-target.js';
import {currentObject, listObjects, respondObjects, serveWatch, type ResourceContext} from './routes-read.js';
import {create, patch, remove, removeCollection, update} from './routes-write.js';
import {badRequest, methodNotSupported} from './status.js';

export type {ResourceContext} from './routes-read.js';

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
			respondObjects(context, request, response, target, query, [currentObject(context, target)], true);
			return;
		}
		case 'list': {
			respondObjects(context, request, response, target, query, listObjects(context, target, query), false);
			return;
		}
		case 'watch': {
			serveWatch(context, request, response, target, query);
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
