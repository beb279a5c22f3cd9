import type {KubeObject, ObjectStore} from './api/store.js';
import {readIstioYaml} from './istio-data.js';
import {bookinfoTopology, type Topology} from './mesh/topology.js';

/** An object to create and the store resource (`group/plural`) it belongs to. */
export interface SeedObject {
	/** Store key, e.g. `/pods` or `networking.istio.io/virtualservices`. */
	resource: string;
	/** The object, without server-filled metadata. */
	object: KubeObject;
}

/** Namespace of Istio's control plane and addons, where meshtop looks for Prometheus first. */
export const istioSystemNamespace = 'istio-system';

/** Labels of the Prometheus pod, as Istio's addon manifest (samples/addons/prometheus.yaml) sets them, plus the pre-1.21 `app`. */
export const prometheusPodLabels: Readonly<Record<string, string>> = {
	'app.kubernetes.io/component': 'server',
	'app.kubernetes.io/name': 'prometheus',
	'app.kubernetes.io/instance': 'prometheus',
	app: 'prometheus',
	'sidecar.istio.io/inject': 'false',
};

/** Prometheus' container port, which the sim's port-forward connects to the real (or built-in) Prometheus. */
export const prometheusPort = 9090;

// Kubernetes' SafeEncodeString alphabet: no vowels, no confusable characters.
const safeAlphabet = 'bcdfghjklmnpqrstvwxz2456789';

/** Options of {@link bookinfoObjects}. */
export interface BookinfoOptions {
	/** Ambient mode: the namespace labelled `istio.io/dataplane-mode=ambient` instead of sidecar injection. */
	ambient?: boolean;
}

/** The label Istio's ambient mode enrols a namespace with; meshtop reads it to choose `reporter="waypoint"`. */
export const ambientLabel = {'istio.io/dataplane-mode': 'ambient'} as const;

/**
 * Bookinfo and the Prometheus addon, as a real cluster would show them after `kubectl apply` of
 * bookinfo.yaml, bookinfo-versions.yaml (a Service per version, the Gateway API samples' backends),
 * destination-rule-all.yaml, virtual-service-all-v1.yaml and addons/prometheus.yaml.
 * Pod names are derived from a hash of their deployment name, so they are stable across runs.
 */
export function bookinfoObjects(topology: Topology = bookinfoTopology, options: BookinfoOptions = {}): SeedObject[] {
	const {namespace, port} = topology;
	const objects: SeedObject[] = [
		{resource: '/namespaces', object: namespaceObject(namespace, options.ambient === true ? ambientLabel : {'istio-injection': 'enabled'})},
		{resource: '/namespaces', object: namespaceObject(istioSystemNamespace, {})},
	];
	let address = 10;
	for (const service of topology.services) {
		objects.push({resource: '/services', object: serviceObject(service.name, namespace, port, address)});
		for (const version of Object.keys(service.versions)) {
			address++;
			objects.push({resource: '/pods', object: bookinfoPod(service.name, version, namespace, port, address)});
		}
	}

	// Istio's per-version Services, for the versions the topology runs (route-reviews-*.yaml send to them).
	for (const service of readIstioYaml('platform/bookinfo-versions.yaml')) {
		const selector = asStringMapOf(asRecordOf(service['spec'])?.['selector']);
		const known = topology.services.find(candidate => candidate.name === selector['app']);
		if (known !== undefined && selector['version'] !== undefined && Object.hasOwn(known.versions, selector['version'])) {
			address++;
			const object = inNamespace(service, namespace);
			const spec = asRecordOf(object['spec']) ?? {};
			object['spec'] = {type: 'ClusterIP', clusterIP: `10.96.0.${address}`, clusterIPs: [`10.96.0.${address}`], sessionAffinity: 'None', ...spec};
			objects.push({resource: '/services', object});
		}
	}

	for (const rule of readIstioYaml('bookinfo/destination-rule-all.yaml')) {
		objects.push({resource: 'networking.istio.io/destinationrules', object: inNamespace(rule, namespace)});
	}

	for (const virtualService of readIstioYaml('bookinfo/virtual-service-all-v1.yaml')) {
		objects.push({resource: 'networking.istio.io/virtualservices', object: inNamespace(virtualService, namespace)});
	}

	if (options.ambient === true) {
		address++;
		objects.push({resource: '/pods', object: waypointPod(namespace, address)});
	}

	objects.push({resource: '/services', object: prometheusService()}, {resource: '/pods', object: prometheusPod()});
	return objects;
}

