import type {V1Pod, V1PodList} from '@kubernetes/client-node';
import type {KubeTarget} from './config.js';
import {startListWatch, type ListWatchHandle} from './list-watch.js';
import {corePath, KubeRest} from './rest.js';
import {isRunningAndReady} from './pods.js';

/** Which pods a forward may land on: its selector's, or just the one named. */
export interface ForwardedPods {
	namespace: string;
	/** The pod found by discovery (watched by name when there is no selector). */
	pod: string;
	/** Label selector of the replacement pods. */
	selector?: string;
}

/**
 * Watches the pods a port-forward may land on and reports a pod that stops serving (deleted, terminating, not
 * Ready). A kubelet ends the streams of a pod it stops, but not every stand-in does, and a forward that learns of a
 * replacement only from a failed request shows stale state for as long as its connections stay open: the header
 * says "reconnecting" as soon as the API server knows. A watch that is refused (RBAC without `watch` on pods) just
 * leaves the forward to notice failures itself.
 */
export function watchForwardedPods(target: KubeTarget, where: ForwardedPods, onStopped: (pod: string, why: string) => void): ListWatchHandle {
	const rest = new KubeRest(target.kc);
	const query = where.selector === undefined ? `fieldSelector=${encodeURIComponent(`metadata.name=${where.pod}`)}` : `labelSelector=${encodeURIComponent(where.selector)}`;
	const serving = new Set<string>();
	const update = (name: string, pod: V1Pod | undefined) => {
		const serves = pod !== undefined && isRunningAndReady(pod);
		if (serving.has(name) && !serves) {
			onStopped(name, pod === undefined ? 'was deleted' : pod.metadata?.deletionTimestamp === undefined ? 'is not Ready' : 'is terminating');
		}

		if (serves) {
			serving.add(name);
		} else {
			serving.delete(name);
		}
	};

	return startListWatch<V1Pod>({
		kc: target.kc,
		context: {verb: 'watch', resource: 'pods', namespace: where.namespace},
		path: async () => Promise.resolve(`/api/v1/namespaces/${encodeURIComponent(where.namespace)}/pods?${query}`),
		async list(signal) {
			const list = await rest.get(corePath(where.namespace, 'pods'), where.selector === undefined ? {fieldSelector: `metadata.name=${where.pod}`} : {labelSelector: where.selector}, signal) as V1PodList;
			return {items: list.items.map(pod => [pod.metadata?.name ?? '', pod]), resourceVersion: list.metadata?.resourceVersion ?? ''};
		},
		decode(object) {
			const pod = object as V1Pod;
			return pod.metadata?.name === undefined ? undefined : [pod.metadata.name, pod];
		},
		onReplace(items) {
			const present = new Map(items);
			for (const name of [...serving]) {
				update(name, present.get(name));
			}

			for (const [name, pod] of items) {
				update(name, pod);
			}
		},
		onUpsert: update,
		onDelete(name) {
			update(name, undefined);
		},
		onStatus: () => undefined,
	});
}
