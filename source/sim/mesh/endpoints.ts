import {asArray, asRecord, asString, asStringMap, identityOf, matchesLabels} from './kube-objects.js';

/** A ready pod behind a Service, with the identity Istio's telemetry derives from it. */
export interface Endpoint {
	/** Pod name. */
	pod: string;
	/** Pod namespace. */
	namespace: string;
	/** Pod labels, matched against DestinationRule subsets. */
	labels: Record<string, string>;
	/** Deployment name derived from the pod name, Istio's `*_workload` label. */
	workload: string;
	/** `app` label (`unknown` without one), Istio's `*_app` label. */
	app: string;
	/** `version` label (`unknown` without one), Istio's `*_version` label. */
	version: string;
	/** Istio's canonical service: the canonical-name label, else `app`, else the workload. */
	canonicalService: string;
	/** Istio's canonical revision: the canonical-revision label, else `version`, else `latest`. */
	canonicalRevision: string;
	/** spec.serviceAccountName (`default` without one); the SPIFFE principal under mutual TLS. */
	serviceAccount: string;
}

/** A Kubernetes Service and its ready endpoints, keyed by cluster-local FQDN in a {@link EndpointIndex}. */
export interface ServiceEndpoints {
	/** Service name, Istio's `destination_service_name`. */
	name: string;
	/** Service namespace. */
	namespace: string;
	/** `name.namespace.svc.cluster.local`, Istio's `destination_service`. */
	host: string;
	/** Ready pods selected by the Service, in a stable order so round-robin is deterministic. */
	endpoints: Endpoint[];
}

/** Services by FQDN. */
export type EndpointIndex = Map<string, ServiceEndpoints>;

/** The telemetry identity of a pod object (also used for callers, whose labels drive `sourceLabels` matches). */
export function endpointOf(pod: unknown): Endpoint {
	const {name, namespace, labels} = identityOf(pod);
	const app = labels['app'] ?? 'unknown';
	const version = labels['version'] ?? 'unknown';
	const workload = workloadName(name, labels['pod-template-hash']);
	return {
		pod: name,
		namespace,
		labels,
		workload,
		app,
		version,
		canonicalService: labels['service.istio.io/canonical-name'] ?? labels['app'] ?? workload,
		canonicalRevision: labels['service.istio.io/canonical-revision'] ?? labels['version'] ?? 'latest',
		serviceAccount: asString(asRecord(asRecord(pod)?.['spec'])?.['serviceAccountName']) ?? 'default',
	};
}

/**
 * Joins Services and Pods like the endpoints controller: a pod backs a Service when it is in the same namespace,
 * matches the selector, and is Running with a Ready condition that is True (unready pods get no traffic).
 */
export function indexEndpoints(services: readonly unknown[], pods: readonly unknown[]): EndpointIndex {
	const readyPods = pods.filter(pod => isReady(pod)).map(pod => endpointOf(pod))
		.sort((a, b) => a.pod.localeCompare(b.pod));
	const index: EndpointIndex = new Map();
	for (const service of services) {
		const {name, namespace} = identityOf(service);
		const selector = asStringMap(asRecord(asRecord(service)?.['spec'])?.['selector']);
		// A Service without a selector has manually managed endpoints; the sim has none of those.
		const endpoints = Object.keys(selector).length === 0
			? []
			: readyPods.filter(pod => pod.namespace === namespace && matchesLabels(selector, pod.labels));
		const host = `${name}.${namespace}.svc.cluster.local`;
		index.set(host, {name, namespace, host, endpoints});
	}

	return index;
}

function isReady(pod: unknown): boolean {
	const status = asRecord(asRecord(pod)?.['status']);
	if (asString(status?.['phase']) !== 'Running') {
		return false;
	}

	return asArray(status?.['conditions']).some(condition => {
		const record = asRecord(condition);
		return record?.['type'] === 'Ready' && record['status'] === 'True';
	});
}

function workloadName(pod: string, templateHash: string | undefined): string {
	// Deployment pods are named DEPLOYMENT-HASH-SUFFIX; Istio reports the Deployment as the workload.
	if (templateHash) {
		const marker = `-${templateHash}-`;
		const at = pod.lastIndexOf(marker);
		if (at > 0) {
			return pod.slice(0, at);
		}
	}

	return pod;
}