/** Creates (or replaces) every Bookinfo object in the store. */
export function seedBookinfo(store: ObjectStore, topology: Topology = bookinfoTopology, options: BookinfoOptions = {}): void {
	for (const {resource, object} of bookinfoObjects(topology, options)) {
		store.create(resource, object, {replace: true});
	}
}

function namespaceObject(name: string, labels: Record<string, string>): KubeObject {
	return {
		apiVersion: 'v1',
		kind: 'Namespace',
		metadata: {name, labels: {'kubernetes.io/metadata.name': name, ...labels}},
		spec: {finalizers: ['kubernetes']},
		status: {phase: 'Active'},
	};
}

function serviceObject(name: string, namespace: string, port: number, address: number): KubeObject {
	return {
		apiVersion: 'v1',
		kind: 'Service',
		metadata: {name, namespace, labels: {app: name, service: name}},
		spec: {
			type: 'ClusterIP',
			clusterIP: `10.96.0.${address}`,
			clusterIPs: [`10.96.0.${address}`],
			ports: [{name: 'http', port, protocol: 'TCP', targetPort: port}],
			selector: {app: name},
			sessionAffinity: 'None',
		},
		status: {loadBalancer: {}},
	};
}

function bookinfoPod(app: string, version: string, namespace: string, port: number, address: number): KubeObject {
	const deployment = `${app}-${version}`;
	const templateHash = stableId(deployment, 9);
	return podObject({
		name: `${deployment}-${templateHash}-${stableId(`${deployment}/pod`, 5)}`,
		namespace,
		labels: {
			app,
			version,
			'pod-template-hash': templateHash,
			'security.istio.io/tlsMode': 'istio',
			'service.istio.io/canonical-name': app,
			'service.istio.io/canonical-revision': version,
		},
		annotations: {
			'prometheus.io/scrape': 'true',
			'prometheus.io/port': '15020',
			'prometheus.io/path': '/stats/prometheus',
			'sidecar.istio.io/status': '{"initContainers":["istio-init"],"containers":["istio-proxy"]}',
		},
		serviceAccountName: `bookinfo-${app}`,
		containers: [
			{name: app, image: `docker.io/istio/examples-bookinfo-${deployment}:1.20.2`, ports: [{containerPort: port, protocol: 'TCP'}]},
			{name: 'istio-proxy', image: 'docker.io/istio/proxyv2:1.24.0', ports: [{containerPort: 15090, name: 'http-envoy-prom', protocol: 'TCP'}]},
		],
		address,
	});
}

/** Istio's label on the waypoint proxies it manages (`istioctl waypoint apply`): how meshtop finds their pods. */
export const waypointLabels = {'gateway.istio.io/managed': 'istio.io-mesh-controller', 'gateway.networking.k8s.io/gateway-name': 'waypoint'} as const;

/** The namespace's waypoint proxy of ambient mode: an Envoy whose :15090 stats carry the `reporter="waypoint"` series. */
function waypointPod(namespace: string, address: number): KubeObject {
	const templateHash = stableId('waypoint', 9);
	return podObject({
		name: `waypoint-${templateHash}-${stableId('waypoint/pod', 5)}`,
		namespace,
		labels: {...waypointLabels, 'pod-template-hash': templateHash, 'istio.io/dataplane-mode': 'none'},
		annotations: {'prometheus.io/scrape': 'true', 'prometheus.io/port': '15020', 'prometheus.io/path': '/stats/prometheus'},
		serviceAccountName: 'waypoint',
		containers: [{name: 'istio-proxy', image: 'docker.io/istio/proxyv2:1.24.0', ports: [{containerPort: 15_008, name: 'hbone', protocol: 'TCP'}, {containerPort: 15_090, name: 'http-envoy-prom', protocol: 'TCP'}]}],
		address,
	});
}

