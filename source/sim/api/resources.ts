import type {ResourceType} from './store.js';

/** An `additionalPrinterColumns` entry (or the built-in columns of a core kind). */
export interface PrinterColumn {
	name: string;
	type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
	/** Simple dotted JSONPath (`.spec.hosts`) for CRD-style columns. */
	jsonPath?: string;
	/** Computes the cell for built-in kinds whose columns are not plain paths. */
	cell?: (object: Record<string, unknown>) => unknown;
	description: string;
	/** 0 = default output, 1 = only with `-o wide`. */
	priority: number;
	format?: string;
}

/** A resource the server serves: the type plus what discovery and table output need. */
export interface ServedResource extends Omit<ResourceType, 'version'> {
	/** Served versions, preferred (storage) first. */
	versions: string[];
	singular: string;
	shortNames: string[];
	categories: string[];
	verbs: string[];
	/** True for CustomResourceDefinition-backed kinds (JSON-only patches, status subresource, schema validation). */
	custom: boolean;
	columns: PrinterColumn[];
}

const allVerbs = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

const creationTimestampColumn: PrinterColumn = {
	name: 'Age',
	type: 'date',
	jsonPath: '.metadata.creationTimestamp',
	description: 'CreationTimestamp is a timestamp representing the server time when this object was created.',
	priority: 0,
};

function at(object: Record<string, unknown>, path: string): unknown {
	let current: unknown = object;
	for (const segment of path.split('.').filter(part => part !== '')) {
		if (current === null || typeof current !== 'object') {
			return undefined;
		}
		current = (current as Record<string, unknown>)[segment];
	}
	return current;
}

function servicePorts(object: Record<string, unknown>): string {
	const ports = at(object, 'spec.ports');
	if (!Array.isArray(ports) || ports.length === 0) {
		return '<none>';
	}
	return ports.map(port => {
		const entry = port as {port?: number; protocol?: string; nodePort?: number};
		const node = entry.nodePort === undefined ? '' : `:${entry.nodePort}`;
		return `${entry.port ?? ''}${node}/${entry.protocol ?? 'TCP'}`;
	}).join(',');
}

function podReady(object: Record<string, unknown>): string {
	const containers = at(object, 'spec.containers');
	const statuses = at(object, 'status.containerStatuses');
	const total = Array.isArray(containers) ? containers.length : 0;
	const ready = Array.isArray(statuses) ? statuses.filter(status => (status as {ready?: boolean}).ready === true).length : 0;
	return `${ready}/${total}`;
}

function podRestarts(object: Record<string, unknown>): number {
	const statuses = at(object, 'status.containerStatuses');
	return Array.isArray(statuses) ? statuses.reduce((sum: number, status) => sum + ((status as {restartCount?: number}).restartCount ?? 0), 0) : 0;
}

function orNone(value: unknown): unknown {
	return value === undefined || value === null || value === '' ? '<none>' : value;
}

const core = (plural: string, kind: string, singular: string, shortNames: string[], namespaced: boolean, columns: PrinterColumn[]): ServedResource => ({
	group: '',
	versions: ['v1'],
	plural,
	kind,
	namespaced,
	singular,
	shortNames,
	categories: plural === 'pods' || plural === 'services' ? ['all'] : [],
	verbs: allVerbs,
	custom: false,
	columns,
});

const istio = (plural: string, kind: string, singular: string, shortName: string, columns: PrinterColumn[]): ServedResource => ({
	group: 'networking.istio.io',
	versions: ['v1', 'v1beta1', 'v1alpha3'],
	plural,
	kind,
	namespaced: true,
	singular,
	shortNames: [shortName],
	categories: ['istio-io', 'networking-istio-io'],
	verbs: allVerbs,
	custom: true,
	columns,
});

/** A Gateway API resource as its standard-channel CRD serves it (v1 stored, v1beta1 still served). */
const gatewayApi = (plural: string, kind: string, singular: string, shortNames: string[], column: PrinterColumn): ServedResource => ({
	group: 'gateway.networking.k8s.io',
	versions: ['v1', 'v1beta1'],
	plural,
	kind,
	namespaced: true,
	singular,
	shortNames,
	categories: ['gateway-api'],
	verbs: allVerbs,
	custom: true,
	columns: [column, creationTimestampColumn],
});

/** HTTPRoute, the split meshtop reads and writes besides VirtualServices. */
const httpRoutes = gatewayApi('httproutes', 'HTTPRoute', 'httproute', [], {name: 'Hostnames', type: 'string', jsonPath: '.spec.hostnames', description: 'Hostnames of the route', priority: 0});

/** Gateway, so Istio's `bookinfo-gateway.yaml` applies as it is (its HTTPRoute's parent; the mesh does not program it). */
const gateways = gatewayApi('gateways', 'Gateway', 'gateway', ['gtw'], {name: 'Class', type: 'string', jsonPath: '.spec.gatewayClassName', description: 'The GatewayClass of the Gateway', priority: 0});

