import {indexEndpoints} from './endpoints.js';
import {compileRoutingTable, type RoutingTable} from './routing.js';

/**
 * The part of the simulated API server's object store the mesh reads. Declared structurally (results as unknown)
 * because objects there come from whatever users `kubectl apply`, and the mesh must survive any shape.
 */
export interface MeshStore {
	/** Every object of a resource (`group/plural`, core group ''), in all namespaces when none is given. */
	list(resource: string, namespace?: string): readonly unknown[];
	/** Calls back on every write; returns the unsubscribe function. */
	subscribe(listener: (event: {resource: string}) => void): () => void;
}

/** Store resources that change routing. */
export const routingResources = {
	virtualServices: 'networking.istio.io/virtualservices',
	destinationRules: 'networking.istio.io/destinationrules',
	httpRoutes: 'gateway.networking.k8s.io/httproutes',
	services: '/services',
	pods: '/pods',
} as const;

/** A routing table that follows the store, like Envoy following istiod's pushes. */
export interface LiveRouting {
	/** The table for the current store content. */
	current(): RoutingTable;
	/** Stops following the store. */
	close(): void;
}

/**
 * Follows the store: a write to a routing resource marks the table stale and the next request recompiles it,
 * so a burst of writes costs one compilation and requests between writes cost none.
 */
export function followRouting(store: MeshStore): LiveRouting {
	const watched = new Set<string>(Object.values(routingResources));
	let table: RoutingTable | undefined;
	const unsubscribe = store.subscribe(event => {
		if (watched.has(event.resource)) {
			table = undefined;
		}
	});

	return {
		current() {
			table ??= compileRoutingTable({
				virtualServices: store.list(routingResources.virtualServices),
				destinationRules: store.list(routingResources.destinationRules),
				httpRoutes: store.list(routingResources.httpRoutes),
				endpoints: indexEndpoints(store.list(routingResources.services), store.list(routingResources.pods)),
			});
			return table;
		},
		close() {
			unsubscribe();
		},
	};
}
