/** A simulated cluster for the headless command tests: kubeconfig on disk, a history file, and helpers to read back. */
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {routesOf} from '../../source/domain/virtual-service.js';
import {loadKubeTarget} from '../../source/kube/config.js';
import {IstioApi} from '../../source/kube/istio-api.js';
import {startSimCluster, type SimCluster, type SimClusterOptions} from '../../source/sim/cluster.js';
import type {CommandOutput} from '../../source/commands/shift-output.js';
import {waitFor} from '../helpers/wait-for.js';

/** Store key of VirtualServices in the sim. */
export const virtualServices = 'networking.istio.io/virtualservices';

/** What a test needs around the sim. */
export interface SimFixture {
	cluster: SimCluster;
	kubeconfig: string;
	historyFile: string;
	api: IstioApi;
	/** Weights of reviews' first route, read through the API. */
	weights(): Promise<Record<string, number>>;
	/** Puts reviews back to 100% v1 with only v1 in the route (the Bookinfo fixture), as an external writer would. */
	resetReviews(): void;
	/** Changes reviews like someone else would (directly in the store, as kubectl would through the API). */
	editReviews(edit: (spec: Record<string, unknown>) => void): void;
	stop(): Promise<void>;
}

/** Starts the sim and, with `waitForMetrics`, waits until Prometheus has scraped reviews traffic. */
export async function startFixture(options: SimClusterOptions & {waitForMetrics?: boolean} = {}): Promise<SimFixture> {
	const directory = await mkdtemp(path.join(tmpdir(), 'meshtop-e-'));
	const cluster = await startSimCluster(options);
	const kubeconfig = path.join(directory, 'kubeconfig');
	await cluster.writeKubeconfig(kubeconfig);
	const api = new IstioApi(loadKubeTarget({kubeconfig, namespace: 'bookinfo'}));
	const editReviews = (edit: (spec: Record<string, unknown>) => void) => {
		const current = cluster.store.get(virtualServices, 'bookinfo', 'reviews');
		if (current === undefined) {
			throw new Error('no reviews VirtualService');
		}

		const spec = structuredClone(current['spec']) as Record<string, unknown>;
		edit(spec);
		cluster.store.update(virtualServices, {...current, spec});
	};

	const fixture: SimFixture = {
		cluster,
		kubeconfig,
		historyFile: path.join(directory, 'history.jsonl'),
		api,
		async weights() {
			const [vs, rules] = await Promise.all([api.getVirtualService('bookinfo', 'reviews'), api.listDestinationRules('bookinfo')]);
			const route = routesOf(vs, rules)[0];
			return Object.fromEntries((route?.destinations ?? []).map(destination => [destination.key, destination.weight]));
		},
		resetReviews() {
			editReviews(spec => {
				spec['http'] = [{route: [{destination: {host: 'reviews', subset: 'v1'}}]}];
			});
		},
		editReviews,
		async stop() {
			await cluster.stop();
			await rm(directory, {recursive: true, force: true});
		},
	};
	if (options.waitForMetrics === true) {
		await waitFor(async () => {
			const response = await fetch(`${cluster.prometheus.url}/api/v1/query?query=${encodeURIComponent('rate(istio_requests_total{destination_service_name="reviews"}[4s])')}`);
			const body = await response.json() as {data?: {result?: unknown[]}};
			return (body.data?.result?.length ?? 0) > 0;
		}, {timeout: 20_000, interval: 200, message: 'Prometheus has scraped reviews traffic'});
	}

	return fixture;
}

/**
 * Captures what a command writes, line by line. `onLine` runs synchronously as each stdout line is written, so a test
 * can act at an exact point of a plan (between a write and the next) instead of racing its timers.
 */
export class CapturedOutput implements CommandOutput {
	out = '';
	err = '';
	onLine: ((line: string) => void) | undefined;
	readonly stdout = {write: (chunk: string) => {
		this.out += chunk;
		for (const line of chunk.split('\n').filter(part => part !== '')) {
			this.onLine?.(line);
		}

		return true;
	}};

	readonly stderr = {write: (chunk: string) => {
		this.err += chunk;
		return true;
	}};

	/** Lines of stdout. */
	get lines(): string[] {
		return this.out.split('\n').filter(line => line !== '');
	}
}
