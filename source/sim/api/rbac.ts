import type {DenyRule} from './api-server.js';

/** The request facts an RBAC decision looks at. */
export interface Attributes {
	verb: string;
	group: string;
	/** Plural, or `plural/subresource`. */
	resource: string;
	namespace?: string;
	/** The authenticated user. */
	user?: string;
}

function matches(pattern: string, value: string): boolean {
	return pattern === '*' || pattern === value;
}

/** True when a deny rule forbids the request (the sim's stand-in for a missing RBAC grant). */
export function isDenied(rules: readonly DenyRule[], attributes: Attributes): boolean {
	return rules.some(rule =>
		matches(rule.verb, attributes.verb)
		&& matches(rule.group, attributes.group)
		&& matches(rule.resource, attributes.resource)
		&& (rule.namespace === undefined || rule.namespace === attributes.namespace)
		&& (rule.user === undefined || rule.user === attributes.user));
}

/** The user a request authenticates as: the sim's kubeconfig token is `meshtop-sim:<user>`; anything else is the default admin. */
export function userFromAuthorization(header: string | undefined, fallback = 'sim-admin'): string {
	const match = /^Bearer\s+meshtop-sim:(.+)$/i.exec(header ?? '');
	return match?.[1] ?? fallback;
}
