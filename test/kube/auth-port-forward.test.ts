/**
 * Every kubeconfig auth method on meshtop's port-forward path (port-forward.ts over client-node's PortForward and
 * WebSocket handler, which builds its own TLS options and Authorization header), against an API server that checks
 * the credential: the WebSocket upgrade goes as the method's user and Prometheus answers through it; a refused one
 * fails the forward with the same wording as the REST path.
 */
import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';
import {loadKubeTarget} from '../../source/kube/config.js';
import {startAuthFixture, type AuthFixture} from '../helpers/auth-fixture.js';
import {buildInfoThrough, prometheusPod} from '../helpers/auth-paths.js';
import {waitFor} from '../helpers/wait-for.js';

describe('auth methods on the port-forward path (client-node\'s PortForward WebSocket)', {timeout: 90_000}, () => {
	let fixture: AuthFixture;
	let pod: string;
	before(async () => {
		fixture = await startAuthFixture();
		pod = prometheusPod(fixture);
	});
	after(async () => fixture.stop());

	it('each method: the WebSocket upgrade is made as the method\'s user, and Prometheus answers through it', async () => {
		for (const method of fixture.methods) {
			const target = loadKubeTarget({kubeconfig: await fixture.kubeconfig(`forward-${method.name}`, [{name: method.name, user: method.entry}])});
			const from = fixture.gate.seen.length;
			const {status, forward} = await buildInfoThrough(target, pod);
			await forward.stop();
			assert.equal(status, 200, `${method.name}: Prometheus answered through the forward`);
			const upgrades = fixture.gate.seen.slice(from).filter(request => request.kind === 'portforward');
			assert.equal(upgrades.length, 1, `${method.name}: one WebSocket upgrade`);
			assert.equal(upgrades[0]!.user, method.user, `${method.name}: the upgrade as ${method.user}`);
			assert.equal(upgrades[0]!.credential, method.credential, `${method.name}: the upgrade by ${method.credential}`);
		}
	});

	it('a refused credential: the forward fails, unauthorized, naming the user and pods/portforward', async () => {
		const target = loadKubeTarget({kubeconfig: await fixture.kubeconfig('forward-refused', [{name: 'refused', user: {token: 'not-a-token'}}])});
		const {status, forward} = await buildInfoThrough(target, pod);
		try {
			assert.equal(status, undefined, 'nothing answers through a refused forward');
			const failed = await waitFor(() => forward.status().state === 'failed' && forward.status(), {message: 'the forward fails'});
			assert.equal(failed.error, 'unauthorized: the API server rejected the credentials of user refused (cannot create pods/portforward); log in again or check the kubeconfig user');
		} finally {
			await forward.stop();
		}
	});
});
