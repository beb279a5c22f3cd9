/**
 * Every kubeconfig auth method on meshtop's REST path (KubeRest under IstioApi: discovery, GET, JSON Patch), against
 * an API server that checks the credential (test/helpers/auth-gate.ts), and what a wrong or missing one looks like.
 */
import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';
import {loadKubeTarget} from '../../source/kube/config.js';
import {KubeError} from '../../source/kube/errors.js';
import {IstioApi} from '../../source/kube/istio-api.js';
import {startAuthFixture, tokens, type AuthFixture} from '../helpers/auth-fixture.js';
import {getAndPatch} from '../helpers/auth-paths.js';

describe('auth methods on the REST path (KubeRest: GET and PATCH)', {timeout: 60_000}, () => {
	let fixture: AuthFixture;
	before(async () => {
		fixture = await startAuthFixture();
	});
	after(async () => fixture.stop());

	it('each method: every request reaches the API server as the method\'s user', async () => {
		for (const method of fixture.methods) {
			const kubeconfig = await fixture.kubeconfig(`rest-${method.name}`, [{name: method.name, user: method.entry}]);
			const seen = await getAndPatch(fixture, kubeconfig);
			assert.deepEqual(new Set(seen.map(request => request.kind)), new Set(['get', 'patch']), method.name);
			for (const request of seen) {
				assert.equal(request.user, method.user, `${method.name}: ${request.kind} ${request.path} as ${method.user}`);
				assert.equal(request.credential, method.credential, `${method.name}: ${request.kind} ${request.path} by ${method.credential}`);
			}
		}
	});

	it('a wrong token, a missing credential, an expired OIDC id-token: 401, and meshtop says the credentials were rejected', async () => {
		const cases = [
			{name: 'wrong-token', user: {token: 'not-a-token'}},
			{name: 'no-credential', user: {}},
			// client-node drops an expired id-token it cannot refresh (no refresh-token): the request goes without one.
			{name: 'expired-oidc', user: {'auth-provider': {name: 'oidc', config: {'client-id': 'meshtop', 'idp-issuer-url': 'https://issuer.example', 'id-token': fixture.idTokens.expired}}}},
			{name: 'wrong-basic', user: {username: 'frank', password: 'guess'}},
		];
		for (const {name, user} of cases) {
			const kubeconfig = await fixture.kubeconfig(`rest-${name}`, [{name, user}]);
			await assert.rejects(getAndPatch(fixture, kubeconfig), (error: unknown) => {
				assert.ok(error instanceof KubeError, name);
				assert.equal(error.kind, 'unauthorized', name);
				assert.match(error.message, new RegExp(`^unauthorized: the API server rejected the credentials of user ${name} \\(cannot [^)]+\\); log in again or check the kubeconfig user$`));
				return true;
			});
		}
	});

	it('credentials that cannot be had (a failing exec plugin, an expired id-token whose refresh fails): unauthorized, with the reason, and nothing sent', async () => {
		const cases = [
			{name: 'failing-exec', user: {exec: {apiVersion: 'client.authentication.k8s.io/v1', command: '/bin/sh', args: ['-c', 'echo "session expired: run corp-login" >&2; exit 1'], interactiveMode: 'Never'}}, reason: /session expired: run corp-login/},
			// client-node 2.0.1 hands openid-client 6 the issuer as a string, which it refuses before any request: no OIDC
			// refresh works. meshtop cannot repair that inside client-node; it says so instead of "get … failed".
			{name: 'unrefreshable-oidc', user: {'auth-provider': {name: 'oidc', config: {'client-id': 'meshtop', 'idp-issuer-url': 'https://127.0.0.1:1', 'id-token': fixture.idTokens.expired, 'refresh-token': 'refresh-me'}}}, reason: /.+/},
		];
		for (const {name, user, reason} of cases) {
			const from = fixture.gate.seen.length;
			const kubeconfig = await fixture.kubeconfig(`rest-${name}`, [{name, user}]);
			await assert.rejects(getAndPatch(fixture, kubeconfig), (error: unknown) => {
				assert.ok(error instanceof KubeError, name);
				assert.equal(error.kind, 'unauthorized', name);
				assert.match(error.message, new RegExp(`^cannot get the credentials of kubeconfig user ${name}: .+; log in again or check the kubeconfig user$`));
				assert.match(error.message, reason);
				return true;
			});
			assert.equal(fixture.gate.seen.length, from, `${name}: no request was sent`);
		}
	});

	it('tokenFile (kubectl\'s field, relative to the kubeconfig): a rotated token is used at the next request', async () => {
		const kubeconfig = await fixture.kubeconfig('rest-rotation', [{name: 'rotation', user: {tokenFile: 'secrets/bob.token', token: 'stale-static-token'}}]);
		const api = new IstioApi(loadKubeTarget({kubeconfig}));
		await api.getRoute('VirtualService', 'bookinfo', 'reviews');
		await fixture.rotateToken(tokens.bob[1]);
		try {
			const from = fixture.gate.seen.length;
			await api.getRoute('VirtualService', 'bookinfo', 'reviews');
			assert.deepEqual(fixture.gate.seen.slice(from).map(request => request.user), ['bob']);
			await fixture.rotateToken('revoked');
			await assert.rejects(api.getRoute('VirtualService', 'bookinfo', 'reviews'), {kind: 'unauthorized'});
		} finally {
			await fixture.rotateToken(tokens.bob[0]);
		}
	});

	it('exec plugin: run once while its ExecCredential is unexpired, again for each request once it has expired', async () => {
		const exec = fixture.methods.find(method => method.name === 'exec')!.entry['exec'] as {env: Array<{name: string; value: string}>};
		const expiring = {exec: {...exec, env: exec.env.map(variable => (variable.name === 'TOKEN_TTL_SECONDS' ? {...variable, value: '-1'} : variable))}};
		const cached = await fixture.kubeconfig('rest-exec-cached', [{name: 'exec', user: fixture.methods.find(method => method.name === 'exec')!.entry}]);
		const expired = await fixture.kubeconfig('rest-exec-expired', [{name: 'exec', user: expiring}]);

		let before = await fixture.execRuns();
		const seen = await getAndPatch(fixture, cached);
		assert.equal(await fixture.execRuns() - before, 1, `one run for ${seen.length} requests`);

		before = await fixture.execRuns();
		const again = await getAndPatch(fixture, expired);
		assert.equal(await fixture.execRuns() - before, again.length, 'one run per request');
		assert.ok(again.every(request => request.user === 'dave'));
	});

	it('--context picks the user among several in one kubeconfig', async () => {
		const [token, certificate] = [fixture.methods[0]!, fixture.methods[2]!];
		const kubeconfig = await fixture.kubeconfig('rest-contexts', [{name: token.name, user: token.entry}, {name: certificate.name, user: certificate.entry}]);
		assert.ok((await getAndPatch(fixture, kubeconfig)).every(request => request.user === token.user), 'the current context');
		assert.ok((await getAndPatch(fixture, kubeconfig, certificate.name)).every(request => request.user === certificate.user && request.credential === 'certificate'), '--context');
	});
});
