/**
 * What most API rows share: a test bed (with the row's kube-apiserver flags), the TLS proxy in front of it, and
 * meshtop's kubeconfig pointing at the proxy; everything stopped when the row's body returns or throws.
 */
import type {Testbed, TestbedOptions} from '../../testbed/testbed.js';
import type {ChaosContext} from '../row.js';
import {startApiProxy, type ApiProxy} from './api-proxy.js';
import {kubeconfigVia, withTestbed} from './console.js';

/** A test bed seen through the proxy. */
export interface ProxiedBed {
	testbed: Testbed;
	proxy: ApiProxy;
	/** Kubeconfig whose server is the proxy (contexts testbed, testbed-viewer, testbed-shifter). */
	kubeconfig: string;
}

/** Runs `body` on a fresh test bed behind a proxy. */
export async function withProxiedBed<T>(context: ChaosContext, options: Omit<TestbedOptions, 'build' | 'log'>, body: (bed: ProxiedBed) => Promise<T>): Promise<T> {
	return withTestbed(context, options, async testbed => {
		const proxy = await startApiProxy({upstream: testbed.server, tls: testbed.tls});
		try {
			const kubeconfig = await kubeconfigVia(testbed, proxy.url, context.dir);
			return await body({testbed, proxy, kubeconfig});
		} finally {
			await proxy.stop();
		}
	});
}

/** Seconds with one decimal, for figures. */
export function seconds(ms: number): string {
	return `${(ms / 1000).toFixed(1)} s`;
}

/** A JSON Patch replacing reviews' first route with these subset weights (as another operator's kubectl would). */
export function reviewsRoutePatch(weights: Record<string, number>): string {
	return JSON.stringify([{op: 'replace', path: '/spec/http/0/route', value: Object.entries(weights).map(([subset, weight]) => ({destination: {host: 'reviews', subset}, weight}))}]);
}

/**
 * kube-apiserver with one seat for reads and one for writes, and no API Priority and Fairness: its max-in-flight filter
 * answers whatever finds the seat taken with 429 and `Retry-After: 1` (header only). system:masters is exempt, so
 * the row's kubectl (admin) and the test bed's controllers are not refused; meshtop runs as a non-admin user.
 */
export const oneSeatFlags = ['--enable-priority-and-fairness=false', '--max-requests-inflight=1', '--max-mutating-requests-inflight=1'];

/** Compacts etcd at its current revision (physical), so a watch resuming from an older resourceVersion meets 410 Gone; returns the revision. */
export async function etcdCompact(etcdUrl: string): Promise<number> {
	const range = await fetch(`${etcdUrl}/v3/kv/range`, {method: 'POST', body: JSON.stringify({key: Buffer.from('/').toString('base64')})});
	const revision = Number(((await range.json()) as {header: {revision: string}}).header.revision);
	const compacted = await fetch(`${etcdUrl}/v3/kv/compaction`, {method: 'POST', body: JSON.stringify({revision, physical: true})});
	if (!compacted.ok) {
		throw new Error(`etcd compaction at ${revision}: HTTP ${compacted.status} ${await compacted.text()}`);
	}

	return revision;
}
