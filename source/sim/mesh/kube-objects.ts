/**
 * Defensive readers for objects taken from the simulated API server's store.
 * Anyone can `kubectl apply` anything there, so the mesh reads fields as unknown and never trusts shapes.
 */

/** Identifying metadata the mesh needs from any object. */
export interface ObjectIdentity {
	/** metadata.name, '' when absent. */
	name: string;
	/** metadata.namespace, '' for cluster-scoped objects. */
	namespace: string;
	/** metadata.labels with non-string values dropped. */
	labels: Record<string, string>;
	/** metadata.creationTimestamp, used to order competing VirtualServices like Istio does (oldest wins). */
	createdAt: string;
}

/** The value as a plain object, or undefined when it is anything else. */
export function asRecord(value: unknown): Record<string, unknown> | undefined {
	return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** The value as an array, or an empty one when it is anything else. */
export function asArray(value: unknown): unknown[] {
	return Array.isArray(value) ? value : [];
}

/** The value as a string, or undefined when it is anything else. */
export function asString(value: unknown): string | undefined {
	return typeof value === 'string' ? value : undefined;
}

/** The string-valued entries of a label-like map. */
export function asStringMap(value: unknown): Record<string, string> {
	const result: Record<string, string> = {};
	for (const [key, item] of Object.entries(asRecord(value) ?? {})) {
		if (typeof item === 'string') {
			result[key] = item;
		}
	}

	return result;
}

/** Name, namespace, labels and creation time of an object. */
export function identityOf(object: unknown): ObjectIdentity {
	const metadata = asRecord(asRecord(object)?.['metadata']);
	return {
		name: asString(metadata?.['name']) ?? '',
		namespace: asString(metadata?.['namespace']) ?? '',
		labels: asStringMap(metadata?.['labels']),
		createdAt: asString(metadata?.['creationTimestamp']) ?? '',
	};
}

/** Whether every label of `selector` is present with the same value in `labels` (Kubernetes equality selector). */
export function matchesLabels(selector: Record<string, string>, labels: Record<string, string>): boolean {
	return Object.entries(selector).every(([key, value]) => labels[key] === value);
}

/**
 * Cluster-local FQDN of a host as written in an Istio resource of `namespace`:
 * Istio resolves short names relative to the resource's own namespace.
 */
export function qualifyHost(host: string, namespace: string): string {
	if (host.endsWith('.svc.cluster.local') || host.includes('*')) {
		return host;
	}

	const dots = host.split('.').length - 1;
	if (dots === 0) {
		return `${host}.${namespace}.svc.cluster.local`;
	}

	if (dots === 1) {
		return `${host}.svc.cluster.local`;
	}

	return host;
}
