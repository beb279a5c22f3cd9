/**
 * client-node 2 builds a new undici Agent inside `applySecurityAuthentication` for every request, so no connection is
 * ever reused: each REST call and each watch pays a TCP connect and, on a real cluster, a TLS handshake (a one-shot
 * `meshtop set` made six). This keeps client-node in charge of every auth method and only makes it hand back the same
 * Agent while the TLS material it would build one from is the same (a rotated client certificate from an exec plugin
 * is new material, so it gets a new Agent).
 */
import {createHash} from 'node:crypto';
import type {Cluster, KubeConfig} from '@kubernetes/client-node';

/** What meshtop needs of an undici dispatcher: closing it. */
interface ClosableDispatcher {
	close(): Promise<void>;
}

/** KubeConfig's dispatcher methods as they are at run time (TypeScript marks createDispatcher private). */
interface DispatcherFactory {
	createDispatcher(cluster: Cluster | null, agentOptions: object): ClosableDispatcher | undefined;
	createDispatcherOptions(cluster: Cluster | null, agentOptions: object): unknown;
}

/** Distinct TLS materials kept per kubeconfig; more means credentials rotated, and the oldest Agent is closed. */
const maxDispatchers = 4;

const caches = new WeakMap<KubeConfig, Map<string, ClosableDispatcher>>();

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

/**
 * Makes `kc` reuse its undici dispatchers across requests (idempotent). undici unreferences idle sockets, so a kept
 * Agent does not hold the process open; `closeSharedDispatchers` ends them when their owner is done.
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

	const cache = new Map<string, ClosableDispatcher>();
	caches.set(kc, cache);
	const create = factory.createDispatcher.bind(kc);
	factory.createDispatcher = (cluster, agentOptions) => {
		const key = materialKey(factory.createDispatcherOptions(cluster, agentOptions));
		const kept = cache.get(key);
		if (kept !== undefined) {
			// Most recently used last, so eviction takes the material not seen for longest.
			cache.delete(key);
			cache.set(key, kept);
			return kept;
		}

		const created = create(cluster, agentOptions);
		if (created === undefined) {
			return undefined;
		}

		cache.set(key, created);
		if (cache.size > maxDispatchers) {
			const [oldestKey, oldest] = cache.entries().next().value!;
			cache.delete(oldestKey);
			// close() lets requests in flight finish first.
			void oldest.close().catch(() => undefined);
		}

		return created;
	};
}

/** Closes the dispatchers `kc` kept (requests in flight finish first); later requests get new ones. */
export async function closeSharedDispatchers(kc: KubeConfig): Promise<void> {
	const cache = caches.get(kc);
	if (cache === undefined) {
		return;
	}

	const dispatchers = [...cache.values()];
	cache.clear();
	await Promise.allSettled(dispatchers.map(async dispatcher => dispatcher.close()));
}

/** How many dispatchers `kc` keeps now (tests read it). */
export function sharedDispatcherCount(kc: KubeConfig): number {
	return caches.get(kc)?.size ?? 0;
}
