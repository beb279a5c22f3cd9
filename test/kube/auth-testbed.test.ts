/**
 * A real kube-apiserver's authentication (the test bed's: --token-auth-file and --client-ca-file) on each of
 * meshtop's paths: a bearer token and a client certificate each read and patch a route, watch the namespace's routes
 * and port-forward to Prometheus; the API server's own SelfSubjectReview names who it authenticated.
 */
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {describe, it} from 'node:test';
import {loadKubeTarget} from '../../source/kube/config.js';
import {IstioApi} from '../../source/kube/istio-api.js';
import {discoverPrometheus} from '../../source/kube/prometheus-discovery.js';
import {KubeRest} from '../../source/kube/rest.js';
import {feedUntil} from '../helpers/auth-paths.js';
import {startPortForward} from '../../source/kube/port-forward.js';
import {certificateContext} from '../testbed/kubeconfig.js';
import type {TestbedState} from '../testbed/testbed.js';

const stateFile = process.env['MESHTOP_TESTBED_STATE'];
const state = stateFile === undefined ? undefined : JSON.parse(readFileSync(stateFile, 'utf8')) as TestbedState;
const skip = state === undefined ? `no test bed: ${process.env['MESHTOP_TESTBED_SKIP'] ?? 'run through npm test (global setup)'}` : false;

describe('auth on the real kube-apiserver: token and client certificate on every path', {skip, timeout: 90_000}, () => {
	for (const [context, user, groups] of [['testbed', 'admin', 'system:masters'], [certificateContext, 'cert-admin', 'system:masters']] as const) {
		it(`${context}: authenticated as ${user}; GET, PATCH, the route feed and a port-forward to Prometheus work`, async () => {
			const target = loadKubeTarget({kubeconfig: state!.kubeconfig, context, namespace: 'bookinfo'});
			const review = await new KubeRest(target.kc).post('/apis/authentication.k8s.io/v1/selfsubjectreviews', {apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview'}) as {status: {userInfo: {username: string; groups: string[]}}};
			assert.equal(review.status.userInfo.username, user);
			assert.ok(review.status.userInfo.groups.includes(groups), `${user} is in ${groups}`);

			const api = new IstioApi(target);
			assert.equal((await api.getRoute('VirtualService', 'bookinfo', 'reviews')).metadata.name, 'reviews');
			await api.patchRoute('VirtualService', 'bookinfo', 'reviews', [{op: 'test', path: '/metadata/name', value: 'reviews'}]);
			await feedUntil(target, current => current.status === 'live' && current.items.has('reviews'));

			const location = await discoverPrometheus(target, {namespaces: ['istio-system']});
			assert.equal(location.kind, 'pod');
			const forward = await startPortForward(target, location.kind === 'pod' ? location : {namespace: 'istio-system', pod: '', port: 9090});
			try {
				const response = await fetch(`${forward.url}/api/v1/status/buildinfo`, {signal: AbortSignal.timeout(15_000)});
				assert.equal(response.status, 200);
				await response.arrayBuffer();
			} finally {
				await forward.stop();
			}
		});
	}
});
