/**
 * The Kubernetes API as meshtop uses it: discovery of the route kinds' served versions, list/get/patch of
 * VirtualServices and HTTPRoutes, DestinationRules, Services, namespace labels, and the trail's Events.
 */
import type {CoreV1Event} from '@kubernetes/client-node';
import {serviceInfo} from '../domain/http-route.js';
import type {DestinationRuleInfo, JsonPatchOperation, RouteObjectKind, ServiceInfo, VirtualService} from '../domain/virtual-service.js';
import type {KubeTarget} from './config.js';
import {KubeError, toKubeError, type KubeErrorContext} from './errors.js';
import {eventsAbout, routeEvent, type RouteEventInput, type RouteEventLine} from './route-events.js';
import {
	asVirtualService, destinationRuleEntry, destinationRulesResource, gatewayGroup, gatewayVersionPreference, istioGroup,
	istioVersionPreference, routeKindPlaces, type RouteResource,
} from './route-resources.js';
import {isObject} from '../util/guards.js';
import {corePath, customPath, KubeRest} from './rest.js';
import {retryThrottled} from './throttle-retry.js';

/** The part of GET /apis (an APIGroupList) that discovery reads. */
interface ApiGroupList {
	groups: Array<{name: string; versions: Array<{version: string}>}>;
}

/** The items and resourceVersion of a list answer (an empty list for anything else). */
function itemsOf(list: unknown): {items: unknown[]; resourceVersion: string} {
	const items = isObject(list) && Array.isArray(list['items']) ? list['items'] as unknown[] : [];
	const metadata = isObject(list) && isObject(list['metadata']) ? list['metadata'] : {};
	return {items, resourceVersion: typeof metadata['resourceVersion'] === 'string' ? metadata['resourceVersion'] : ''};
}

/** Finds the networking.istio.io version served (prefers v1, then v1beta1, v1alpha3) via API discovery; cached per instance. */
export class IstioApi {
	private readonly target: KubeTarget;
	private readonly rest: KubeRest;
	private versionPromise: Promise<string> | undefined;
	private gatewayVersionPromise: Promise<string | undefined> | undefined;
	private apiGroupsPromise: Promise<ApiGroupList> | undefined;
	// The versions discovery found, once it has answered: later reads need not guess.
	private istioVersionFound: string | undefined;
	private gatewayVersionFound: string | undefined;

	constructor(target: KubeTarget) {
		this.target = target;
		this.rest = new KubeRest(target.kc);
	}

	/** The served networking.istio.io version; a failed discovery is not cached, so the next call retries. */
	async version(): Promise<string> {
		this.versionPromise ??= this.discoverVersion().then(version => {
			this.istioVersionFound = version;
			return version;
		}, (error: unknown) => {
			this.versionPromise = undefined;
			throw error;
		});
		return this.versionPromise;
	}

	/**
	 * The served gateway.networking.k8s.io version for HTTPRoutes (v1, else v1beta1), undefined when the cluster has no
	 * Gateway API; a failed discovery is not cached.
	 */
	async gatewayVersion(): Promise<string | undefined> {
		this.gatewayVersionPromise ??= this.discoverGatewayVersion().then(version => {
			this.gatewayVersionFound = version;
			return version;
		}, (error: unknown) => {
			this.gatewayVersionPromise = undefined;
			throw error;
		});
		return this.gatewayVersionPromise;
	}

	/** Group, served version and plural of a route kind; throws not-found when the cluster does not serve it. */
	async routeResource(kind: RouteObjectKind): Promise<RouteResource> {
		const {group, plural, resource, versions} = routeKindPlaces[kind];
		// A cluster without Istio's API fails version() itself; one without the Gateway API answers undefined here.
		const version = kind === 'VirtualService' ? await this.version() : await this.gatewayVersion();
		if (version === undefined) {
			throw new KubeError('not-found', `the API server ${this.target.server} does not serve HTTPRoutes (${group} ${versions.join(' or ')}): are the Gateway API CRDs installed (context ${this.target.contextName})?`, {verb: 'discover', resource: group});
		}

		return {group, version, plural, resource};
	}

