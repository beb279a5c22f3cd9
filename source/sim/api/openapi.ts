import {createHash} from 'node:crypto';
import {servedResources, type ServedResource} from './resources.js';
import {serverVersion} from './discovery.js';

/** Group-version path keys as the OpenAPI v3 index names them (`api/v1`, `apis/group/version`). */
function groupVersionPaths(): Array<{key: string; group: string; version: string}> {
	const seen = new Map<string, {key: string; group: string; version: string}>();
	for (const resource of servedResources) {
		for (const version of resource.versions) {
			const key = resource.group === '' ? `api/${version}` : `apis/${resource.group}/${version}`;
			seen.set(key, {key, group: resource.group, version});
		}
	}
	return [...seen.values()];
}

function parameter(name: string): Record<string, unknown> {
	return {name, in: 'query', description: `${name} query parameter`, schema: {type: 'string', uniqueItems: true}};
}

/**
 * Deliberately no strategic-merge entry, even for core kinds: kubectl would then need full type schemas
 * to compute one; without it, kubectl falls back to its compiled-in types (core) or merge patch (CRDs).
 */
const patchBodies = {
	'application/json-patch+json': {schema: {type: 'object'}},
	'application/merge-patch+json': {schema: {type: 'object'}},
};

function itemPaths(resource: ServedResource, group: string, version: string): Record<string, unknown> {
	const prefix = group === '' ? `/api/${version}` : `/apis/${group}/${version}`;
	const scope = resource.namespaced ? '/namespaces/{namespace}' : '';
	const gvk = {group, version, kind: resource.kind};
	const operation = (action: string, parameters: string[], body?: Record<string, unknown>): Record<string, unknown> => ({
		operationId: `${action}${resource.kind}`,
		parameters: parameters.map(name => parameter(name)),
		...(body ? {requestBody: {content: body}} : {}),
		responses: {200: {description: 'OK'}},
		'x-kubernetes-action': action,
		'x-kubernetes-group-version-kind': gvk,
	});
	return {
		[`${prefix}${scope}/${resource.plural}`]: {
			get: operation('list', ['labelSelector', 'fieldSelector', 'resourceVersion', 'watch', 'limit']),
			post: operation('post', ['dryRun', 'fieldManager', 'fieldValidation'], {'application/json': {schema: {type: 'object'}}}),
		},
		[`${prefix}${scope}/${resource.plural}/{name}`]: {
			get: operation('get', []),
			put: operation('put', ['dryRun', 'fieldManager', 'fieldValidation'], {'application/json': {schema: {type: 'object'}}}),
			patch: operation('patch', ['dryRun', 'fieldManager', 'fieldValidation', 'force'], patchBodies),
			delete: operation('delete', ['dryRun', 'gracePeriodSeconds', 'propagationPolicy']),
		},
	};
}

/** The OpenAPI v3 document of one group-version: only paths and operations, enough for kubectl to see that
 * the server validates fields itself (`fieldValidation`) and which patch types it accepts. */
function groupVersionDocument(group: string, version: string): Record<string, unknown> {
	const paths: Record<string, unknown> = {};
	for (const resource of servedResources.filter(candidate => candidate.group === group && candidate.versions.includes(version))) {
		Object.assign(paths, itemPaths(resource, group, version));
	}
	return {openapi: '3.0.0', info: {title: 'Kubernetes', version: serverVersion.gitVersion}, paths, components: {schemas: {}}};
}

function hashOf(document: unknown): string {
	return createHash('sha512').update(JSON.stringify(document)).digest('hex').slice(0, 128).toUpperCase();
}

/**
 * Serves `/openapi/v3` (the index) and `/openapi/v3/{api/v1|apis/g/v}`. kubectl apply/edit need them:
 * without any OpenAPI document, kubectl refuses to validate and aborts. Returns undefined for other paths.
 */
export function openApiDocument(pathname: string): unknown {
	const path = pathname.replace(/\/+$/, '');
	if (path === '/openapi/v3') {
		const index: Record<string, {serverRelativeURL: string}> = {};
		for (const entry of groupVersionPaths()) {
			index[entry.key] = {serverRelativeURL: `/openapi/v3/${entry.key}?hash=${hashOf(groupVersionDocument(entry.group, entry.version))}`};
		}
		return {paths: index};
	}
	const match = /^\/openapi\/v3\/(.+)$/.exec(path);
	const entry = match ? groupVersionPaths().find(candidate => candidate.key === match[1]) : undefined;
	return entry ? groupVersionDocument(entry.group, entry.version) : undefined;
}