/** Every resource the simulated API server serves. */
export const servedResources: readonly ServedResource[] = [
	core('namespaces', 'Namespace', 'namespace', ['ns'], false, [
		{name: 'Status', type: 'string', cell: object => at(object, 'status.phase') ?? 'Active', description: 'The status of the namespace', priority: 0},
		creationTimestampColumn,
	]),
	core('services', 'Service', 'service', ['svc'], true, [
		{name: 'Type', type: 'string', cell: object => at(object, 'spec.type') ?? 'ClusterIP', description: 'The type of the service.', priority: 0},
		{name: 'Cluster-IP', type: 'string', cell: object => orNone(at(object, 'spec.clusterIP')), description: 'The cluster IP of the service.', priority: 0},
		{name: 'External-IP', type: 'string', cell: () => '<none>', description: 'The external IPs of the service.', priority: 0},
		{name: 'Port(s)', type: 'string', cell: servicePorts, description: 'The ports of the service.', priority: 0},
		creationTimestampColumn,
		{
			name: 'Selector',
			type: 'string',
			cell: object => {
				const selector = at(object, 'spec.selector') as Record<string, string> | undefined;
				return selector ? Object.entries(selector).map(([key, value]) => `${key}=${value}`).join(',') : '<none>';
			},
			description: 'The label selector of the service.',
			priority: 1,
		},
	]),
	core('pods', 'Pod', 'pod', ['po'], true, [
		{name: 'Ready', type: 'string', cell: podReady, description: 'The aggregate readiness state of this pod for accepting traffic.', priority: 0},
		{name: 'Status', type: 'string', cell: object => at(object, 'status.phase') ?? 'Pending', description: 'The aggregate status of the containers in this pod.', priority: 0},
		{name: 'Restarts', type: 'string', cell: podRestarts, description: 'The number of times the containers in this pod have been restarted.', priority: 0},
		creationTimestampColumn,
		{name: 'IP', type: 'string', cell: object => orNone(at(object, 'status.podIP')), description: 'The IP address assigned to the pod.', priority: 1},
		{name: 'Node', type: 'string', cell: object => orNone(at(object, 'spec.nodeName')), description: 'The node the pod runs on.', priority: 1},
	]),
	core('events', 'Event', 'event', ['ev'], true, [
		{name: 'Last Seen', type: 'string', jsonPath: '.lastTimestamp', description: 'Time of the last occurrence.', priority: 0, format: 'date'},
		{name: 'Type', type: 'string', cell: object => at(object, 'type') ?? 'Normal', description: 'Type of this event.', priority: 0},
		{name: 'Reason', type: 'string', cell: object => at(object, 'reason') ?? '', description: 'Why the action was taken.', priority: 0},
		{
			name: 'Object',
			type: 'string',
			cell: object => `${String(at(object, 'involvedObject.kind') ?? '').toLowerCase()}/${String(at(object, 'involvedObject.name') ?? '')}`,
			description: 'The object this event is about.',
			priority: 0,
		},
		{name: 'Message', type: 'string', cell: object => at(object, 'message') ?? '', description: 'A human-readable description of the status of this operation.', priority: 0},
	]),
	istio('virtualservices', 'VirtualService', 'virtualservice', 'vs', [
		{name: 'Gateways', type: 'string', jsonPath: '.spec.gateways', description: 'The names of gateways and sidecars that should apply these routes', priority: 0},
		{name: 'Hosts', type: 'string', jsonPath: '.spec.hosts', description: 'The destination hosts to which traffic is being sent', priority: 0},
		creationTimestampColumn,
	]),
	istio('destinationrules', 'DestinationRule', 'destinationrule', 'dr', [
		{name: 'Host', type: 'string', jsonPath: '.spec.host', description: 'The name of a service from the service registry', priority: 0},
		creationTimestampColumn,
	]),
	httpRoutes,
	gateways,
];

/** The store key of a resource (`group/plural`). */
export function resourceKey(resource: {group: string; plural: string}): string {
	return `${resource.group}/${resource.plural}`;
}

/** Looks up a served resource by group, version and plural; undefined when that version is not served. */
export function findResource(group: string, version: string, plural: string): ServedResource | undefined {
	return servedResources.find(resource => resource.group === group && resource.plural === plural && resource.versions.includes(version));
}

/** API groups other than core, each with its versions (preferred first). */
export function servedGroups(): Array<{name: string; versions: string[]}> {
	const groups = new Map<string, string[]>();
	for (const resource of servedResources) {
		if (resource.group !== '' && !groups.has(resource.group)) {
			groups.set(resource.group, resource.versions);
		}
	}
	return [...groups].map(([name, versions]) => ({name, versions}));
}

/** Reads a dotted path (`.spec.hosts`) from an object; used by table columns and field selectors. */
export function valueAt(object: Record<string, unknown>, path: string): unknown {
	return at(object, path);
}
