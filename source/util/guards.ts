/** Type guards for JSON read from the API server, Prometheus or a file: one copy each, with one meaning each. */

/** A JSON object (not null, not an array): the shape of a Kubernetes object, a spec, a route entry. */
export function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Any non-null object, arrays included: for reading optional members of a response whose shape is unknown
 * (an error body, a Status), where an array simply has none of the members asked for.
 */
export function isObject(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null;
}
