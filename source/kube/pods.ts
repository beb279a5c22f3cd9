import type {V1Pod, V1PodList} from '@kubernetes/client-node';
import {corePath, type KubeRest} from './rest.js';

/** Whether a pod can serve: Running, Ready, and not being deleted (what kubectl port-forward and Services pick). */
export function isRunningAndReady(pod: V1Pod): boolean {
	return pod.metadata?.deletionTimestamp === undefined
		&& pod.status?.phase === 'Running'
		&& (pod.status.conditions ?? []).some(condition => condition.type === 'Ready' && condition.status === 'True');
}

/** "name Phase[, not Ready]", for messages that explain why no pod was usable. */
export function describePod(pod: V1Pod): string {
	const ready = (pod.status?.conditions ?? []).some(condition => condition.type === 'Ready' && condition.status === 'True');
	return `${pod.metadata?.name ?? '?'} ${pod.status?.phase ?? 'Unknown'}${ready ? '' : ', not Ready'}`;
}

/**
 * The pod to send traffic to now: the first Running+Ready pod of `selector`, or without a selector the named pod
 * if it still serves. No usable pod gives a reason instead; API errors (the pod is gone: 404) are thrown.
 */
export async function findServingPod(rest: KubeRest, where: {namespace: string; pod: string; selector?: string}): Promise<{pod?: string; reason: string}> {
	if (where.selector === undefined) {
		const pod = await rest.get(corePath(where.namespace, 'pods', where.pod)) as V1Pod;
		return isRunningAndReady(pod) ? {pod: where.pod, reason: ''} : {reason: `pod ${describePod(pod)}`};
	}

	const pods = await rest.get(corePath(where.namespace, 'pods'), {labelSelector: where.selector}) as V1PodList;
	const ready = pods.items.find(pod => isRunningAndReady(pod));
	return ready?.metadata?.name === undefined
		? {reason: `no Running+Ready pod ${where.selector} in namespace ${where.namespace}${pods.items.length === 0 ? '' : ` (${pods.items.map(pod => describePod(pod)).join('; ')})`}`}
		: {pod: ready.metadata.name, reason: ''};
}
