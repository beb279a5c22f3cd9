import {randomUUID} from 'node:crypto';
import {matchesLabels, parseLabelSelector} from './selectors.js';
import {alreadyExists, badRequest, conflict, notFound, parseResourceKey} from './status.js';

/** Identifies a resource type. group '' = core. */
export interface ResourceType {
	group: string;
	version: string;
	plural: string;
	kind: string;
	namespaced: boolean;
}

/** Any Kubernetes object as JSON: the store does not know schemas, only metadata. */
export type KubeObject = {
	apiVersion: string;
	kind: string;
	metadata: {
		name: string;
		namespace?: string;
		resourceVersion?: string;
		uid?: string;
		generation?: number;
		creationTimestamp?: string;
		labels?: Record<string, string>;
		annotations?: Record<string, string>;
		[k: string]: unknown;
	};
	[k: string]: unknown;
};

/** One change, as delivered to subscribers and replayed to watches. */
export interface StoreEvent {
	type: 'ADDED' | 'MODIFIED' | 'DELETED';
	/** `${group}/${plural}`, e.g. 'networking.istio.io/virtualservices' or '/pods'. */
	resource: string;
	object: KubeObject;
}

/** Options of {@link ObjectStore}. */
export interface ObjectStoreOptions {
	/** How many past events a watch can resume from (older resourceVersions get 410 Gone). Default 1000. */
	historyLimit?: number;
}

/** Options of {@link ObjectStore.create}. */
export interface CreateOptions {
	/** Replace an existing object instead of failing with 409 (seeding and resets). */
	replace?: boolean;
}

const defaultHistoryLimit = 1000;

function objectKey(namespace: string | undefined, name: string): string {
	return `${namespace ?? ''}/${name}`;
}