	/** All HTTPRoutes of a namespace and the list's resourceVersion; none (and '') when the cluster has no Gateway API. */
	async listHttpRoutes(namespace: string): Promise<{items: VirtualService[]; resourceVersion: string}> {
		if (await this.gatewayVersion() === undefined) {
			return {items: [], resourceVersion: ''};
		}

		const {group, version, plural, resource} = await this.routeResource('HTTPRoute');
		const list = await this.call({verb: 'list', resource, namespace}, async () =>
			this.rest.get(customPath({group, version, namespace, plural})));
		const {items, resourceVersion} = itemsOf(list);
		return {items: items.flatMap(item => asVirtualService(item, version, 'HTTPRoute') ?? []), resourceVersion};
	}

	/** One route object of either kind, fresh from the API server. */
	async getRoute(kind: RouteObjectKind, namespace: string, name: string): Promise<VirtualService> {
		const context = {verb: 'get', resource: routeKindPlaces[kind].resource, namespace, name};
		return this.readServed(kind, async ({group, version, plural}) => {
			const object = await this.call(context, async () => this.rest.get(customPath({group, version, namespace, plural, name})));
			return this.expectRoute(object, version, kind, context);
		});
	}

	/**
	 * JSON Patch (application/json-patch+json) of a route object of either kind; returns the updated object; a failed
	 * resourceVersion test → KubeError kind 'conflict' (someone else changed it). Only the write service calls it.
	 */
	async patchRoute(kind: RouteObjectKind, namespace: string, name: string, operations: JsonPatchOperation[]): Promise<VirtualService> {
		const {group, version, plural, resource} = await this.routeResource(kind);
		const context = {verb: 'patch', resource, namespace, name};
		let object: unknown;
		try {
			object = await this.call(context, async () => this.rest.patch(`${customPath({group, version, namespace, plural, name})}?fieldManager=meshtop`, operations, 'application/json-patch+json'));
		} catch (error) {
			throw await this.explainPatchFailure(error, kind, namespace, name, operations);
		}

		return this.expectRoute(object, version, kind, context);
	}

	/** The Services of a namespace (HTTPRoute backends, and the versions not yet a backend). */
	async listServices(namespace: string): Promise<ServiceInfo[]> {
		return (await this.listServiceEntries(namespace)).items.map(([, service]) => service);
	}

	/** The Services of a namespace keyed by name, and the list's resourceVersion (what a watch needs). */
	async listServiceEntries(namespace: string): Promise<{items: Array<[string, ServiceInfo]>; resourceVersion: string}> {
		const list = await this.call({verb: 'list', resource: 'services', namespace}, async () => this.rest.get(corePath(namespace, 'services')));
		const {items, resourceVersion} = itemsOf(list);
		return {
			items: items.flatMap((item): Array<[string, ServiceInfo]> => {
				const info = serviceInfo(item, namespace);
				return info === undefined ? [] : [[info.name, info]];
			}),
			resourceVersion,
		};
	}

	/** The labels of a namespace (`istio.io/dataplane-mode=ambient` chooses the waypoint reporter); {} when unreadable. */
	async namespaceLabels(namespace: string): Promise<Record<string, string>> {
		try {
			const object = await this.rest.get(`/api/v1/namespaces/${encodeURIComponent(namespace)}`);
			const labels = isObject(object) && isObject(object['metadata']) ? object['metadata']['labels'] : undefined;
			return isObject(labels) ? Object.fromEntries(Object.entries(labels).filter((entry): entry is [string, string] => typeof entry[1] === 'string')) : {};
		} catch {
			// A user allowed to read routes but not namespaces still gets the sidecar default.
			return {};
		}
	}

	/** All VirtualServices of a namespace, and the list's resourceVersion to start a watch from. */
	async listVirtualServices(namespace: string): Promise<{items: VirtualService[]; resourceVersion: string}> {
		const {group, version, plural, resource} = await this.routeResource('VirtualService');
		const list = await this.call({verb: 'list', resource, namespace}, async () =>
			this.rest.get(customPath({group, version, namespace, plural})));
		const {items, resourceVersion} = itemsOf(list);
		return {items: items.flatMap(item => asVirtualService(item, version) ?? []), resourceVersion};
	}

