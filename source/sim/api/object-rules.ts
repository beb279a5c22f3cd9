import {createHash} from 'node:crypto';
import type {RequestTarget} from './request-target.js';
import type {ServedResource} from './resources.js';
import {badRequest, invalid, notFound} from './status.js';
import type {KubeObject, ObjectStore} from './store.js';
import {validateCustomObject, validateObjectName} from './validation.js';
import {isRecord} from '../../util/guards.js';

/** `group/version` (or `v1` for core), the apiVersion a response is rendered in. */
export function apiVersionOf(target: {group: string; version: string}): string {
	return target.group === '' ? target.version : `${target.group}/${target.version}`;
}

/**
 * An object as served at the requested version: the sim stores one copy per object and, since the Istio
 * versions share one schema, converting is just rewriting apiVersion (like a CRD with `conversion: None`).
 */
export function present(object: KubeObject, target: {group: string; version: string}): KubeObject {
	return {...object, apiVersion: apiVersionOf(target)};
}

/** Checks a decoded body is an object of the addressed kind and version (the real decoder's 400s). */
export function asKubeObject(body: unknown, target: RequestTarget): KubeObject {
	if (!isRecord(body)) {
		throw badRequest(`the object provided is unrecognized (must be of type ${target.resource.kind}): expected a JSON object`);
	}
	const expected = apiVersionOf(target);
	if (body.kind !== undefined && body.kind !== target.resource.kind) {
		throw badRequest(`the object provided is unrecognized (must be of type ${target.resource.kind}): kind ${String(body.kind)}`);
	}
	if (body.apiVersion !== undefined && body.apiVersion !== expected) {
		throw badRequest(`the API version in the data (${String(body.apiVersion)}) does not match the expected API version (${expected})`);
	}
	const metadata = isRecord(body.metadata) ? body.metadata : {};
	if (metadata.name !== undefined && typeof metadata.name !== 'string') {
		throw badRequest('metadata.name must be a string');
	}
	return {...body, apiVersion: expected, kind: target.resource.kind, metadata: {...metadata, name: (metadata.name as string | undefined) ?? ''}};
}

/** Puts the URL's namespace on the object, rejecting a different one like the real server. */
export function ensureNamespace(object: KubeObject, target: RequestTarget): void {
	if (!target.resource.namespaced) {
		delete object.metadata.namespace;
		return;
	}
	const namespace = object.metadata.namespace;
	if (namespace !== undefined && namespace !== '' && namespace !== target.namespace) {
		throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
	}
	if (target.namespace !== undefined) {
		object.metadata.namespace = target.namespace;
	}
}

/** A namespaced create needs its namespace to exist (404 `namespaces "x" not found`). */
export function requireNamespace(store: ObjectStore, target: RequestTarget): void {
	if (target.resource.namespaced && target.namespace !== undefined && !store.get('/namespaces', undefined, target.namespace)) {
		throw notFound('', 'namespaces', target.namespace);
	}
}

/** A stable address in the default service CIDR (10.96.0.0/12), derived from the service's name. */
function clusterIpFor(key: string): string {
	const digest = createHash('sha256').update(key).digest();
	return `10.96.${digest[0] ?? 0}.${Math.max(1, digest[1] ?? 1)}`;
}

/** Fields the server fills in on create for the core kinds the sim serves. */
export function applyDefaults(resource: ServedResource, object: KubeObject): void {
	if (resource.group !== '') {
		return;
	}
	if (resource.plural === 'namespaces') {
		object.spec ??= {finalizers: ['kubernetes']};
		object.status = {phase: 'Active'};
	}
	if (resource.plural === 'services') {
		const spec = (isRecord(object.spec) ? object.spec : {}) as Record<string, unknown>;
		spec.type ??= 'ClusterIP';
		spec.sessionAffinity ??= 'None';
		spec.clusterIP ??= clusterIpFor(`${object.metadata.namespace ?? ''}/${object.metadata.name}`);
		if (Array.isArray(spec.ports)) {
			for (const port of spec.ports as Array<Record<string, unknown>>) {
				port.protocol ??= 'TCP';
				port.targetPort ??= port.port;
			}
		}
		object.spec = spec;
	}
}

/** How the client wants unknown fields treated (`fieldValidation` query parameter); the server default is Warn. */
export type FieldValidation = 'Ignore' | 'Warn' | 'Strict';

/** Reads the `fieldValidation` query parameter. */
export function fieldValidationParameter(value: string | null): FieldValidation {
	return value === 'Ignore' || value === 'Strict' ? value : 'Warn';
}

/**
 * Validation of the final object of a create/update/patch: name syntax, then the CRD schema and Istio's rules.
 * Unknown fields are pruned; with Strict they are a 400 like the server's strict decoding, with Warn they
 * are reported through `warn` (sent as `Warning` headers, which kubectl prints).
 */
export function validateForWrite(target: RequestTarget, object: KubeObject, validation: FieldValidation, warn: (text: string) => void): KubeObject {
	validateObjectName(target.group, target.resource.kind, object.metadata.name);
	if (!target.resource.custom) {
		return object;
	}
	const result = validateCustomObject(target.group, target.resource.kind, target.version, object);
	const unknown = result.unknownFields.map(field => `unknown field "${field}"`);
	if (unknown.length > 0 && validation === 'Strict') {
		const {kind} = target.resource;
		throw badRequest(`${kind} in version "${target.version}" cannot be handled as a ${kind}: strict decoding error: ${unknown.join(', ')}`);
	}
	if (validation === 'Warn') {
		for (const text of unknown) {
			warn(text);
		}
	}
	return result.object;
}

/** Custom resources have a status subresource: writes to the main resource keep the stored status. */
export function keepStatus(target: RequestTarget, next: KubeObject, current: KubeObject | undefined): void {
	if (!target.resource.custom || target.subresource === 'status') {
		return;
	}
	if (current?.status === undefined) {
		delete next.status;
	} else {
		next.status = structuredClone(current.status);
	}
}

/** A writer to the status subresource changes only status; everything else comes from the stored object. */
export function onlyStatus(next: KubeObject, current: KubeObject): KubeObject {
	const result = structuredClone(current);
	result.metadata.resourceVersion = next.metadata.resourceVersion ?? current.metadata.resourceVersion;
	if (next.status === undefined) {
		delete result.status;
	} else {
		result.status = next.status;
	}
	return result;
}

/** Custom resources must be updated with a resourceVersion (CRDs do not allow unconditional update). */
export function requireResourceVersionForUpdate(target: RequestTarget, object: KubeObject): void {
	const version = object.metadata.resourceVersion;
	if (target.resource.custom && (version === undefined || version === '')) {
		throw invalid(target.group, target.resource.kind, object.metadata.name, [
			{field: 'metadata.resourceVersion', type: 'FieldValueInvalid', value: 0, renderedValue: '0x0', detail: 'must be specified for an update'},
		]);
	}
}