function prometheusService(): KubeObject {
	return {
		apiVersion: 'v1',
		kind: 'Service',
		metadata: {
			name: 'prometheus',
			namespace: istioSystemNamespace,
			labels: {
				'app.kubernetes.io/component': 'server',
				'app.kubernetes.io/name': 'prometheus',
				'app.kubernetes.io/instance': 'prometheus',
				'app.kubernetes.io/part-of': 'prometheus',
			},
		},
		spec: {
			type: 'ClusterIP',
			clusterIP: '10.96.1.10',
			clusterIPs: ['10.96.1.10'],
			ports: [{name: 'http', port: prometheusPort, protocol: 'TCP', targetPort: prometheusPort}],
			selector: {
				'app.kubernetes.io/component': 'server',
				'app.kubernetes.io/name': 'prometheus',
				'app.kubernetes.io/instance': 'prometheus',
			},
			sessionAffinity: 'None',
		},
		status: {loadBalancer: {}},
	};
}

function prometheusPod(): KubeObject {
	const templateHash = stableId('prometheus', 9);
	return podObject({
		name: `prometheus-${templateHash}-${stableId('prometheus/pod', 5)}`,
		namespace: istioSystemNamespace,
		labels: {...prometheusPodLabels, 'pod-template-hash': templateHash},
		annotations: {},
		serviceAccountName: 'prometheus',
		containers: [
			{name: 'prometheus-server-configmap-reload', image: 'ghcr.io/prometheus-operator/prometheus-config-reloader:v0.89.0', ports: [{containerPort: 8080, name: 'metrics', protocol: 'TCP'}]},
			{name: 'prometheus-server', image: 'docker.io/prom/prometheus:v3.10.0', ports: [{containerPort: prometheusPort, protocol: 'TCP'}]},
		],
		address: 200,
	});
}

interface PodSpecInput {
	name: string;
	namespace: string;
	labels: Record<string, string>;
	annotations: Record<string, string>;
	serviceAccountName: string;
	containers: Array<{name: string; image: string; ports: Array<Record<string, unknown>>}>;
	address: number;
}

function podObject(input: PodSpecInput): KubeObject {
	const started = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
	const conditions = ['Initialized', 'Ready', 'ContainersReady', 'PodScheduled']
		.map(type => ({type, status: 'True', lastTransitionTime: started}));
	return {
		apiVersion: 'v1',
		kind: 'Pod',
		metadata: {name: input.name, namespace: input.namespace, labels: input.labels, annotations: input.annotations},
		spec: {
			serviceAccountName: input.serviceAccountName,
			nodeName: 'sim-node-1',
			containers: input.containers.map(container => ({...container, imagePullPolicy: 'IfNotPresent'})),
		},
		status: {
			phase: 'Running',
			conditions,
			hostIP: '172.18.0.2',
			podIP: `10.244.0.${input.address}`,
			podIPs: [{ip: `10.244.0.${input.address}`}],
			startTime: started,
			containerStatuses: input.containers.map(container => ({
				name: container.name,
				image: container.image,
				ready: true,
				started: true,
				restartCount: 0,
				state: {running: {startedAt: started}},
			})),
		},
	};
}

function asRecordOf(value: unknown): Record<string, unknown> | undefined {
	return typeof value === 'object' && value !== null && !Array.isArray(value) ? value as Record<string, unknown> : undefined;
}

function asStringMapOf(value: unknown): Record<string, string> {
	return Object.fromEntries(Object.entries(asRecordOf(value) ?? {}).filter(([, item]) => typeof item === 'string')) as Record<string, string>;
}

function inNamespace(object: Record<string, unknown>, namespace: string): KubeObject {
	const copy = structuredClone(object) as KubeObject;
	copy.metadata = {...copy.metadata, namespace};
	return copy;
}

/** A short id over the safe alphabet, a pure function of `text` (FNV-1a, then base 27). */
function stableId(text: string, length: number): string {
	let hash = 0x81_1c_9d_c5;
	for (const character of text) {
		hash ^= character.codePointAt(0) ?? 0;
		hash = Math.imul(hash, 0x01_00_01_93) >>> 0;
	}

	let id = '';
	for (let index = 0; index < length; index++) {
		id += safeAlphabet[hash % safeAlphabet.length];
		hash = Math.imul(hash ^ (hash >>> 13), 0x5b_d1_e9_95) >>> 0;
		hash = (hash + index + 1) >>> 0;
	}

	return id;
}
