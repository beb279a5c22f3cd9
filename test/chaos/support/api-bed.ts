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
