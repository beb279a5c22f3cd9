/**
 * One cluster fixture, two backends: the simulated cluster (started per test file, in this process) and the real
 * control plane of the test bed (started once per `npm test` by test/global-setup.ts, shared by the files). A suite
 * written against this fixture runs on both: `for (const backend of backends) describe(…, {skip: backend.skip}, …)`.
 */
import {execFile} from 'node:child_process';
import {readFileSync} from 'node:fs';
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {promisify} from 'node:util';
import {routesOf} from '../../source/domain/virtual-service.js';
import {loadKubeTarget} from '../../source/kube/config.js';
import {IstioApi} from '../../source/kube/istio-api.js';
import {startSimCluster, type SimCluster, type SimClusterOptions} from '../../source/sim/cluster.js';
import type {TestbedState} from '../testbed/main.js';
import {rawEndpoint, rawRequest} from './raw-api.js';
import {waitFor} from './wait-for.js';

const run = promisify(execFile);

/** Which cluster a suite runs against. */
export type BackendName = 'sim' | 'testbed';

/** A user of the test bed's kubeconfig: admin everywhere, a read-only viewer, a shifter limited to bookinfo routes, an outsider allowed nothing. */
export type FixtureUser = 'admin' | 'viewer' | 'shifter' | 'outsider';

/** Store key of VirtualServices in the sim. */
export const virtualServices = 'networking.istio.io/virtualservices';

/** What a suite needs around a cluster. */
export interface ClusterFixture {
	backend: BackendName;
	/** Kubeconfig file; its current context is the admin's. */
	kubeconfig: string;
	/** Current context name and its user, as meshtop reports them. */
	contextName: string;
	user: string;
	/** A history file of this fixture's own. */
	historyFile: string;
	/** The Istio API as the admin. */
	api: IstioApi;
	/** The simulated cluster (sim backend only): for what only the sim can do, such as storing invalid objects. */
	sim?: SimCluster;
	/** The kubectl of this backend (the test bed's is built from the same release as its server). */
	kubectlBinary: string;
	/** Runs kubectl as `user` (default admin) with `-n bookinfo` unless args name a namespace; resolves with stdout. */
	kubectl(args: readonly string[], options?: {user?: FixtureUser; input?: string}): Promise<string>;
	/** A bookinfo object as the API server returns it (`kubectl get -o json`). */
	getObject(resource: string, name: string): Promise<{metadata: {resourceVersion: string; [key: string]: unknown}; spec: Record<string, unknown>; [key: string]: unknown}>;
	/** Weights of reviews' first route, read through the API. */
	weights(): Promise<Record<string, number>>;
	/** Puts reviews back to 100% v1 with only v1 in the route (the Bookinfo fixture), as an external writer would. */
	resetReviews(): Promise<void>;
	/** Changes reviews' spec like someone else would (an update through the API server). */
	editReviews(edit: (spec: Record<string, unknown>) => void): Promise<void>;
	/** A line of the mesh's control language (`fault reviews:v3:errors=30%`, `clear all`, `rps 60`). */
	control(line: string): Promise<string>;
	/** The Prometheus scraping the mesh, directly (meshtop reaches it by port-forward). */
	prometheusUrl: string;
	/** Waits until Prometheus has scraped reviews traffic. */
	waitForMetrics(): Promise<void>;
	/** Stops what this fixture started (the shared test bed keeps running; its mesh faults are cleared). */
	stop(): Promise<void>;
}

/** A backend as a suite sees it: its name, and why it is skipped (when it is). */
export interface Backend {
	name: BackendName;
	/** Set when the backend cannot run here: node:test's `skip` takes it as the reason. */
	skip: string | false;
	/** Starts a fixture on this backend (sim options apply to the sim only). */
	start(options?: SimClusterOptions): Promise<ClusterFixture>;
}

function testbedState(): TestbedState | undefined {
	const file = process.env['MESHTOP_TESTBED_STATE'];
	return file === undefined ? undefined : JSON.parse(readFileSync(file, 'utf8')) as TestbedState;
}

/** The two backends, the test bed skipped (with the reason global setup recorded) when it is not running. */
export const backends: readonly Backend[] = [
	{name: 'sim', skip: false, start: startSimFixture},
	{
		name: 'testbed',
		skip: testbedState() === undefined ? `no test bed: ${process.env['MESHTOP_TESTBED_SKIP'] ?? 'run through npm test (global setup)'}` : false,
		start: async () => startTestbedFixture(testbedState()!),
	},
];

/** Splits a kubectl argument list's namespace default: -n bookinfo unless the caller chose one or asked for -A. */
function withNamespace(args: readonly string[]): string[] {
	const named = args.some(argument => argument === '-n' || argument === '--namespace' || argument.startsWith('--namespace=') || argument === '-A' || argument === '--all-namespaces');
	return named ? [...args] : ['-n', 'bookinfo', ...args];
}

function firstRouteWeights(api: IstioApi): () => Promise<Record<string, number>> {
	return async () => {
		const [vs, rules] = await Promise.all([api.getVirtualService('bookinfo', 'reviews'), api.listDestinationRules('bookinfo')]);
		const route = routesOf(vs, rules)[0];
		return Object.fromEntries((route?.destinations ?? []).map(destination => [destination.key, destination.weight]));
	};
}

const allV1 = (spec: Record<string, unknown>) => {
	spec['http'] = [{route: [{destination: {host: 'reviews', subset: 'v1'}}]}];
};