	/** One VirtualService, fresh from the API server (used after a conflict to show the new state). */
	async getVirtualService(namespace: string, name: string): Promise<VirtualService> {
		return this.getRoute('VirtualService', namespace, name);
	}

	/** The DestinationRules of a namespace, reduced to host and subsets (for routesOf). */
	async listDestinationRules(namespace: string): Promise<DestinationRuleInfo[]> {
		const {items} = await this.listDestinationRuleEntries(namespace);
		return items.map(([, rule]) => rule);
	}

	/** The DestinationRules keyed by name, and the list's resourceVersion (what a watch needs). */
	async listDestinationRuleEntries(namespace: string): Promise<{items: Array<[string, DestinationRuleInfo]>; resourceVersion: string}> {
		const list = await this.readServed('VirtualService', async ({version}) => this.call({verb: 'list', resource: destinationRulesResource, namespace}, async () =>
			this.rest.get(customPath({group: istioGroup, version, namespace, plural: 'destinationrules'}))));
		const {items, resourceVersion} = itemsOf(list);
		return {
			items: items.flatMap((item): Array<[string, DestinationRuleInfo]> => {
				const entry = destinationRuleEntry(item);
				return entry === undefined ? [] : [entry];
			}),
			resourceVersion,
		};
	}

	/** URL path of a namespace's collection of an Istio networking resource or of HTTPRoutes (for watches). */
	async collectionPath(namespace: string, plural: 'virtualservices' | 'destinationrules' | 'httproutes'): Promise<string> {
		if (plural === 'httproutes') {
			const {group, version} = await this.routeResource('HTTPRoute');
			return `/apis/${group}/${version}/namespaces/${encodeURIComponent(namespace)}/${plural}`;
		}

		const version = await this.version();
		return `/apis/${istioGroup}/${version}/namespaces/${encodeURIComponent(namespace)}/${plural}`;
	}

	/** Creates a core/v1 Event about the route object (a VirtualService unless `involvedKind` says HTTPRoute; used by the change trail). */
	async createEvent(namespace: string, event: RouteEventInput): Promise<void> {
		const {group, version} = await this.routeResource(event.involvedKind ?? 'VirtualService');
		const body = routeEvent(namespace, `${group}/${version}`, event);
		await this.call({verb: 'create', resource: 'events', namespace}, async () => this.rest.post(corePath(namespace, 'events'), body));
	}

	/** Events about one route object (a VirtualService unless `involvedKind` says otherwise), oldest first. */
	async listEvents(namespace: string, involvedName: string, involvedKind: RouteObjectKind = 'VirtualService'): Promise<RouteEventLine[]> {
		const list = await this.call({verb: 'list', resource: 'events', namespace}, async () => this.rest.get(corePath(namespace, 'events'), {
			fieldSelector: `involvedObject.name=${involvedName}`,
		}) as Promise<{items: CoreV1Event[]}>);
		return eventsAbout(list.items, involvedName, involvedKind);
	}

	/**
	 * A read of a route kind's group at its served version. Before discovery has answered, the read goes out at the
	 * preferred version (v1) beside it, and its answer counts only once discovery confirms that version; another version
	 * is read again, and a failed discovery fails the read as before. A command's first reads thus wait one round trip,
	 * not two: a `set` against an API server across a network waits 3 round trips instead of 5.
	 */
	private async readServed<T>(kind: RouteObjectKind, read: (resource: Pick<RouteResource, 'group' | 'version' | 'plural'>) => Promise<T>): Promise<T> {
		const {group, plural, versions} = routeKindPlaces[kind];
		const found = kind === 'HTTPRoute' ? this.gatewayVersionFound : this.istioVersionFound;
		if (found !== undefined) {
			return read({group, version: found, plural});
		}

		const guess = versions[0]!;
		const early = read({group, version: guess, plural}).then(value => ({value}), (error: unknown) => ({error}));
		const {version} = await this.routeResource(kind);
		if (version !== guess) {
			return read({group, version, plural});
		}

		const outcome = await early;
		if ('error' in outcome) {
			throw outcome.error;
		}

		return outcome.value;
	}

