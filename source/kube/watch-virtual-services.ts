import type {DestinationRuleInfo, ServiceInfo, VirtualService} from '../domain/virtual-service.js';
import {routeAddress} from '../domain/addressing.js';
import {serviceInfo} from '../domain/http-route.js';
import type {KubeTarget} from './config.js';
import type {KubeError} from './errors.js';
import {asVirtualService, destinationRuleEntry, destinationRulesResource, httpRoutesResource, virtualServicesResource, type IstioApi} from './istio-api.js';
import {startListWatch, type ListWatchHandle, type ListWatchStatus} from './list-watch.js';

/** Connection state of a feed, shown in the header. */
export type WatchStatus = 'connecting' | 'live' | 'reconnecting' | 'error';

/** What a feed delivers: the current route objects by address, the DestinationRules, the Services, and how fresh they are. */
export interface VirtualServiceFeedState {
	/**
	 * Every VirtualService (by name) and HTTPRoute (as `httproute/NAME`, see routeAddress) of the namespace.
	 * Never mutated after delivery: a change delivers a new map.
	 */
	items: ReadonlyMap<string, VirtualService>;
	/** Every DestinationRule of the namespace (for routesOf). */
	destinationRules: readonly DestinationRuleInfo[];
	/** Every Service of the namespace (HTTPRoute backends and their versions); empty without the Gateway API. */
	services: readonly ServiceInfo[];
	/** 'reconnecting'/'error' keep the last good data. */
	status: WatchStatus;
	/** Why the feed is not live. */
	error?: KubeError;
	/** Since when (epoch ms) a list or watch of the feed has waited for the API server's answer; absent when none waits. */
	pendingSince?: number;
}

/** Live view of the VirtualServices (and DestinationRules) of a namespace: list then watch, relist on 410 Gone or disconnect with backoff (250 ms → 5 s), keeps the last good data while reconnecting. Uses client-node's Watch (or ListWatch/informer). Every change (including from kubectl) is delivered within ~1 s. */
export interface VirtualServiceFeed {
	/** Called with the full current map after every change, and with status changes. */
	subscribe(listener: (state: VirtualServiceFeedState) => void): () => void;
	/** Ends both watches and every retry; listeners are not called afterwards. */
	stop(): void;
}

/** Status of the whole feed from its two watches: the worse one wins, and it is live only once both are. */
function combine(statuses: ReadonlyArray<ListWatchStatus | 'connecting'>): WatchStatus {
	for (const status of ['error', 'reconnecting', 'connecting'] as const) {
		if (statuses.includes(status)) {
			return status;
		}
	}

	return 'live';
}

type Which = 'vs' | 'dr' | 'hr' | 'svc';

const isHttpRouteKey = (key: string) => key.startsWith('httproute/');

/**
 * Starts a live view of the VirtualServices, DestinationRules, and (when the cluster serves the Gateway API) HTTPRoutes
 * and Services of `namespace`; the caller owns it and must stop() it.
 */
