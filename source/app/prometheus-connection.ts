import {readFile} from 'node:fs/promises';
import type {KubeTarget} from '../kube/config.js';
import {discoverPrometheus} from '../kube/prometheus-discovery.js';
import type {PortForwardHandle} from '../kube/port-forward.js';
import {createNodeFetch, type NodeFetch} from '../net/node-fetch.js';
import {PrometheusClient} from '../prometheus/client.js';
import {rateWindow} from '../prometheus/queries.js';
import type {FeedStatus, PrometheusStatus} from '../ports/console-services.js';

/** How to find Prometheus (the --prometheus-* flags). */
export interface PrometheusOptions {
	url?: string;
	namespace?: string;
	service?: string;
	/** `--prometheus-token-file`: a bearer token for a gateway in front of Prometheus (Thanos, Mimir, an auth proxy). */
	tokenFile?: string;
}

/** A usable Prometheus: a client, the rate window, and whatever keeps it reachable (a port-forward). */
export interface PrometheusConnection {
	client: PrometheusClient;
	/** PromQL range for rate(), from the scrape interval ($__rate_interval rule). */
	window: string;
	/** The scrape interval in milliseconds: gates look once per scrape and leave one scrape out after a write. */
	scrapeIntervalMs: number;
	/** Where it is, for people: "port-forward istio-system/prometheus-… → 127.0.0.1:41234" or the URL. */
	label: string;
	/** Connection changes of the port-forward (reconnects after a pod restart); returns its stop. */
	onStatus(listener: (status: PrometheusStatus) => void): () => void;
	/** Ends the client's connections and closes the port-forward, if any. */
	close(): Promise<void>;
}

async function readToken(file: string): Promise<string> {
	try {
		return (await readFile(file, 'utf8')).trim();
	} catch (error) {
		throw new Error(`--prometheus-token-file: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, {cause: error});
	}
}

function forwardLabel(handle: PortForwardHandle, namespace: string): string {
	const status = handle.status();
	return `port-forward ${namespace}/${status.pod ?? '?'} → ${handle.url.replace(/^http:\/\//, '')}`;
}

/**
 * Finds Prometheus (--prometheus-url, else istio-system then the VirtualService's namespace) and connects:
 * through a 127.0.0.1 port-forward when it runs in the cluster. Reads the scrape interval for the rate window.
 * The queries go over Node's HTTP client (source/net/node-fetch.ts) with keep-alive connections of the connection's
 * own: TCP to --prometheus-url, and through a port-forward in-process streams handed straight to its WebSocket (no
 * loopback socket), as the live reads do. close() ends them.
 */
export async function connectPrometheus(target: KubeTarget, options: PrometheusOptions, vsNamespace: string): Promise<PrometheusConnection> {
	const namespaces = options.namespace === undefined ? [...new Set(['istio-system', vsNamespace])] : [options.namespace];
	const location = await discoverPrometheus(target, {url: options.url, namespaces, service: options.service});
	let handle: PortForwardHandle | undefined;
	let http: NodeFetch;
	let label: string;
	let client: PrometheusClient;
	const bearerToken = options.tokenFile === undefined || options.tokenFile === '' ? undefined : await readToken(options.tokenFile);
	if (location.kind === 'url') {
		http = createNodeFetch();
		client = new PrometheusClient(location.url, {fetch: http.fetch, bearerToken});
		// The client's URL, not the flag's: a password in --prometheus-url must not reach the screen.
		label = client.baseUrl;
	} else {
		// Loaded when needed: a command given --prometheus-url (or none at all) does not evaluate the forward and its pod watch.
		const {startPortForward} = await import('../kube/port-forward.js');
		const forwarded = await startPortForward(target, {namespace: location.namespace, pod: location.pod, port: location.port, selector: location.selector});
		handle = forwarded;
		http = createNodeFetch({connect: () => forwarded.connect()});
		client = new PrometheusClient(handle.url, {fetch: http.fetch, bearerToken});
		label = forwardLabel(handle, location.namespace);
	}

	let scrapeSeconds: number;
	try {
		scrapeSeconds = await client.scrapeInterval();
	} catch (error) {
		// The HTTP client only sees a closed connection; why it closed (an RBAC refusal of the upgrade, the kubelet's
		// "connection refused", a missing pod) is what the port-forward heard, and what the user needs.
		const refusal = handle?.status().error;
		http.close();
		await handle?.stop();
		throw refusal === undefined ? error : new Error(`Prometheus through ${label} is unreachable: ${refusal}`, {cause: error});
	}

	const forward = handle;
	return {
		client,
		window: rateWindow(scrapeSeconds),
		scrapeIntervalMs: Number.isFinite(scrapeSeconds) && scrapeSeconds > 0 ? scrapeSeconds * 1000 : 15_000,
		label,
		onStatus(listener) {
			if (forward === undefined || location.kind === 'url') {
				return () => undefined;
			}

			return forward.onStatus(status => {
				const state: FeedStatus = status.state === 'ready' ? 'live' : status.state === 'reconnecting' ? 'reconnecting' : 'error';
				listener({label: forwardLabel(forward, location.namespace), status: state, error: status.error});
			});
		},
		async close() {
			http.close();
			await forward?.stop();
		},
	};
}
