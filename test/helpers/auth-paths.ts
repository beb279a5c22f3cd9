/**
 * meshtop's three ways of talking to an API server, each driven once for the auth tests: REST (KubeRest under
 * IstioApi), the route feed (list-watch over client-node's Watch) and a port-forward (client-node's WebSocket).
 */
import assert from 'node:assert/strict';
import {loadKubeTarget, type KubeTarget} from '../../source/kube/config.js';
import {IstioApi} from '../../source/kube/istio-api.js';
import {startPortForward, type PortForwardHandle} from '../../source/kube/port-forward.js';
import {watchVirtualServices, type VirtualServiceFeedState} from '../../source/kube/watch-virtual-services.js';
import type {AuthFixture} from './auth-fixture.js';
import type {SeenRequest} from './auth-gate.js';
import {waitFor} from './wait-for.js';

/** A GET and a harmless PATCH (a JSON Patch test of the name) of reviews; resolves with what the gate saw. */
export async function getAndPatch(fixture: AuthFixture, kubeconfig: string, context?: string): Promise<SeenRequest[]> {
	const from = fixture.gate.seen.length;
	const api = new IstioApi(loadKubeTarget({kubeconfig, ...(context === undefined ? {} : {context})}));
	const route = await api.getRoute('VirtualService', 'bookinfo', 'reviews');
	assert.equal(route.metadata.name, 'reviews');
	await api.patchRoute('VirtualService', 'bookinfo', 'reviews', [{op: 'test', path: '/metadata/name', value: 'reviews'}]);
	return fixture.gate.seen.slice(from);
}

/** Runs the route feed of bookinfo (after `during`, once it is live or has failed) until `until` holds; resolves with that state. */
export async function feedUntil(target: KubeTarget, until: (state: VirtualServiceFeedState) => boolean, during?: () => Promise<void>): Promise<VirtualServiceFeedState> {
	const feed = watchVirtualServices(new IstioApi(target), target, 'bookinfo');
	let last: VirtualServiceFeedState | undefined;
	const unsubscribe = feed.subscribe(state => {
		last = state;
	});
	try {
		await waitFor(() => last !== undefined && last.status !== 'connecting', {timeout: 10_000, message: 'the feed has connected or failed'});
		await during?.();
		return await waitFor(() => last !== undefined && until(last) && last, {timeout: 10_000, message: 'the feed reached the awaited state'});
	} finally {
		unsubscribe();
		feed.stop();
	}
}

/** The sim's Prometheus pod (the fixture's cluster has one, in istio-system). */
export function prometheusPod(fixture: AuthFixture): string {
	const [pod] = fixture.sim.store.list('/pods', 'istio-system', 'app=prometheus');
	assert.ok(pod !== undefined, 'the sim has a Prometheus pod');
	return pod.metadata.name;
}

/** Forwards to Prometheus' 9090 and asks its build info through the forward; the caller stops the forward. */
export async function buildInfoThrough(target: KubeTarget, pod: string): Promise<{status: number | undefined; forward: PortForwardHandle}> {
	const forward = await startPortForward(target, {namespace: 'istio-system', pod, port: 9090, selector: 'app=prometheus'});
	try {
		const response = await fetch(`${forward.url}/api/v1/status/buildinfo`, {signal: AbortSignal.timeout(10_000)});
		await response.arrayBuffer();
		return {status: response.status, forward};
	} catch {
		return {status: undefined, forward};
	}
}
