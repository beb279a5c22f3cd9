import type {V1Pod, V1PodList, V1Service} from '@kubernetes/client-node';
import type {StatsReporter} from '../domain/envoy-stats.js';
import type {LiveSample} from '../domain/live-rates.js';
import type {Destination} from '../domain/virtual-service.js';
import {isRunningAndReady} from './pods.js';
import {corePath, type KubeRest} from './rest.js';

/** The pods of an ambient namespace's waypoint proxies (Istio labels the waypoints it manages so). */
export const waypointSelector = 'gateway.istio.io/managed=istio.io-mesh-controller';

/** The label selector text of a Service's `spec.selector`. */
function selectorText(selector: Record<string, string>): string {
	return Object.entries(selector).map(([key, value]) => `${key}=${value}`).join(',');
}

/** The version a pod reports in `destination_version` (the `version` label, as Istio reads it). */
function podVersion(pod: V1Pod): string | undefined {
	const labels = pod.metadata?.labels ?? {};
	return labels['version'] ?? labels['app.kubernetes.io/version'];
}

const nameOf = (pod: V1Pod): string => pod.metadata?.name ?? '';

/** The pods chosen for each destination, and how many distinct pods serve them all. */
export interface ChosenPods {
	/** By destination key: the first `podsPerVersion` serving pods (by name, so the sample is stable) of how many. */
	samples: Record<string, LiveSample>;
	/** Distinct serving pods of the destinations. */
	serving: number;
}

/**
 * Chooses whose Envoy stats to read: each version's serving pods (its Service's selector, then its `version` label;
 * every pod of the Service for a destination without version), or in ambient mode the namespace's waypoint pods for
 * every version. Destinations in another namespace get none. API errors (a 403 on pods) are thrown.
 */
export async function choosePods(rest: Pick<KubeRest, 'get'>, options: {namespace: string; reporter: StatsReporter; podsPerVersion: number}, destinations: readonly Destination[]): Promise<ChosenPods> {
	const {namespace, podsPerVersion} = options;
	const samples: Record<string, LiveSample> = {};
	if (options.reporter === 'waypoint') {
		const list = await rest.get(corePath(namespace, 'pods'), {labelSelector: waypointSelector}) as V1PodList;
		const waypoints = list.items.filter(pod => isRunningAndReady(pod)).map(pod => nameOf(pod)).sort();
		for (const destination of destinations) {
			samples[destination.key] = {sampled: waypoints.slice(0, podsPerVersion), total: waypoints.length};
		}

		return {samples, serving: waypoints.length};
	}

	const services = [...new Set(destinations.filter(destination => (destination.metric.namespace ?? namespace) === namespace).map(destination => destination.metric.service))];
	const podsOf = new Map<string, V1Pod[]>();
	await Promise.all(services.map(async name => {
		const service = await rest.get(corePath(namespace, 'services', name)) as V1Service;
		const selector = service.spec?.selector ?? {};
		// A Service without a selector has no pods meshtop can find (its endpoints are managed by hand).
		const pods = Object.keys(selector).length === 0 ? [] : (await rest.get(corePath(namespace, 'pods'), {labelSelector: selectorText(selector)}) as V1PodList).items;
		podsOf.set(name, pods.filter(pod => isRunningAndReady(pod)).sort((a, b) => nameOf(a).localeCompare(nameOf(b))));
	}));
	const all = new Set<string>();
	for (const destination of destinations) {
		const inNamespace = (destination.metric.namespace ?? namespace) === namespace;
		const pods = inNamespace ? (podsOf.get(destination.metric.service) ?? []).filter(pod => destination.metric.version === undefined || podVersion(pod) === destination.metric.version) : [];
		samples[destination.key] = {sampled: pods.slice(0, podsPerVersion).map(pod => nameOf(pod)), total: pods.length};
		for (const pod of pods) {
			all.add(nameOf(pod));
		}
	}

	return {samples, serving: all.size};
}
