/**
 * The console's live view of a namespace's route objects: one list-watch loop per row of the feed's table
 * (feed-sources.ts), their results kept in sinks (feed-sinks.ts) and delivered together after each burst of events.
 */
import type {DestinationRuleInfo, ServiceInfo, VirtualService} from '../domain/virtual-service.js';
import type {KubeTarget} from './config.js';
import type {KubeError} from './errors.js';
import {KeyedValues, RouteItems} from './feed-sinks.js';
import {gatewaySources, istioSources, type FeedPart, type FeedSource} from './feed-sources.js';
import type {IstioApi} from './istio-api.js';
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

/** Live view of the VirtualServices (and DestinationRules) of a namespace: list then watch, relist on 410 Gone or disconnect with backoff (250 ms → 5 s), keeps the last good data while reconnecting. Watches through meshtop's own request path (watch-stream.ts), which keeps a refused watch's Retry-After. Every change (including from kubectl) is delivered within ~1 s. */
export interface VirtualServiceFeed {
	/** Called with the full current map after every change, and with status changes. */
	subscribe(listener: (state: VirtualServiceFeedState) => void): () => void;
	/** Ends both watches and every retry; listeners are not called afterwards. */
	stop(): void;
}

/** Status of the whole feed from its watches: the worse one wins, and it is live only once all are. */
function combine(statuses: ReadonlyArray<ListWatchStatus | 'connecting'>): WatchStatus {
	for (const status of ['error', 'reconnecting', 'connecting'] as const) {
		if (statuses.includes(status)) {
			return status;
		}
	}

	return 'live';
}

/**
 * Starts a live view of the VirtualServices, DestinationRules, and (when the cluster serves the Gateway API) HTTPRoutes
 * and Services of `namespace`; the caller owns it and must stop() it.
 */
export function watchVirtualServices(api: IstioApi, target: KubeTarget, namespace: string): VirtualServiceFeed {
	const listeners = new Set<(state: VirtualServiceFeedState) => void>();
	const routes = new RouteItems();
	const rules = new KeyedValues<DestinationRuleInfo>();
	const services = new KeyedValues<ServiceInfo>();
	const statuses: Record<FeedPart, ListWatchStatus | 'connecting'> = {vs: 'connecting', dr: 'connecting', hr: 'connecting', svc: 'connecting'};
	const errors: Record<FeedPart, KubeError | undefined> = {vs: undefined, dr: undefined, hr: undefined, svc: undefined};
	const pending: Record<FeedPart, boolean> = {vs: false, dr: false, hr: false, svc: false};
	let pendingSince: number | undefined;
	let stopped = false;
	let scheduled: NodeJS.Immediate | undefined;

	const state = (): VirtualServiceFeedState => {
		const error = errors.vs ?? errors.dr ?? errors.hr ?? errors.svc;
		const status = combine([statuses.vs, statuses.dr, statuses.hr, statuses.svc]);
		return {items: routes.snapshot(), destinationRules: rules.values(), services: services.values(), status, ...(error === undefined || status === 'live' ? {} : {error}), ...(pendingSince === undefined ? {} : {pendingSince})};
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

	// The one loop every row of the table runs: list, watch, and every change into the row's sink.
	const start = (source: FeedSource<unknown>): ListWatchHandle => startListWatch<unknown>({
		kc: target.kc,
		context: {verb: 'watch', resource: source.resource, namespace, server: target.server, user: target.user},
		path: async () => source.path(),
		list: async () => source.list(),
		decode: object => source.decode(object),
		onReplace(entries) {
			source.sink.replace(entries);
			schedule();
		},
		onUpsert(key, value) {
			source.sink.upsert(key, value);
			schedule();
		},
		onDelete(key) {
			if (source.sink.delete(key)) {
				schedule();
			}
		},
		onStatus(status, error) {
			statuses[source.part] = status;
			errors[source.part] = status === 'live' ? undefined : error;
			schedule();
		},
		// The header says when the API server is slow to answer: since when the first of the feed's requests has waited.
		onPending(now) {
			pending[source.part] = now;
			const since = Object.values(pending).some(Boolean) ? pendingSince ?? Date.now() : undefined;
			if (since !== pendingSince) {
				pendingSince = since;
				schedule();
			}
		},
	});

	const watches: ListWatchHandle[] = istioSources(api, namespace, {virtualServices: routes.kind(false), destinationRules: rules}).map(source => start(source));
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

			watches.push(...gatewaySources(api, namespace, version, {httpRoutes: routes.kind(true), services}).map(source => start(source)));
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