/** Kubernetes timestamps are RFC 3339 in UTC with second precision. */
function timestamp(): string {
	return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The part of an object whose change bumps `metadata.generation` (everything but metadata and status). */
function generationContent(object: KubeObject): string {
	const {metadata: _metadata, status: _status, apiVersion: _apiVersion, kind: _kind, ...rest} = object;
	return JSON.stringify(rest);
}

function withoutResourceVersion(object: KubeObject): string {
	const {resourceVersion: _resourceVersion, ...metadata} = object.metadata;
	const {apiVersion: _apiVersion, ...rest} = object;
	return JSON.stringify({...rest, metadata});
}

/**
 * The cluster's state: objects per resource, one global resourceVersion counter (like etcd's revision),
 * a bounded history of events for watch resumption, and change listeners.
 * Everything handed in or out is a deep copy, so callers can never mutate stored state by accident.
 */
export class ObjectStore {
	private readonly objects = new Map<string, Map<string, KubeObject>>();
	private readonly listeners = new Set<(event: StoreEvent) => void>();
	private readonly history: Array<{revision: number; event: StoreEvent}> = [];
	private readonly historyLimit: number;
	private revision = 0;
	/** The revision below which history was dropped (a watch must start at or after it). */
	private compactedRevision = 0;

	constructor(options: ObjectStoreOptions = {}) {
		this.historyLimit = options.historyLimit ?? defaultHistoryLimit;
	}

	/** Current global resourceVersion (a monotonically increasing integer as a string). */
	get resourceVersion(): string {
		return String(this.revision);
	}

	/** Creates (or replaces when seeding) an object; fills metadata; emits ADDED. Throws a StatusError (409 AlreadyExists) if it exists. */
	create(resource: string, object: KubeObject, options: CreateOptions = {}): KubeObject {
		const {group, plural} = parseResourceKey(resource);
		const name = object.metadata?.name;
		if (typeof name !== 'string' || name === '') {
			throw badRequest('name or generateName is required');
		}
		const bucket = this.bucket(resource);
		const key = objectKey(object.metadata.namespace, name);
		const existing = bucket.get(key);
		if (existing && !options.replace) {
			throw alreadyExists(group, plural, name);
		}
		const stored = structuredClone(object);
		this.revision++;
		stored.metadata.uid = existing?.metadata.uid ?? randomUUID();
		stored.metadata.creationTimestamp = existing?.metadata.creationTimestamp ?? timestamp();
		stored.metadata.resourceVersion = String(this.revision);
		if (group !== '') {
			stored.metadata.generation = existing ? (existing.metadata.generation ?? 1) + 1 : 1;
		}
		bucket.set(key, stored);
		this.emit({type: existing ? 'MODIFIED' : 'ADDED', resource, object: stored});
		return structuredClone(stored);
	}

	/** One object, or undefined. Cluster-scoped objects have namespace undefined. */
	get(resource: string, namespace: string | undefined, name: string): KubeObject | undefined {
		const object = this.objects.get(resource)?.get(objectKey(namespace, name));
		return object ? structuredClone(object) : undefined;
	}

	/** Objects of a resource, in one namespace (or all when undefined), filtered by a label selector; sorted by namespace then name like etcd keys. */
	list(resource: string, namespace?: string, labelSelector?: string): KubeObject[] {
		const requirements = labelSelector ? parseLabelSelector(labelSelector) : [];
		const bucket = this.objects.get(resource);
		if (!bucket) {
			return [];
		}
		return [...bucket.entries()]
			.filter(([, object]) => namespace === undefined || object.metadata.namespace === namespace)
			.filter(([, object]) => matchesLabels(requirements, object.metadata.labels))
			.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
			.map(([, object]) => structuredClone(object));
	}

	/** Full update with optional optimistic concurrency (metadata.resourceVersion must match when present: else 409 Conflict). */
	update(resource: string, object: KubeObject): KubeObject {
		const {group, plural} = parseResourceKey(resource);
		const name = object.metadata?.name;
		const bucket = this.bucket(resource);
		const key = objectKey(object.metadata?.namespace, name);
		const existing = bucket.get(key);
		if (!existing) {
			throw notFound(group, plural, name);
		}
		const expected = object.metadata.resourceVersion;
		if (expected !== undefined && expected !== '' && expected !== existing.metadata.resourceVersion) {
			throw conflict(group, plural, name);
		}
		const stored = structuredClone(object);
		stored.metadata.uid = existing.metadata.uid;
		stored.metadata.creationTimestamp = existing.metadata.creationTimestamp;
		if (existing.metadata.generation !== undefined) {
			stored.metadata.generation = existing.metadata.generation;
		}
		stored.metadata.resourceVersion = existing.metadata.resourceVersion;
		// Like etcd's GuaranteedUpdate: writing identical content is a no-op (no new revision, no event).
		if (withoutResourceVersion(stored) === withoutResourceVersion(existing)) {
			return structuredClone(existing);
		}
		if (existing.metadata.generation !== undefined && generationContent(stored) !== generationContent(existing)) {
			stored.metadata.generation = existing.metadata.generation + 1;
		}
		this.revision++;
		stored.metadata.resourceVersion = String(this.revision);
		bucket.set(key, stored);
		this.emit({type: 'MODIFIED', resource, object: stored});
		return structuredClone(stored);
	}

	/** Removes an object and returns it as last seen (with the deletion's resourceVersion, like the real DELETED event). Deleting a namespace deletes its objects. */
	delete(resource: string, namespace: string | undefined, name: string): KubeObject {
		const {group, plural} = parseResourceKey(resource);
		const bucket = this.bucket(resource);
		const key = objectKey(namespace, name);
		const existing = bucket.get(key);
		if (!existing) {
			throw notFound(group, plural, name);
		}
		if (resource === '/namespaces') {
			for (const [otherResource, objects] of this.objects) {
				for (const object of [...objects.values()]) {
					if (object.metadata.namespace === name) {
						this.delete(otherResource, name, object.metadata.name);
					}
				}
			}
		}
		bucket.delete(key);
		this.revision++;
		existing.metadata.resourceVersion = String(this.revision);
		this.emit({type: 'DELETED', resource, object: existing});
		return structuredClone(existing);
	}

	/** Listener for every change; returns an unsubscribe function. */
	subscribe(listener: (event: StoreEvent) => void): () => void {
		this.listeners.add(listener);
		return () => {
			this.listeners.delete(listener);
		};
	}

	/**
	 * Events written after `resourceVersion`, oldest first, for resuming a watch;
	 * undefined when that point is older than the retained history (the server answers 410 Gone).
	 */
	eventsSince(resourceVersion: number): StoreEvent[] | undefined {
		if (resourceVersion < this.compactedRevision) {
			return undefined;
		}
		return this.history.filter(entry => entry.revision > resourceVersion).map(entry => structuredClone(entry.event));
	}

	/** The oldest resourceVersion a watch may still start from. */
	get oldestResourceVersion(): number {
		return this.compactedRevision;
	}

	private bucket(resource: string): Map<string, KubeObject> {
		let bucket = this.objects.get(resource);
		if (!bucket) {
			bucket = new Map();
			this.objects.set(resource, bucket);
		}
		return bucket;
	}

	private emit(event: StoreEvent): void {
		this.history.push({revision: this.revision, event: structuredClone(event)});
		if (this.history.length > this.historyLimit) {
			const dropped = this.history.shift();
			if (dropped) {
				this.compactedRevision = dropped.revision;
			}
		}
		for (const listener of this.listeners) {
			try {
				listener(structuredClone(event));
			} catch {
				// A faulty listener must not break writes or starve the other listeners.
			}
		}
	}
}
