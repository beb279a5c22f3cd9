/**
 * The test bed's mesh follows the routes on the real API server: a MeshStore whose content is kept by list+watch
 * (meshtop's own informer loop) of VirtualServices, DestinationRules, HTTPRoutes, Services, Pods and Namespaces (their
 * labels choose sidecar or ambient reporting). A weight
 * written by meshtop, kubectl or anyone moves the simulated traffic within one watch event, as istiod would push it.
 */
import {CoreV1Api, CustomObjectsApi, type KubeConfig} from '@kubernetes/client-node';
import {startListWatch, type ListWatchHandle} from '../../source/kube/list-watch.js';
import type {MeshStore} from '../../source/sim/mesh/live-routing.js';
import {routingResources} from '../../source/sim/mesh/live-routing.js';

type Listed = {items: Array<[string, unknown]>; resourceVersion: string};

/** A MeshStore mirrored from an API server; stop() ends its watches. */
export interface MirrorStore extends MeshStore {
	/** Resolves once every resource has been listed once. */
	synced: Promise<void>;
	/** Ends every watch. */
	stop(): void;
}

function keyOf(object: unknown): string | undefined {
	const metadata = (object as {metadata?: {namespace?: string; name?: string}} | undefined)?.metadata;
	return metadata?.name === undefined ? undefined : `${metadata.namespace ?? ''}/${metadata.name}`;
}

function entries(items: readonly unknown[]): Array<[string, unknown]> {
	return items.flatMap(item => {
		const key = keyOf(item);
		return key === undefined ? [] : [[key, item] as [string, unknown]];
	});
}

/** Starts mirroring the routing resources of `kc`'s cluster (all namespaces). */
export function startMirrorStore(kc: KubeConfig): MirrorStore {
	const custom = kc.makeApiClient(CustomObjectsApi);
	const core = kc.makeApiClient(CoreV1Api);
	const istio = async (plural: string): Promise<Listed> => {
		const list = await custom.listClusterCustomObject({group: 'networking.istio.io', version: 'v1', plural}) as {items?: unknown[]; metadata?: {resourceVersion?: string}};
		return {items: entries(list.items ?? []), resourceVersion: list.metadata?.resourceVersion ?? ''};
	};

	const sources: Record<string, {path: string; list: () => Promise<Listed>}> = {
		[routingResources.virtualServices]: {path: '/apis/networking.istio.io/v1/virtualservices', list: async () => istio('virtualservices')},
		[routingResources.destinationRules]: {path: '/apis/networking.istio.io/v1/destinationrules', list: async () => istio('destinationrules')},
		// HTTPRoutes with a Service parent route that Service instead of its VirtualService (the Gateway API CRDs are installed).
		[routingResources.httpRoutes]: {path: '/apis/gateway.networking.k8s.io/v1/httproutes', async list() {
			const list = await custom.listClusterCustomObject({group: 'gateway.networking.k8s.io', version: 'v1', plural: 'httproutes'}) as {items?: unknown[]; metadata?: {resourceVersion?: string}};
			return {items: entries(list.items ?? []), resourceVersion: list.metadata?.resourceVersion ?? ''};
		}},
		[routingResources.services]: {path: '/api/v1/services', async list() {
			const list = await core.listServiceForAllNamespaces();
			return {items: entries(list.items), resourceVersion: list.metadata?.resourceVersion ?? ''};
		}},
		[routingResources.pods]: {path: '/api/v1/pods', async list() {
			const list = await core.listPodForAllNamespaces();
			return {items: entries(list.items), resourceVersion: list.metadata?.resourceVersion ?? ''};
		}},
		// Namespace labels choose the data plane: `istio.io/dataplane-mode=ambient` makes the waypoint the reporter.
		'/namespaces': {path: '/api/v1/namespaces', async list() {
			const list = await core.listNamespace();
			return {items: entries(list.items), resourceVersion: list.metadata?.resourceVersion ?? ''};
		}},
	};

	const content = new Map<string, Map<string, unknown>>();
	const listeners = new Set<(event: {resource: string}) => void>();
	const handles: ListWatchHandle[] = [];
	const notify = (resource: string) => {
		for (const listener of listeners) {
			listener({resource});
		}
	};

	const syncs = Object.entries(sources).map(async ([resource, source]) => new Promise<void>(resolve => {
		const objects = new Map<string, unknown>();
		content.set(resource, objects);
		handles.push(startListWatch<unknown>({
			kc,
			context: {verb: 'watch', resource},
			path: async () => source.path,
			list: source.list,
			decode(object) {
				const key = keyOf(object);
				return key === undefined ? undefined : [key, object];
			},
			onReplace(items) {
				objects.clear();
				for (const [key, value] of items) {
					objects.set(key, value);
				}

				notify(resource);
				resolve();
			},
			onUpsert(key, value) {
				objects.set(key, value);
				notify(resource);
			},
			onDelete(key) {
				objects.delete(key);
				notify(resource);
			},
			onStatus: () => undefined,
		}));
	}));

	return {
		synced: Promise.all(syncs).then(() => undefined),
		list(resource, namespace) {
			const objects = [...(content.get(resource)?.values() ?? [])];
			return namespace === undefined ? objects : objects.filter(object => keyOf(object)?.startsWith(`${namespace}/`));
		},
		subscribe(listener) {
			listeners.add(listener);
			return () => listeners.delete(listener);
		},
		stop() {
			for (const handle of handles) {
				handle.stop();
			}

			listeners.clear();
		},
	};
}
