/**
 * The watch feed's table: one row per resource of the namespace it follows (VirtualServices, DestinationRules, and
 * with the Gateway API HTTPRoutes and Services), saying how to list it, where to watch it, how to decode a watched
 * object and which sink receives it. The feed runs one list-watch loop per row.
 */
import {routeAddress} from '../domain/addressing.js';
import {serviceInfo} from '../domain/http-route.js';
import type {DestinationRuleInfo, ServiceInfo, VirtualService} from '../domain/virtual-service.js';
import type {FeedSink} from './feed-sinks.js';
import type {IstioApi} from './istio-api.js';
import {asVirtualService, destinationRuleEntry, destinationRulesResource, httpRoutesResource, virtualServicesResource} from './route-resources.js';

/** A row's key in the feed's status table. */
export type FeedPart = 'vs' | 'dr' | 'hr' | 'svc';

/** One row: a collection of the namespace and where what happens to it goes. Method syntax: rows of any T share a table. */
export interface FeedSource<T> {
	/** Its key in the feed's status table. */
	part: FeedPart;
	/** `plural.group` as errors and RBAC spell it. */
	resource: string;
	/** The collection's URL path (resolved per attempt: discovery may fail). */
	path(): Promise<string>;
	/** A full list and its resourceVersion. */
	list(): Promise<{items: Array<[string, T]>; resourceVersion: string}>;
	/** A watched object as key and value; undefined skips it. */
	decode(object: unknown): [string, T] | undefined;
	/** Receives the list and the watch events. */
	sink: FeedSink<T>;
}

/** Rows that need only Istio's networking API: VirtualServices and DestinationRules. */
export function istioSources(api: IstioApi, namespace: string, sinks: {virtualServices: FeedSink<VirtualService>; destinationRules: FeedSink<DestinationRuleInfo>}): Array<FeedSource<unknown>> {
	// Filled in by the first list; watch events carry their apiVersion anyway.
	let servedVersion = 'v1';
	const virtualServices: FeedSource<VirtualService> = {
		part: 'vs',
		resource: virtualServicesResource,
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
		sink: sinks.virtualServices,
	};
	const destinationRules: FeedSource<DestinationRuleInfo> = {
		part: 'dr',
		resource: destinationRulesResource,
		path: async () => api.collectionPath(namespace, 'destinationrules'),
		list: async () => api.listDestinationRuleEntries(namespace),
		decode: destinationRuleEntry,
		sink: sinks.destinationRules,
	};
	return [virtualServices, destinationRules];
}

/** Rows of a cluster serving the Gateway API at `gatewayVersion`: HTTPRoutes and the Services their versions are. */
export function gatewaySources(api: IstioApi, namespace: string, gatewayVersion: string, sinks: {httpRoutes: FeedSink<VirtualService>; services: FeedSink<ServiceInfo>}): Array<FeedSource<unknown>> {
	const httpRoutes: FeedSource<VirtualService> = {
		part: 'hr',
		resource: httpRoutesResource,
		path: async () => api.collectionPath(namespace, 'httproutes'),
		async list() {
			const listed = await api.listHttpRoutes(namespace);
			return {items: listed.items.map(route => [routeAddress(route), route]), resourceVersion: listed.resourceVersion};
		},
		decode(object) {
			const route = asVirtualService(object, gatewayVersion, 'HTTPRoute');
			return route === undefined ? undefined : [routeAddress(route), route];
		},
		sink: sinks.httpRoutes,
	};
	const services: FeedSource<ServiceInfo> = {
		part: 'svc',
		resource: 'services',
		path: async () => Promise.resolve(`/api/v1/namespaces/${encodeURIComponent(namespace)}/services`),
		list: async () => api.listServiceEntries(namespace),
		decode(object) {
			const info = serviceInfo(object, namespace);
			return info === undefined ? undefined : [info.name, info];
		},
		sink: sinks.services,
	};
	return [httpRoutes, services];
}
