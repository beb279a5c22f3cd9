/**
 * Which data plane serves a namespace, followed live from the store: Istio's ambient mode enrols a namespace with the
 * label `istio.io/dataplane-mode=ambient` (no sidecars; L7 metrics come from the waypoint), every other namespace runs
 * sidecars. Labelling or unlabelling a namespace switches its reporter from the next request on, as in a real mesh.
 */
import {asRecord, asString, asStringMap} from './kube-objects.js';
import type {MeshStore} from './live-routing.js';

/** The store resource of namespaces (core group). */
const namespacesResource = '/namespaces';

/** The label and value that put a namespace in ambient mode. */
export const ambientModeLabel = {name: 'istio.io/dataplane-mode', value: 'ambient'} as const;

/** The data plane of a request's destination: sidecars (source and destination report) or ambient (the waypoint reports). */
export type Dataplane = 'sidecar' | 'ambient';

/** Answers {@link Dataplane} per namespace from the store's current labels. */
export interface DataplaneModes {
	/** The data plane of `namespace` now. */
	of(namespace: string): Dataplane;
	/** Stops following the store. */
	close(): void;
}

/** Follows the namespaces of `store`; the ambient set is rebuilt on the first question after a namespace changed. */
export function followDataplaneModes(store: MeshStore): DataplaneModes {
	let ambient: Set<string> | undefined;
	const unsubscribe = store.subscribe(event => {
		if (event.resource === namespacesResource) {
			ambient = undefined;
		}
	});
	const build = () => new Set(store.list(namespacesResource).flatMap(object => {
		const metadata = asRecord(asRecord(object)?.['metadata']);
		const name = asString(metadata?.['name']);
		return name !== undefined && asStringMap(metadata?.['labels'])[ambientModeLabel.name] === ambientModeLabel.value ? [name] : [];
	}));

	return {
		of(namespace) {
			ambient ??= build();
			return ambient.has(namespace) ? 'ambient' : 'sidecar';
		},
		close() {
			unsubscribe();
		},
	};
}
