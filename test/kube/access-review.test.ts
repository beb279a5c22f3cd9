/**
 * reviewRouteAccess asks the API server (SelfSubjectAccessReview) whether the kubeconfig's user may patch a route
 * object: on the real server RBAC answers (admin yes, the read-only viewer no); on the sim its deny rules do.
 */
import assert from 'node:assert/strict';
import {after, before, describe, test} from 'node:test';
import {loadKubeTarget} from '../../source/kube/config.js';
import {reviewRouteAccess} from '../../source/kube/access-review.js';
import {backends, type ClusterFixture} from '../helpers/cluster-fixture.js';

for (const backend of backends) describe(`access review against the ${backend.name}`, {skip: backend.skip}, () => {
	let cluster: ClusterFixture;

	before(async () => {
		cluster = await backend.start({prometheus: 'builtin', requestsPerSecond: 1});
	});

	after(async () => {
		cluster.sim?.apiServer.setDenyRules([]);
		await cluster?.stop();
	});

	test('the admin may patch VirtualService reviews and HTTPRoutes of bookinfo', async () => {
		const target = loadKubeTarget({kubeconfig: cluster.kubeconfig, env: {}});
		assert.deepEqual(await reviewRouteAccess(target, {kind: 'VirtualService', namespace: 'bookinfo', name: 'reviews'}), {allowed: true});
		assert.deepEqual(await reviewRouteAccess(target, {kind: 'HTTPRoute', namespace: 'bookinfo', name: undefined}), {allowed: true});
	});

	test('a user without patch is refused, and the reason names the user, the object and the namespace', async () => {
		// The sim stands in for RBAC with a deny rule on its admin; the test bed has a real read-only user.
		cluster.sim?.apiServer.setDenyRules([{verb: 'patch', group: 'networking.istio.io', resource: 'virtualservices'}]);
		const target = loadKubeTarget({kubeconfig: cluster.kubeconfig, env: {}, ...(cluster.sim === undefined ? {context: 'testbed-viewer'} : {})});
		const answer = await reviewRouteAccess(target, {kind: 'VirtualService', namespace: 'bookinfo', name: 'reviews'});
		assert.equal(answer.allowed, false);
		assert.match(answer.reason ?? '', new RegExp(`^user ${target.user} cannot patch virtualservices/reviews in bookinfo \\(SelfSubjectAccessReview`));
		// Refused on VirtualServices only: HTTPRoutes stay writable on the sim; the viewer may write neither.
		const routes = await reviewRouteAccess(target, {kind: 'HTTPRoute', namespace: 'bookinfo', name: 'reviews'});
		assert.equal(routes.allowed, cluster.sim !== undefined);
	});
});