	/** GET /apis once for both discoveries (Istio's and the Gateway API's); a failure is not cached. */
	private async apiGroups(): Promise<ApiGroupList> {
		this.apiGroupsPromise ??= this.call({verb: 'discover', resource: 'API groups'}, async () => this.rest.get('/apis') as Promise<ApiGroupList>).catch((error: unknown) => {
			this.apiGroupsPromise = undefined;
			throw error;
		});
		return this.apiGroupsPromise;
	}

	private async discoverVersion(): Promise<string> {
		const groups = await this.apiGroups();
		const group = groups.groups.find(candidate => candidate.name === istioGroup);
		const served = new Set(group?.versions.map(version => version.version) ?? []);
		const chosen = istioVersionPreference.find(version => served.has(version));
		if (chosen === undefined) {
			const what = group === undefined ? `does not serve the API group ${istioGroup}` : `serves ${istioGroup} only in versions ${[...served].join(', ')}`;
			throw new KubeError('not-found', `the API server ${this.target.server} ${what}; meshtop needs Istio's networking API (${istioVersionPreference.join(', ')}): is Istio installed in this cluster (context ${this.target.contextName})?`, {verb: 'discover', resource: istioGroup});
		}

		return chosen;
	}

	private async discoverGatewayVersion(): Promise<string | undefined> {
		const groups = await this.apiGroups();
		const served = new Set(groups.groups.find(candidate => candidate.name === gatewayGroup)?.versions.map(version => version.version) ?? []);
		return gatewayVersionPreference.find(version => served.has(version));
	}

	/**
	 * A real API server answers a failed JSON Patch `test` with a bare 422 "the server rejected our request"
	 * (the reason is dropped), indistinguishable from a malformed patch. When the patch tested the resourceVersion,
	 * one read tells them apart: a different resourceVersion now means someone else changed the object.
	 */
	private async explainPatchFailure(error: unknown, kind: RouteObjectKind, namespace: string, name: string, operations: readonly JsonPatchOperation[]): Promise<unknown> {
		const tested = operations.find(operation => operation.op === 'test' && operation.path === '/metadata/resourceVersion')?.value;
		if (!(error instanceof KubeError) || error.kind !== 'invalid' || error.status !== 422 || typeof tested !== 'string') {
			return error;
		}

		let current: VirtualService;
		try {
			current = await this.getRoute(kind, namespace, name);
		} catch {
			return error;
		}

		if (current.metadata.resourceVersion === tested) {
			return error;
		}

		const {resource} = routeKindPlaces[kind];
		return new KubeError('conflict', `conflict: ${resource} "${name}" in namespace ${namespace} was changed by someone else since it was read (resourceVersion ${tested} is now ${current.metadata.resourceVersion ?? 'unknown'}); re-read it and retry`, {
			status: 422, verb: 'patch', resource, cause: error,
		});
	}

	private expectRoute(object: unknown, version: string, kind: RouteObjectKind, context: KubeErrorContext): VirtualService {
		const vs = asVirtualService(object, version, kind);
		if (vs === undefined) {
			throw new KubeError('other', `${context.verb} ${context.resource} "${context.name ?? ''}" returned something that is not a ${kind}`, {verb: context.verb, resource: context.resource});
		}

		return vs;
	}

	/**
	 * Runs one request and turns any failure into a KubeError naming the request, the server and the user. A 429 is
	 * asked again after its Retry-After (a few times, see throttle-retry.ts): an overloaded server must not make a
	 * `shift` step or a console's first read fail, and must not be asked sooner than it said.
	 */
	private async call<T>(context: KubeErrorContext, request: () => Promise<T>): Promise<T> {
		return retryThrottled(async () => {
			try {
				return await request();
			} catch (error) {
				throw toKubeError(error, {...context, server: this.target.server, user: this.target.user});
			}
		});
	}
}
