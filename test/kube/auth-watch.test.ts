/**
 * Every kubeconfig auth method on meshtop's watch path (the console's route feed: list-watch.ts over client-node's
 * Watch), against an API server that checks the credential: the lists and the watch streams go as the method's user,
 * a change arrives through the watch, and a refused credential is the feed's error, worded like the REST path's.
 */
import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';
import {loadKubeTarget} from '../../source/kube/config.js';
import {IstioApi} from '../../source/kube/istio-api.js';
import {startAuthFixture, type AuthFixture} from '../helpers/auth-fixture.js';
import {feedUntil} from '../helpers/auth-paths.js';

describe('auth methods on the watch path (list-watch over client-node\'s Watch)', {timeout: 90_000}, () => {
	let fixture: AuthFixture;
	before(async () => {
		fixture = await startAuthFixture();
	});
	after(async () => fixture.stop());

	it('each method: lists and watch streams as the method\'s user, and a change arrives through the watch', async () => {
		const admin = new IstioApi(loadKubeTarget({kubeconfig: await fixture.kubeconfig('watch-admin', [{name: 'admin', user: fixture.methods[0]!.entry}])}));
		for (const method of fixture.methods) {
			const target = loadKubeTarget({kubeconfig: await fixture.kubeconfig(`watch-${method.name}`, [{name: method.name, user: method.entry}])});
			const from = fixture.gate.seen.length;
			await feedUntil(target, state => state.items.get('reviews')?.metadata.labels?.['auth-method'] === method.name, async () => {
				await admin.patchRoute('VirtualService', 'bookinfo', 'reviews', [{op: 'add', path: '/metadata/labels', value: {'auth-method': method.name}}]);
			});
			// The patch is the admin's; everything else is the feed's.
			const seen = fixture.gate.seen.slice(from).filter(request => request.kind !== 'patch');
			assert.ok(seen.some(request => request.kind === 'watch'), `${method.name}: the feed watched`);
			for (const request of seen) {
				assert.equal(request.user, method.user, `${method.name}: ${request.kind} ${request.path} as ${method.user}`);
				assert.equal(request.credential, method.credential, `${method.name}: ${request.kind} ${request.path} by ${method.credential}`);
			}
		}
	});

	it('a refused credential: the feed reports the error, unauthorized, naming the user, and keeps no data', async () => {
		const target = loadKubeTarget({kubeconfig: await fixture.kubeconfig('watch-refused', [{name: 'refused', user: {token: 'not-a-token'}}])});
		const state = await feedUntil(target, current => current.status === 'error');
		assert.equal(state.error?.kind, 'unauthorized');
		assert.match(state.error?.message ?? '', /^unauthorized: the API server rejected the credentials of user refused /);
		assert.equal(state.items.size, 0);
	});
});
