import {hostname} from 'node:os';
import {randomBytes} from 'node:crypto';
import {ApisApi, CoreV1Api, CustomObjectsApi, type CoreV1Event} from '@kubernetes/client-node';
import {destinationRuleInfo} from '../domain/destination-rule.js';
import type {DestinationRuleInfo, JsonPatchOperation, VirtualService} from '../domain/virtual-service.js';
import type {KubeTarget} from './config.js';
import {KubeError, toKubeError, type KubeErrorContext} from './errors.js';
import {isObject} from '../util/guards.js';

/** The Istio networking API group. */
export const istioGroup = 'networking.istio.io';

/** Served versions meshtop understands, most preferred first (v1 since Istio 1.22). */
export const istioVersionPreference = ['v1', 'v1beta1', 'v1alpha3'] as const;

/** Resource name of VirtualServices as errors and RBAC spell it. */
export const virtualServicesResource = `virtualservices.${istioGroup}`;
/** Resource name of DestinationRules as errors and RBAC spell it. */
export const destinationRulesResource = `destinationrules.${istioGroup}`;


/** A DestinationRule object as [name, info]; undefined when it has no name or host. */
export function destinationRuleEntry(object: unknown): [string, DestinationRuleInfo] | undefined {
	const metadata = isObject(object) ? object['metadata'] : undefined;
	const name = isObject(metadata) ? metadata['name'] : undefined;
	const info = destinationRuleInfo(object);
	return typeof name === 'string' && info !== undefined ? [name, info] : undefined;
}

/** Checks the shape enough that the rest of the app can rely on metadata.name and spec. */
export function asVirtualService(object: unknown, apiVersion: string): VirtualService | undefined {
	if (!isObject(object) || !isObject(object['metadata']) || typeof object['metadata']['name'] !== 'string') {
		return undefined;
	}

	// List items of custom resources may omit apiVersion/kind; the model needs them for display and writes.
	return {
		...object,
		apiVersion: typeof object['apiVersion'] === 'string' ? object['apiVersion'] : `${istioGroup}/${apiVersion}`,
		kind: typeof object['kind'] === 'string' ? object['kind'] : 'VirtualService',
		metadata: object['metadata'] as VirtualService['metadata'],
		spec: isObject(object['spec']) ? object['spec'] : {},
	};
}

function timeOf(event: CoreV1Event): string {
	const time = event.lastTimestamp ?? event.eventTime ?? event.firstTimestamp ?? event.metadata.creationTimestamp;
	if (time instanceof Date) {
		return Number.isNaN(time.getTime()) ? '' : time.toISOString();
	}

	return time === undefined ? '' : String(time);
}

/**
 * Creation order of an event: its resourceVersion, which etcd-backed servers hand out increasing. Opaque by
 * contract, so it only breaks ties of equal timestamps, and a non-numeric one sorts as unknown (0).
 */
function creationOrder(event: CoreV1Event): number {
	const order = Number(event.metadata.resourceVersion);
	return Number.isSafeInteger(order) ? order : 0;
}

/** Finds the networking.istio.io version served (prefers v1, then v1beta1, v1alpha3) via API discovery; cached per instance. */
export class IstioApi {
	private readonly target: KubeTarget;
	private readonly custom: CustomObjectsApi;
	private readonly core: CoreV1Api;
	private readonly apis: ApisApi;
	private versionPromise: Promise<string> | undefined;

	constructor(target: KubeTarget) {
		this.target = target;
		this.custom = target.kc.makeApiClient(CustomObjectsApi);
		this.core = target.kc.makeApiClient(CoreV1Api);
		this.apis = target.kc.makeApiClient(ApisApi);
	}

	/** The served networking.istio.io version; a failed discovery is not cached, so the next call retries. */
	async version(): Promise<string> {
		this.versionPromise ??= this.discoverVersion().catch((error: unknown) => {
			this.versionPromise = undefined;
			throw error;
		});
		return this.versionPromise;
	}

