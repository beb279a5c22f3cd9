/**
 * SelfSubjectAccessReview in the sim: "may I?" answered from the sim's own notion of permissions (its deny rules),
 * so meshtop's start-up question gets the answer the request itself would get.
 */
import type {IncomingMessage, ServerResponse} from 'node:http';
import type {DenyRule} from './api-server.js';
import {parseJsonBody, readBody, sendJson} from './http-util.js';
import {isDenied} from './rbac.js';
import {badRequest} from './status.js';
import {isObject} from '../../util/guards.js';

/** Where kubectl auth can-i and client-node send the review. */
export const accessReviewPath = '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews';

function text(value: unknown): string {
	return typeof value === 'string' ? value : '';
}

/** Answers a SelfSubjectAccessReview for `user` as the real server does: 201 with the spec echoed and `status.allowed`. */
export async function handleAccessReview(request: IncomingMessage, response: ServerResponse, rules: readonly DenyRule[], user: string): Promise<void> {
	const body = parseJsonBody(await readBody(request));
	const spec = isObject(body) && isObject(body['spec']) ? body['spec'] : undefined;
	const attributes = spec !== undefined && isObject(spec['resourceAttributes']) ? spec['resourceAttributes'] : undefined;
	if (spec === undefined || (attributes === undefined && !isObject(spec['nonResourceAttributes']))) {
		throw badRequest('SelfSubjectAccessReview.authorization.k8s.io "" is invalid: spec.resourceAttributes: Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified');
	}

	const resource = attributes === undefined ? '' : `${text(attributes['resource'])}${text(attributes['subresource']) === '' ? '' : `/${text(attributes['subresource'])}`}`;
	const namespace = attributes === undefined ? undefined : text(attributes['namespace']);
	const denied = attributes !== undefined && isDenied(rules, {
		verb: text(attributes['verb']),
		group: text(attributes['group']),
		resource,
		...(namespace === '' || namespace === undefined ? {} : {namespace}),
		user,
	});
	sendJson(response, 201, {
		kind: 'SelfSubjectAccessReview',
		apiVersion: 'authorization.k8s.io/v1',
		metadata: {},
		spec,
		status: denied ? {allowed: false} : {allowed: true, reason: `sim: no deny rule for user "${user}"`},
	});
}
