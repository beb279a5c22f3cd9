/**
 * client-node's `applySecurityAuthentication`, one call at a time per kubeconfig. Why: client-node keeps an exec
 * plugin's credential (or a refreshed OIDC token) only once a call has got it, so requests started together each ran
 * the plugin, and a command's first reads go out together (discovery beside the route and its DestinationRules; the
 * console's watches). In turn, the first call runs the plugin and the others find its credential kept.
 */
import type {KubeConfig} from '@kubernetes/client-node';

/** What the auth is applied to: client-node's RequestContext. */
type AuthContext = Parameters<KubeConfig['applySecurityAuthentication']>[0];

/** The last call queued per kubeconfig (a finished one is dropped with the kubeconfig). */
const lastCall = new WeakMap<KubeConfig, Promise<unknown>>();

/** Applies the current user's credentials, TLS material and proxy to `context`, after any call still under way. */
export async function authenticate(kc: KubeConfig, context: AuthContext): Promise<void> {
	const before = lastCall.get(kc) ?? Promise.resolve();
	const call = before.catch(() => undefined).then(async () => kc.applySecurityAuthentication(context));
	lastCall.set(kc, call);
	await call;
}