	/** All VirtualServices of a namespace, and the list's resourceVersion to start a watch from. */
	async listVirtualServices(namespace: string): Promise<{items: VirtualService[]; resourceVersion: string}> {
		const version = await this.version();
		const list = await this.call({verb: 'list', resource: virtualServicesResource, namespace}, async () =>
			this.custom.listNamespacedCustomObject({group: istioGroup, version, namespace, plural: 'virtualservices'}) as Promise<unknown>);
		const items = isObject(list) && Array.isArray(list['items']) ? list['items'] : [];
		const metadata = isObject(list) && isObject(list['metadata']) ? list['metadata'] : {};
		return {
			items: items.flatMap(item => asVirtualService(item, version) ?? []),
			resourceVersion: typeof metadata['resourceVersion'] === 'string' ? metadata['resourceVersion'] : '',
		};
	}

	/** One VirtualService, fresh from the API server (used after a conflict to show the new state). */
	async getVirtualService(namespace: string, name: string): Promise<VirtualService> {
		const version = await this.version();
		const context = {verb: 'get', resource: virtualServicesResource, namespace, name};
		const object = await this.call(context, async () =>
			this.custom.getNamespacedCustomObject({group: istioGroup, version, namespace, plural: 'virtualservices', name}) as Promise<unknown>);
		return this.expectVirtualService(object, version, context);
	}

	/** The DestinationRules of a namespace, reduced to host and subsets (for routesOf). */
	async listDestinationRules(namespace: string): Promise<DestinationRuleInfo[]> {
		const {items} = await this.listDestinationRuleEntries(namespace);
		return items.map(([, rule]) => rule);
	}

	/** The DestinationRules keyed by name, and the list's resourceVersion (what a watch needs). */
	async listDestinationRuleEntries(namespace: string): Promise<{items: Array<[string, DestinationRuleInfo]>; resourceVersion: string}> {
		const version = await this.version();
		const list = await this.call({verb: 'list', resource: destinationRulesResource, namespace}, async () =>
			this.custom.listNamespacedCustomObject({group: istioGroup, version, namespace, plural: 'destinationrules'}) as Promise<unknown>);
		const items = isObject(list) && Array.isArray(list['items']) ? list['items'] : [];
		const metadata = isObject(list) && isObject(list['metadata']) ? list['metadata'] : {};
		return {
			items: items.flatMap((item): Array<[string, DestinationRuleInfo]> => {
				const entry = destinationRuleEntry(item);
				return entry === undefined ? [] : [entry];
			}),
			resourceVersion: typeof metadata['resourceVersion'] === 'string' ? metadata['resourceVersion'] : '',
		};
	}

	/** URL path of a namespace's collection of an Istio networking resource (for watches). */
	async collectionPath(namespace: string, plural: 'virtualservices' | 'destinationrules'): Promise<string> {
		const version = await this.version();
		return `/apis/${istioGroup}/${version}/namespaces/${encodeURIComponent(namespace)}/${plural}`;
	}

	/** JSON Patch (application/json-patch+json); returns the updated object; 409/422-with-failed-test → KubeError kind 'conflict' (the resourceVersion test failed: someone else changed it). */
	async patchVirtualService(namespace: string, name: string, operations: JsonPatchOperation[]): Promise<VirtualService> {
		const version = await this.version();
		const context = {verb: 'patch', resource: virtualServicesResource, namespace, name};
		// The generated client picks application/json-patch+json, its first content type, for an array body.
		let object: unknown;
		try {
			object = await this.call(context, async () => this.custom.patchNamespacedCustomObject({
				group: istioGroup, version, namespace, plural: 'virtualservices', name, body: operations, fieldManager: 'meshtop',
			}) as Promise<unknown>);
		} catch (error) {
			throw await this.explainPatchFailure(error, namespace, name, operations);
		}

		return this.expectVirtualService(object, version, context);
	}

	/** Creates a core/v1 Event about the VirtualService (used by the change trail). */
	async createEvent(namespace: string, event: {involvedName: string; involvedUid?: string; reason: string; message: string; action: string}): Promise<void> {
		const version = await this.version();
		const now = new Date();
		const body: CoreV1Event = {
			apiVersion: 'v1',
			kind: 'Event',
			// Named like kubectl's recorder names events: object name + unique suffix.
			metadata: {name: `${event.involvedName}.${randomBytes(8).toString('hex')}`, namespace},
			involvedObject: {
				apiVersion: `${istioGroup}/${version}`,
				kind: 'VirtualService',
				name: event.involvedName,
				namespace,
				...(event.involvedUid === undefined ? {} : {uid: event.involvedUid}),
			},
			reason: event.reason,
			message: event.message,
			action: event.action,
			type: 'Normal',
			count: 1,
			firstTimestamp: now,
			lastTimestamp: now,
			source: {component: 'meshtop', host: hostname()},
			reportingComponent: 'meshtop',
			reportingInstance: hostname(),
		};
		await this.call({verb: 'create', resource: 'events', namespace}, async () => this.core.createNamespacedEvent({namespace, body}));
	}

