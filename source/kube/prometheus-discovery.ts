import type {V1Pod, V1PodList, V1Service} from '@kubernetes/client-node';
import type {KubeTarget} from './config.js';
import {KubeError, toKubeError, type KubeErrorContext} from './errors.js';
import {describePod, isRunningAndReady} from './pods.js';
import {corePath, KubeRest} from './rest.js';
import {retryThrottled} from './throttle-retry.js';

/** Where Prometheus is: a URL the user gave, or a pod to port-forward to (selector re-finds it after a restart). */
export type PrometheusLocation =
	| {kind: 'url'; url: string}
	| {kind: 'pod'; namespace: string; pod: string; port: number; selector: string};

/** Options of {@link discoverPrometheus}. */
export interface DiscoverPrometheusOptions {
	/** `--prometheus-url`: used as is, nothing is looked up. */
	url?: string;
	/** Namespaces to look in, in order (e.g. ['istio-system', the VirtualService's namespace], or `--prometheus-namespace`). */
	namespaces: string[];
	/** `--prometheus-service` (default 'prometheus'). */
	service?: string;
}

/** The port Istio's Prometheus addon serves on. */
const prometheusPort = 9090;

/** Pod labels of Istio's Prometheus addon: app.kubernetes.io/name since Istio 1.21, app before. */
const podSelectors = ['app.kubernetes.io/name=prometheus', 'app=prometheus'];

/** The container port behind the Service's 9090: a number, or a port name resolved in the pod. */
function targetPortOf(service: V1Service | undefined, pod: V1Pod): number {
	const port = service?.spec?.ports?.find(candidate => candidate.port === prometheusPort);
	const target = port?.targetPort;
	if (typeof target === 'number') {
		return target;
	}

	if (typeof target === 'string' && /^\d+$/.test(target)) {
		return Number(target);
	}

	if (typeof target === 'string') {
		for (const container of pod.spec?.containers ?? []) {
			const named = container.ports?.find(candidate => candidate.name === target);
			if (named !== undefined) {
				return named.containerPort;
			}
		}
	}

	return prometheusPort;
}

/** DESIGN.md rules: explicit URL wins; else look in `istio-system` then the VS namespace (or --prometheus-namespace) for Service `prometheus` (or --prometheus-service) port 9090 and a Running+Ready pod labelled app.kubernetes.io/name=prometheus (Istio 1.21+) or app=prometheus (older). Returns where it is, or a KubeError('not-found') whose message lists every place it looked. */
export async function discoverPrometheus(target: KubeTarget, options: DiscoverPrometheusOptions): Promise<PrometheusLocation> {
	if (options.url !== undefined && options.url !== '') {
		return {kind: 'url', url: options.url};
	}

	const rest = new KubeRest(target.kc);
	const serviceName = options.service ?? 'prometheus';
	const looked: string[] = [];
	const call = async <T>(context: KubeErrorContext, request: () => Promise<T>): Promise<T | KubeError> => {
		try {
			// An overloaded API server (429) is asked again when it said: discovery must not give up on it at once.
			return await retryThrottled(async () => {
				try {
					return await request();
				} catch (error) {
					throw toKubeError(error, {...context, server: target.server, user: target.user});
				}
			});
		} catch (error) {
			const kubeError = toKubeError(error, {...context, server: target.server, user: target.user});
			// Missing or hidden things are part of the search; a dead API server ends it.
			if (kubeError.kind === 'not-found' || kubeError.kind === 'forbidden') {
				return kubeError;
			}

			throw kubeError;
		}
	};

	for (const namespace of [...new Set(options.namespaces)]) {
		const notes: string[] = [];
		// eslint-disable-next-line no-await-in-loop -- namespaces in order of preference: the first with Prometheus wins
		const service = await call({verb: 'get', resource: 'services', namespace, name: serviceName}, async () => rest.get(corePath(namespace, 'services', serviceName)) as Promise<V1Service>);
		if (service instanceof KubeError) {
			notes.push(service.kind === 'forbidden' ? `Service ${serviceName}: ${service.message}` : `no Service ${serviceName}`);
		} else if (!(service.spec?.ports ?? []).some(port => port.port === prometheusPort)) {
			const ports = (service.spec?.ports ?? []).map(port => port.port).join(', ') || 'none';
			looked.push(`${namespace} (Service ${serviceName} has no port ${prometheusPort}, ports: ${ports})`);
			continue;
		}

		for (const selector of podSelectors) {
			// eslint-disable-next-line no-await-in-loop -- selectors in order of preference (Istio ≥ 1.21 first)
			const pods = await call({verb: 'list', resource: 'pods', namespace}, async () => rest.get(corePath(namespace, 'pods'), {labelSelector: selector}) as Promise<V1PodList>);
			if (pods instanceof KubeError) {
				notes.push(`pods ${selector}: ${pods.message}`);
				continue;
			}

			const pod = pods.items.find(candidate => isRunningAndReady(candidate));
			if (pod?.metadata?.name !== undefined) {
				return {
					kind: 'pod',
					namespace,
					pod: pod.metadata.name,
					port: targetPortOf(service instanceof KubeError ? undefined : service, pod),
					selector,
				};
			}

			notes.push(pods.items.length === 0 ? `no pods ${selector}` : `pods ${selector} not Running+Ready (${pods.items.map(candidate => describePod(candidate)).join('; ')})`);
		}

		looked.push(`${namespace} (${notes.join('; ')})`);
	}

	throw new KubeError('not-found', `Prometheus not found: looked for Service ${serviceName} port ${prometheusPort} and a Running+Ready pod labelled ${podSelectors.join(' or ')} in ${looked.join(', ') || 'no namespace'}; pass --prometheus-url URL, or --prometheus-namespace / --prometheus-service`, {resource: 'services', verb: 'get'});
}
