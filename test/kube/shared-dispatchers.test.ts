/**
 * Connections to the API server are reused across requests (client-node alone made a new Agent, hence a new TCP
 * connection and TLS handshake, for every request), for every auth method, and closing the kept ones really ends them.
 */
import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';
import {loadKubeTarget} from '../../source/kube/config.js';
import {KubeRest} from '../../source/kube/rest.js';
import {closeSharedDispatchers, sharedDispatcherCount} from '../../source/kube/shared-dispatchers.js';
import {startAuthFixture, type AuthFixture} from '../helpers/auth-fixture.js';

/** Remote ports the TLS gate saw for the requests after `from`: one port per client connection. */
function portsSince(fixture: AuthFixture, from: number): Set<number> {
	return new Set(fixture.gate.seen.slice(from).map(request => request.remotePort));
}

describe('shared transports (one TLS connection for many requests)', {timeout: 60_000}, () => {
	let fixture: AuthFixture;
	before(async () => {
		fixture = await startAuthFixture();
	});
	after(async () => fixture.stop());

	it('each auth method: five GETs in a row reuse their connection (one or two, not five)', async () => {
		for (const name of ['token', 'client-certificate-data', 'exec', 'exec-certificate', 'basic']) {
			const method = fixture.methods.find(candidate => candidate.name === name);
			assert.ok(method, `the fixture has ${name}`);
			const kubeconfig = await fixture.kubeconfig(`shared-${name}`, [{name, user: method.entry}]);
			const {kc} = loadKubeTarget({kubeconfig, env: {}});
			const rest = new KubeRest(kc);
			const from = fixture.gate.seen.length;
			for (let index = 0; index < 5; index++) {
				await rest.get('/api/v1/namespaces/bookinfo/services');
			}

			assert.equal(fixture.gate.seen.length - from, 5, `${name}: five requests reached the server`);
			// A client may open a second connection while the first is still finishing its answer; never one per request.
			assert.ok(portsSince(fixture, from).size <= 2, `${name}: at most two client connections for five requests (ports ${fixture.gate.seen.slice(from).map(request => request.remotePort).join(' ')})`);
			assert.equal(sharedDispatcherCount(kc), 1, `${name}: one dispatcher kept`);
			await closeSharedDispatchers(kc);
		}
	});

	it('closeSharedDispatchers ends the connection: the next request opens a new one', async () => {
		const method = fixture.methods.find(candidate => candidate.name === 'token')!;
		const kubeconfig = await fixture.kubeconfig('shared-close', [{name: 'token', user: method.entry}]);
		const {kc} = loadKubeTarget({kubeconfig, env: {}});
		const rest = new KubeRest(kc);
		const from = fixture.gate.seen.length;
		await rest.get('/api/v1/namespaces/bookinfo/services');
		await closeSharedDispatchers(kc);
		assert.equal(sharedDispatcherCount(kc), 0);
		await rest.get('/api/v1/namespaces/bookinfo/services');
		assert.equal(portsSince(fixture, from).size, 2, 'a second connection after close');
		await closeSharedDispatchers(kc);
	});
});
