import {stringify} from 'yaml';

/** Options of {@link simKubeconfig}. */
export interface SimKubeconfigOptions {
	/** The API server URL, e.g. `http://127.0.0.1:40123`. */
	server: string;
	/** Context name (default 'meshtop-sim'). */
	contextName?: string;
	/** The context's default namespace (default 'bookinfo'). */
	namespace?: string;
	/** User name (default 'sim-admin'); the sim reports it in Forbidden messages. */
	user?: string;
}

/** Prefix of the bearer token the sim's user presents; the server reads the user name after it (for Forbidden messages) and accepts any token. */
export const simTokenPrefix = 'meshtop-sim:';

/** A kubeconfig YAML for the sim: cluster 'meshtop-sim', context `contextName` (default 'meshtop-sim'), user (default 'sim-admin', token auth), namespace (default 'bookinfo'). */
export function simKubeconfig(options: SimKubeconfigOptions): string {
	const contextName = options.contextName ?? 'meshtop-sim';
	const user = options.user ?? 'sim-admin';
	const namespace = options.namespace ?? 'bookinfo';
	return stringify({
		apiVersion: 'v1',
		kind: 'Config',
		// client-node 2.x refuses plain http:// clusters unless TLS verification is explicitly skipped.
		clusters: [{name: 'meshtop-sim', cluster: {server: options.server, 'insecure-skip-tls-verify': true}}],
		users: [{name: user, user: {token: `${simTokenPrefix}${user}`}}],
		contexts: [{name: contextName, context: {cluster: 'meshtop-sim', user, namespace}}],
		'current-context': contextName,
		preferences: {},
	});
}
