/**
 * Finds the route object a command names, as kubectl would: `httproute/reviews` and `vs/reviews` choose the kind; a bare
 * `reviews` is whichever kind exists, and an error naming both spellings when both do (a command cannot open a picker).
 */
import {parseRouteAddress} from '../domain/addressing.js';
import type {RouteObjectKind, VirtualService} from '../domain/virtual-service.js';
import type {IstioApi} from '../kube/istio-api.js';
import {KubeError} from '../kube/errors.js';

async function tryGet(api: Pick<IstioApi, 'getRoute'>, kind: RouteObjectKind, namespace: string, name: string): Promise<VirtualService | undefined> {
	try {
		return await api.getRoute(kind, namespace, name);
	} catch (error) {
		// Absent, or the kind is not served here: neither is an answer to "which one did you mean".
		if (error instanceof KubeError && error.kind === 'not-found') {
			return undefined;
		}

		throw error;
	}
}

/** The route object `address` names in `namespace`, with its kind. */
export async function lookUpRoute(api: Pick<IstioApi, 'getRoute'>, namespace: string, address: string): Promise<VirtualService> {
	const {name, kind} = parseRouteAddress(address);
	if (kind !== undefined) {
		return api.getRoute(kind, namespace, name);
	}

	const [virtualService, httpRoute] = await Promise.all([tryGet(api, 'VirtualService', namespace, name), tryGet(api, 'HTTPRoute', namespace, name)]);
	if (virtualService !== undefined && httpRoute !== undefined) {
		throw new Error(`both a VirtualService and an HTTPRoute are named ${name} in namespace ${namespace}: say vs/${name} or httproute/${name}`);
	}

	// Neither: the VirtualService's own not-found error, as before HTTPRoutes (it names the namespace and the server).
	return virtualService ?? httpRoute ?? api.getRoute('VirtualService', namespace, name);
}