export function watchVirtualServices(api: IstioApi, target: KubeTarget, namespace: string): VirtualServiceFeed {
	const listeners = new Set<(state: VirtualServiceFeedState) => void>();
	// Copy-on-write: a delivered map is frozen in the listeners' hands; the first change after a delivery copies it once,
	// so a burst of events costs one copy per delivery, not one per event.
	let items = new Map<string, VirtualService>();
	let itemsShared = false;
	const rules = new Map<string, DestinationRuleInfo>();
	let rulesArray: readonly DestinationRuleInfo[] = [];
	let rulesDirty = false;
	const services = new Map<string, ServiceInfo>();
	let servicesArray: readonly ServiceInfo[] = [];
	let servicesDirty = false;
	const statuses: Record<Which, ListWatchStatus | 'connecting'> = {vs: 'connecting', dr: 'connecting', hr: 'connecting', svc: 'connecting'};
	const errors: Record<Which, KubeError | undefined> = {vs: undefined, dr: undefined, hr: undefined, svc: undefined};
	const pending: Record<Which, boolean> = {vs: false, dr: false, hr: false, svc: false};
	let pendingSince: number | undefined;
	let stopped = false;
	let scheduled: NodeJS.Immediate | undefined;
	// Filled in by the first list; watch events carry their apiVersion anyway.
	let servedVersion = 'v1';

	const state = (): VirtualServiceFeedState => {
		if (rulesDirty) {
			rulesArray = [...rules.values()];
			rulesDirty = false;
		}

		if (servicesDirty) {
			servicesArray = [...services.values()];
			servicesDirty = false;
		}

		itemsShared = true;
		const error = errors.vs ?? errors.dr ?? errors.hr ?? errors.svc;
		const status = combine([statuses.vs, statuses.dr, statuses.hr, statuses.svc]);
		return {items, destinationRules: rulesArray, services: servicesArray, status, ...(error === undefined || status === 'live' ? {} : {error}), ...(pendingSince === undefined ? {} : {pendingSince})};
	};

	const deliver = () => {
		scheduled = undefined;
		if (stopped || listeners.size === 0) {
			return;
		}

		const current = state();
		for (const listener of listeners) {
			listener(current);
		}
	};

	// Events of one read burst are delivered together, after the burst.
	const schedule = () => {
		if (!stopped && scheduled === undefined) {
			scheduled = setImmediate(deliver);
		}
	};

	const writableItems = () => {
		if (itemsShared) {
			items = new Map(items);
			itemsShared = false;
		}

		return items;
	};

	// A list replaces the objects of its own kind only: VirtualServices and HTTPRoutes share the map.
	const replaceKind = (httpRoutes: boolean, entries: ReadonlyArray<[string, VirtualService]>) => {
		const kept = [...items].filter(([key]) => isHttpRouteKey(key) !== httpRoutes);
		items = new Map([...kept, ...entries]);
		itemsShared = false;
		schedule();
	};

	// The header says when the API server is slow to answer: since when the first of the feed's requests has waited.
	const onPending = (which: Which) => (now: boolean) => {
		pending[which] = now;
		const any = Object.values(pending).some(Boolean);
		const since = any ? pendingSince ?? Date.now() : undefined;
		if (since !== pendingSince) {
			pendingSince = since;
			schedule();
		}
	};

	const onStatus = (which: Which) => (status: ListWatchStatus, error?: KubeError) => {
		statuses[which] = status;
		errors[which] = status === 'live' ? undefined : error;
		schedule();
	};

	const watches: ListWatchHandle[] = [
		startListWatch<VirtualService>({
			kc: target.kc,
			context: {verb: 'watch', resource: virtualServicesResource, namespace, server: target.server, user: target.user},
			path: async () => api.collectionPath(namespace, 'virtualservices'),
			async list() {
				const listed = await api.listVirtualServices(namespace);
				servedVersion = await api.version();
				return {items: listed.items.map(vs => [routeAddress(vs), vs]), resourceVersion: listed.resourceVersion};
			},
			decode(object) {
				const vs = asVirtualService(object, servedVersion);
				return vs === undefined ? undefined : [routeAddress(vs), vs];
			},
			onReplace(entries) {
				replaceKind(false, entries);
			},
			onUpsert(name, vs) {
				writableItems().set(name, vs);
				schedule();
			},
			onDelete(name) {
				if (items.has(name)) {
					writableItems().delete(name);
					schedule();
				}
			},
			onStatus: onStatus('vs'),
			onPending: onPending('vs'),
		}),
		startListWatch<DestinationRuleInfo>({
			kc: target.kc,
			context: {verb: 'watch', resource: destinationRulesResource, namespace, server: target.server, user: target.user},
			path: async () => api.collectionPath(namespace, 'destinationrules'),
			list: async () => api.listDestinationRuleEntries(namespace),
			decode: destinationRuleEntry,
			onReplace(entries) {
				rules.clear();
				for (const [name, rule] of entries) {
					rules.set(name, rule);
				}

				rulesDirty = true;
				schedule();
			},
			onUpsert(name, rule) {
				rules.set(name, rule);
				rulesDirty = true;
				schedule();
			},
			onDelete(name) {
				if (rules.delete(name)) {
					rulesDirty = true;
					schedule();
				}
			},
			onStatus: onStatus('dr'),
			onPending: onPending('dr'),
		}),
	];

	let gatewayVersion = 'v1';
	const gatewayWatches = (): ListWatchHandle[] => [
		startListWatch<VirtualService>({
			kc: target.kc,
			context: {verb: 'watch', resource: httpRoutesResource, namespace, server: target.server, user: target.user},
			path: async () => api.collectionPath(namespace, 'httproutes'),
			async list() {
				const listed = await api.listHttpRoutes(namespace);
				return {items: listed.items.map(route => [routeAddress(route), route]), resourceVersion: listed.resourceVersion};
			},
			decode(object) {
				const route = asVirtualService(object, gatewayVersion, 'HTTPRoute');
				return route === undefined ? undefined : [routeAddress(route), route];
			},
			onReplace(entries) {
				replaceKind(true, entries);
			},
			onUpsert(key, route) {
				writableItems().set(key, route);
				schedule();
			},
			onDelete(key) {
				if (items.has(key)) {
					writableItems().delete(key);
					schedule();
				}
			},
			onStatus: onStatus('hr'),
			onPending: onPending('hr'),
		}),
		startListWatch<ServiceInfo>({
			kc: target.kc,
			context: {verb: 'watch', resource: 'services', namespace, server: target.server, user: target.user},
			path: async () => Promise.resolve(`/api/v1/namespaces/${encodeURIComponent(namespace)}/services`),
			list: async () => api.listServiceEntries(namespace),
			decode(object) {
				const info = serviceInfo(object, namespace);
				return info === undefined ? undefined : [info.name, info];
			},
			onReplace(entries) {
				services.clear();
				for (const [name, service] of entries) {
					services.set(name, service);
				}

				servicesDirty = true;
				schedule();
			},
			onUpsert(name, service) {
				services.set(name, service);
				servicesDirty = true;
				schedule();
			},
			onDelete(name) {
				if (services.delete(name)) {
					servicesDirty = true;
					schedule();
				}
			},
			onStatus: onStatus('svc'),
			onPending: onPending('svc'),
		}),
	];
	// HTTPRoutes only where the Gateway API is served: a cluster without it is not an error, it just has none.
	let discoveryRetry: NodeJS.Timeout | undefined;
	const startGateway = () => {
		api.gatewayVersion().then(version => {
			if (stopped) {
				return;
			}

			if (version === undefined) {
				statuses.hr = 'live';
				statuses.svc = 'live';
				schedule();
				return;
			}

			gatewayVersion = version;
			watches.push(...gatewayWatches());
		}, (error: unknown) => {
			if (stopped) {
				return;
			}

			// Discovery failed (the VirtualService watch reports why too): keep asking, slowly.
			statuses.hr = 'reconnecting';
			errors.hr = error as KubeError;
			schedule();
			discoveryRetry = setTimeout(startGateway, 5000);
		});
	};

	startGateway();

	return {
		subscribe(listener) {
			listeners.add(listener);
			// A late subscriber gets the current state at once instead of waiting for the next change.
			listener(state());
			return () => {
				listeners.delete(listener);
			};
		},
		stop() {
			stopped = true;
			listeners.clear();
			if (scheduled !== undefined) {
				clearImmediate(scheduled);
				scheduled = undefined;
			}

			clearTimeout(discoveryRetry);
			for (const watch of watches) {
				watch.stop();
			}
		},
	};
}