	/** Events about one VirtualService, oldest first. */
	async listEvents(namespace: string, involvedName: string): Promise<Array<{time: string; reason: string; message: string}>> {
		const list = await this.call({verb: 'list', resource: 'events', namespace}, async () => this.core.listNamespacedEvent({
			namespace,
			fieldSelector: `involvedObject.name=${involvedName}`,
		}));
		// Filtered again here: field selectors on events are not guaranteed by every server (the sim, older clusters).
		return list.items
			.filter(event => event.involvedObject.name === involvedName && (event.involvedObject.kind === undefined || event.involvedObject.kind === 'VirtualService'))
			.map(event => ({time: timeOf(event), order: creationOrder(event), reason: event.reason ?? '', message: event.message ?? ''}))
			// Event timestamps have one-second resolution: events of the same second keep the order they were created in.
			.sort((a, b) => a.time.localeCompare(b.time) || a.order - b.order)
			.map(({order: _order, ...event}) => event);
	}

	private async discoverVersion(): Promise<string> {
		const groups = await this.call({verb: 'discover', resource: 'API groups'}, async () => this.apis.getAPIVersions());
		const group = groups.groups.find(candidate => candidate.name === istioGroup);
		const served = new Set(group?.versions.map(version => version.version) ?? []);
		const chosen = istioVersionPreference.find(version => served.has(version));
		if (chosen === undefined) {
			const what = group === undefined ? `does not serve the API group ${istioGroup}` : `serves ${istioGroup} only in versions ${[...served].join(', ')}`;
			throw new KubeError('not-found', `the API server ${this.target.server} ${what}; meshtop needs Istio's networking API (${istioVersionPreference.join(', ')}): is Istio installed in this cluster (context ${this.target.contextName})?`, {verb: 'discover', resource: istioGroup});
		}

		return chosen;
	}

	/**
	 * A real API server answers a failed JSON Patch `test` with a bare 422 "the server rejected our request"
	 * (the reason is dropped), indistinguishable from a malformed patch. When the patch tested the resourceVersion,
	 * one read tells them apart: a different resourceVersion now means someone else changed the object.
	 */
	private async explainPatchFailure(error: unknown, namespace: string, name: string, operations: readonly JsonPatchOperation[]): Promise<unknown> {
		const tested = operations.find(operation => operation.op === 'test' && operation.path === '/metadata/resourceVersion')?.value;
		if (!(error instanceof KubeError) || error.kind !== 'invalid' || error.status !== 422 || typeof tested !== 'string') {
			return error;
		}

		let current: VirtualService;
		try {
			current = await this.getVirtualService(namespace, name);
		} catch {
			return error;
		}

		if (current.metadata.resourceVersion === tested) {
			return error;
		}

		return new KubeError('conflict', `conflict: ${virtualServicesResource} "${name}" in namespace ${namespace} was changed by someone else since it was read (resourceVersion ${tested} is now ${current.metadata.resourceVersion ?? 'unknown'}); re-read it and retry`, {
			status: 422, verb: 'patch', resource: virtualServicesResource, cause: error,
		});
	}

	private expectVirtualService(object: unknown, version: string, context: KubeErrorContext): VirtualService {
		const vs = asVirtualService(object, version);
		if (vs === undefined) {
			throw new KubeError('other', `${context.verb} ${context.resource} "${context.name ?? ''}" returned something that is not a VirtualService`, {verb: context.verb, resource: context.resource});
		}

		return vs;
	}

	/** Runs one request and turns any failure into a KubeError naming the request, the server and the user. */
	private async call<T>(context: KubeErrorContext, request: () => Promise<T>): Promise<T> {
		try {
			return await request();
		} catch (error) {
			throw toKubeError(error, {...context, server: this.target.server, user: this.target.user});
		}
	}
}