async function waitForReviewsMetrics(prometheusUrl: string): Promise<void> {
	await waitFor(async () => {
		const response = await fetch(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent('rate(istio_requests_total{destination_service_name="reviews"}[4s])')}`);
		const body = await response.json() as {data?: {result?: unknown[]}};
		return (body.data?.result?.length ?? 0) > 0;
	}, {timeout: 30_000, interval: 200, message: 'Prometheus has scraped reviews traffic'});
}

async function startSimFixture(options: SimClusterOptions = {}): Promise<ClusterFixture> {
	const directory = await mkdtemp(path.join(tmpdir(), 'meshtop-e-'));
	const cluster = await startSimCluster(options);
	const kubeconfig = path.join(directory, 'kubeconfig');
	await cluster.writeKubeconfig(kubeconfig);
	const api = new IstioApi(loadKubeTarget({kubeconfig, namespace: 'bookinfo'}));
	const editReviews = async (edit: (spec: Record<string, unknown>) => void) => {
		const current = cluster.store.get(virtualServices, 'bookinfo', 'reviews');
		if (current === undefined) {
			throw new Error('no reviews VirtualService');
		}

		const spec = structuredClone(current['spec']) as Record<string, unknown>;
		edit(spec);
		cluster.store.update(virtualServices, {...current, spec});
	};

	const kubectl = async (args: readonly string[], kubectlOptions: {user?: FixtureUser; input?: string} = {}) => {
		if ((kubectlOptions.user ?? 'admin') !== 'admin') {
			throw new Error('the sim has one user; deny rules (sim.apiServer.setDenyRules) stand in for RBAC');
		}

		const promise = run('kubectl', ['--kubeconfig', kubeconfig, ...withNamespace(args)], {env: {...process.env, HOME: directory}, maxBuffer: 16 * 1024 * 1024});
		if (kubectlOptions.input !== undefined) {
			promise.child.stdin?.end(kubectlOptions.input);
		}

		return (await promise).stdout;
	};

	return {
		backend: 'sim',
		kubeconfig,
		contextName: 'meshtop-sim',
		user: 'sim-admin',
		historyFile: path.join(directory, 'history.jsonl'),
		api,
		sim: cluster,
		kubectlBinary: 'kubectl',
		kubectl,
		async getObject(resource, name) {
			return JSON.parse(await kubectl(['get', resource, name, '-o', 'json'])) as Awaited<ReturnType<ClusterFixture['getObject']>>;
		},
		weights: firstRouteWeights(api),
		resetReviews: async () => editReviews(allV1),
		editReviews,
		async control(line) {
			const {runControlCommand} = await import('../../source/sim/mesh/control.js');
			const reply = runControlCommand(line, cluster.mesh);
			if (reply.error) {
				throw new Error(reply.text);
			}

			return reply.text;
		},
		prometheusUrl: cluster.prometheus.url,
		waitForMetrics: async () => waitForReviewsMetrics(cluster.prometheus.url),
		async stop() {
			await cluster.stop();
			await rm(directory, {recursive: true, force: true});
		},
	};
}

async function startTestbedFixture(state: TestbedState): Promise<ClusterFixture> {
	const directory = await mkdtemp(path.join(tmpdir(), 'meshtop-e-'));
	const api = new IstioApi(loadKubeTarget({kubeconfig: state.kubeconfig, namespace: 'bookinfo'}));
	const kubectl = async (args: readonly string[], options: {user?: FixtureUser; input?: string} = {}) => {
		const context = (options.user ?? 'admin') === 'admin' ? 'testbed' : `testbed-${options.user ?? ''}`;
		const promise = run(state.kubectl, ['--kubeconfig', state.kubeconfig, '--context', context, ...withNamespace(args)], {env: {...process.env, HOME: directory}, maxBuffer: 16 * 1024 * 1024});
		if (options.input !== undefined) {
			promise.child.stdin?.end(options.input);
		}

		return (await promise).stdout;
	};

	const getObject = async (resource: string, name: string) => JSON.parse(await kubectl(['get', resource, name, '-o', 'json'])) as Awaited<ReturnType<ClusterFixture['getObject']>>;
	const endpoint = rawEndpoint(state.kubeconfig);
	const editReviews = async (edit: (spec: Record<string, unknown>) => void) => {
		// An update (PUT) with the resourceVersion just read, as a controller would; retried if someone wrote between.
		// Not `kubectl replace`: it rewrites the last-applied annotation with server fields, which breaks a later apply.
		const url = '/apis/networking.istio.io/v1/namespaces/bookinfo/virtualservices/reviews';
		for (let attempt = 0; ; attempt++) {
			const current = await rawRequest(endpoint, 'GET', url);
			const object = current.body as {spec: Record<string, unknown>};
			edit(object.spec);
			const answer = await rawRequest(endpoint, 'PUT', url, {body: object});
			if (answer.code === 200) {
				return;
			}

			if (answer.code !== 409 || attempt >= 3) {
				throw new Error(`update of reviews: HTTP ${answer.code} ${answer.text}`);
			}
		}
	};

	const control = async (line: string) => {
		const response = await fetch(state.controlUrl, {method: 'POST', body: line});
		const text = (await response.text()).trim();
		if (!response.ok) {
			throw new Error(text);
		}

		return text;
	};

	return {
		backend: 'testbed',
		kubeconfig: state.kubeconfig,
		contextName: 'testbed',
		user: 'admin',
		historyFile: path.join(directory, 'history.jsonl'),
		api,
		kubectlBinary: state.kubectl,
		kubectl,
		getObject,
		weights: firstRouteWeights(api),
		resetReviews: async () => editReviews(allV1),
		editReviews,
		control,
		prometheusUrl: state.prometheusUrl,
		waitForMetrics: async () => waitForReviewsMetrics(state.prometheusUrl),
		async stop() {
			await control('clear all');
			await control('rps 20');
			await rm(directory, {recursive: true, force: true});
		},
	};
}
