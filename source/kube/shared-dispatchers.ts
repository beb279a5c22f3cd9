/**
 * client-node 2 builds a new undici Agent inside `applySecurityAuthentication` for every request, so no connection is
 * ever reused: each REST call and each watch pays a TCP connect and, on a real cluster, a TLS handshake (a one-shot
 * `meshtop set` made six). This keeps client-node in charge of every auth method and only makes it hand back the same
 * transport (shared-transport.ts) while the TLS material it would build a dispatcher from is the same (a rotated
 * client certificate from an exec plugin is new material, so it gets a new one). The transport builds client-node's
 * undici dispatcher only when client-node's fetch uses it; meshtop's REST calls take its Node agent.
 */
import {createHash} from 'node:crypto';
import type {Agent as HttpAgent} from 'node:http';
import type {Cluster, KubeConfig} from '@kubernetes/client-node';
import {SharedTransport, type ClosableDispatcher, type DispatcherOptions} from './shared-transport.js';

/** KubeConfig's dispatcher methods as they are at run time (TypeScript marks createDispatcher private). */
interface DispatcherFactory {
	createDispatcher(cluster: Cluster | null, agentOptions: object): ClosableDispatcher | undefined;
	createDispatcherOptions(cluster: Cluster | null, agentOptions: object): DispatcherOptions;
}

/** Distinct TLS materials kept per kubeconfig; more means credentials rotated, and the oldest transport is closed. */
const maxTransports = 4;

const caches = new WeakMap<KubeConfig, Map<string, SharedTransport>>();

/** A digest of the options, with Buffers (CA, certificate, key) hashed by content rather than by identity. */
function materialKey(options: unknown): string {
	const text = JSON.stringify(options, (_key, value: unknown) => {
		if (isSerializedBuffer(value)) {
			return createHash('sha256').update(Buffer.from(value.data)).digest('base64');
		}

		return value;
	});
	return createHash('sha256').update(text ?? '').digest('base64');
}

/** JSON.stringify hands the replacer a Buffer already turned into `{type: 'Buffer', data}`. */
function isSerializedBuffer(value: unknown): value is {type: 'Buffer'; data: number[]} {
	return typeof value === 'object' && value !== null && (value as {type?: unknown}).type === 'Buffer' && Array.isArray((value as {data?: unknown}).data);
}

/** The kept transport of `options`, made (and the oldest beyond the limit closed) when it is new material. */
function keptTransport(cache: Map<string, SharedTransport>, options: DispatcherOptions, create: () => ClosableDispatcher | undefined): SharedTransport {
	const key = materialKey(options);
	const kept = cache.get(key);
	if (kept !== undefined) {
		// Most recently used last, so eviction takes the material not seen for longest.
		cache.delete(key);
		cache.set(key, kept);
		return kept;
	}

	const created = new SharedTransport(options, create);
	cache.set(key, created);
	if (cache.size > maxTransports) {
		const [oldestKey, oldest] = cache.entries().next().value!;
		cache.delete(oldestKey);
		// close() lets requests in flight finish first.
		void oldest.close().catch(() => undefined);
	}

	return created;
}

/**
 * Makes `kc` reuse its connections across requests (idempotent). Idle sockets (Node's agents, undici's) are
 * unreferenced, so a kept transport does not hold the process open; `closeSharedDispatchers` ends them when their
 * owner is done.
 */
export function shareDispatchers(kc: KubeConfig): void {
	if (caches.has(kc)) {
		return;
	}

	const factory = kc as unknown as DispatcherFactory;
	if (typeof factory.createDispatcher !== 'function' || typeof factory.createDispatcherOptions !== 'function') {
		// Another client-node than the one this was written for: keep its behaviour rather than guess.
		return;
	}

	const cache = new Map<string, SharedTransport>();
	caches.set(kc, cache);
	const create = factory.createDispatcher.bind(kc);
	factory.createDispatcher = (cluster, agentOptions) => {
		const options = factory.createDispatcherOptions(cluster, agentOptions);
		const transport = keptTransport(cache, options, () => create(cluster, agentOptions));
		// Without TLS options or a proxy client-node sends through undici's global dispatcher: so does its fetch still.
		return options.type === 'none' ? undefined : transport;
	};
}

/**
 * The transport of the request client-node just prepared in `dispatcher` (what it set on the RequestContext), or
 * undefined when `kc` is not shared (another client-node) or the request must go through a proxy.
 */
export function nodeAgentFor(kc: KubeConfig, dispatcher: unknown, protocol: string): HttpAgent | undefined {
	const cache = caches.get(kc);
	if (cache === undefined) {
		return undefined;
	}

	if (dispatcher instanceof SharedTransport) {
		return dispatcher.nodeAgent(protocol);
	}

	if (dispatcher !== undefined) {
		return undefined;
	}

	// No TLS options and no proxy: the transport of that material, made by the createDispatcher call just before.
	return keptTransport(cache, {type: 'none'}, () => undefined).nodeAgent(protocol);
}

/** Closes the transports `kc` kept (requests in flight finish first); later requests get new ones. */
export async function closeSharedDispatchers(kc: KubeConfig): Promise<void> {
	const cache = caches.get(kc);
	if (cache === undefined) {
		return;
	}

	const transports = [...cache.values()];
	cache.clear();
	await Promise.allSettled(transports.map(async transport => transport.close()));
}

/** How many transports `kc` keeps now (tests read it). */
export function sharedDispatcherCount(kc: KubeConfig): number {
	return caches.get(kc)?.size ?? 0;
}

/** How many of the transports `kc` keeps have built an undici dispatcher (tests read it). */
export function undiciDispatcherCount(kc: KubeConfig): number {
	return [...caches.get(kc)?.values() ?? []].filter(transport => transport.usesUndici).length;
}
