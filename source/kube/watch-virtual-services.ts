import type {DestinationRuleInfo, VirtualService} from '../domain/virtual-service.js';
import type {KubeTarget} from './config.js';
import type {KubeError} from './errors.js';
import {asVirtualService, destinationRuleEntry, destinationRulesResource, virtualServicesResource, type IstioApi} from './istio-api.js';
import {startListWatch, type ListWatchHandle, type ListWatchStatus} from './list-watch.js';

/** Connection state of a feed, shown in the header. */
export type WatchStatus = 'connecting' | 'live' | 'reconnecting' | 'error';

/** What a feed delivers: the current VirtualServices by name, the DestinationRules, and how fresh they are. */
export interface VirtualServiceFeedState {
	/** Every VirtualService of the namespace by name. Never mutated after delivery: a change delivers a new map. */
	items: ReadonlyMap<string, VirtualService>;
	/** Every DestinationRule of the namespace (for routesOf). */
	destinationRules: readonly DestinationRuleInfo[];
	/** 'reconnecting'/'error' keep the last good data. */
	status: WatchStatus;
	/** Why the feed is not live. */
	error?: KubeError;
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

/** Starts a live view of the VirtualServices and DestinationRules of `namespace`; the caller owns it and must stop() it. */
export function watchVirtualServices(api: IstioApi, target: KubeTarget, namespace: string): VirtualServiceFeed {
	const listeners = new Set<(state: VirtualServiceFeedState) => void>();
	// Copy-on-write: a delivered map is frozen in the listeners' hands; the first change after a delivery copies it once,
	// so a burst of events costs one copy per delivery, not one per event.
	let items = new Map<string, VirtualService>();
	let itemsShared = false;
	const rules = new Map<string, DestinationRuleInfo>();
	let rulesArray: readonly DestinationRuleInfo[] = [];
	let rulesDirty = false;
	const statuses: Record<'vs' | 'dr', ListWatchStatus | 'connecting'> = {vs: 'connecting', dr: 'connecting'};
	const errors: Record<'vs' | 'dr', KubeError | undefined> = {vs: undefined, dr: undefined};
	let stopped = false;
	let scheduled: NodeJS.Immediate | undefined;
	// Filled in by the first list; watch events carry their apiVersion anyway.
	let servedVersion = 'v1';

	const state = (): VirtualServiceFeedState => {
		if (rulesDirty) {
			rulesArray = [...rules.values()];
			rulesDirty = false;
		}

		itemsShared = true;
		const error = errors.vs ?? errors.dr;
		const status = combine([statuses.vs, statuses.dr]);
		return {items, destinationRules: rulesArray, status, ...(error === undefined || status === 'live' ? {} : {error})};
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

	const onStatus = (which: 'vs' | 'dr') => (status: ListWatchStatus, error?: KubeError) => {
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
				return {items: listed.items.map(vs => [vs.metadata.name, vs]), resourceVersion: listed.resourceVersion};
			},
			decode(object) {
				const vs = asVirtualService(object, servedVersion);
				return vs === undefined ? undefined : [vs.metadata.name, vs];
			},
			onReplace(entries) {
				items = new Map(entries);
				itemsShared = false;
				schedule();
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
		}),
	];

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

			for (const watch of watches) {
				watch.stop();
			}
		},
	};
}
