import type {V1SelfSubjectAccessReview} from '@kubernetes/client-node';
import type {RouteObjectKind} from '../domain/virtual-service.js';
import type {KubeTarget} from './config.js';
import {toKubeError} from './errors.js';
import {KubeRest} from './rest.js';
import {retryThrottled} from './throttle-retry.js';
import {routeKindPlaces} from './route-resources.js';

/** The answer: allowed, or not and why (the console's AccessReview port has the same shape). */
export interface RouteAccess {
	allowed: boolean;
	/** For people, when not allowed. */
	reason?: string;
}

/** What a write of a split needs: `patch` on the route object (the trail's Event is best-effort, so not asked). */
export interface RouteAccessQuestion {
	kind: RouteObjectKind;
	namespace: string;
	/** The route object's name; undefined asks about every object of the kind in the namespace (the picker). */
	name: string | undefined;
}

/**
 * Asks the API server whether the current user may patch a route object (a SelfSubjectAccessReview, which every
 * authenticated user may create): the console starts read-only, and says why, instead of failing on the first Enter.
 */
export async function reviewRouteAccess(target: KubeTarget, question: RouteAccessQuestion): Promise<RouteAccess> {
	const {group, plural} = routeKindPlaces[question.kind];
	const resourceAttributes = {verb: 'patch', group, resource: plural, namespace: question.namespace, ...(question.name === undefined ? {} : {name: question.name})};
	let review: V1SelfSubjectAccessReview;
	try {
		// Through the REST client, not the generated AuthorizationV1Api, whose serializer would load every generated model.
		// A 429 is asked again after its Retry-After: the answer decides whether the console starts read-only.
		review = await retryThrottled(async () => {
			try {
				return await new KubeRest(target.kc).post('/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: {resourceAttributes}}) as V1SelfSubjectAccessReview;
			} catch (error) {
				throw toKubeError(error, {verb: 'create', resource: 'selfsubjectaccessreviews.authorization.k8s.io'});
			}
		});
	} catch (error) {
		throw toKubeError(error, {verb: 'create', resource: 'selfsubjectaccessreviews.authorization.k8s.io'});
	}

	const status = review.status;
	if (status?.allowed === true) {
		return {allowed: true};
	}

	const object = `${plural}${question.name === undefined ? '' : `/${question.name}`}`;
	const why = [status?.reason, status?.evaluationError].filter(text => text !== undefined && text !== '').join('; ');
	return {allowed: false, reason: `user ${target.user === '' ? '(current)' : target.user} cannot patch ${object} in ${question.namespace} (SelfSubjectAccessReview${why === '' ? '' : `: ${why}`})`};
}
