/**
 * meshtop's REST calls go over Node's own HTTP client (source/kube/node-request.ts) with the headers and TLS material
 * client-node prepares: for every auth method the API server sees the method's user, the requests share one kept
 * connection, no undici dispatcher is built, and a kept idle connection does not hold a process open. A `proxy-url`
 * still goes through undici's ProxyAgent.
 */
import assert from 'node:assert/strict';
import {execFile} from 'node:child_process';
import net from 'node:net';
import {writeFile} from 'node:fs/promises';
import path from 'node:path';
import {HttpMethod, RequestContext} from '@kubernetes/client-node/dist/gen/http/http.js';
import {request, type Dispatcher} from 'undici';
import {stringify} from 'yaml';
import {promisify} from 'node:util';
import {after, before, describe, it} from 'node:test';
import {loadKubeTarget} from '../../source/kube/config.js';
import {toKubeError} from '../../source/kube/errors.js';
import {KubeRest} from '../../source/kube/rest.js';
import {closeSharedDispatchers, sharedDispatcherCount, undiciDispatcherCount} from '../../source/kube/shared-dispatchers.js';
import {startAuthFixture, type AuthFixture} from '../helpers/auth-fixture.js';
import {trackConnections} from '../helpers/tracked-server.js';

const run = promisify(execFile);

describe('REST over Node\'s http with client-node\'s auth', {timeout: 90_000}, () => {
	let fixture: AuthFixture;
	before(async () => {
		fixture = await startAuthFixture();
	});
	after(async () => fixture.stop());

	it('each auth method: five GETs as the method\'s user, over one Node connection, with no undici dispatcher built', async () => {
		for (const method of fixture.methods) {
			const kubeconfig = await fixture.kubeconfig(`node-${method.name}`, [{name: method.name, user: method.entry}]);
			const {kc} = loadKubeTarget({kubeconfig, env: {}});
			const rest = new KubeRest(kc);
			const from = fixture.gate.seen.length;
			for (let index = 0; index < 5; index++) {
				await rest.get('/api/v1/namespaces/bookinfo/services');
			}

			const seen = fixture.gate.seen.slice(from);
			assert.deepEqual(seen.map(request => `${request.credential} ${request.user}`), Array.from({length: 5}, () => `${method.credential} ${method.user}`), `${method.name}: every request as ${method.user}`);
			// One request at a time: Node's agent hands the idle connection to the next one.
			assert.equal(new Set(seen.map(request => request.remotePort)).size, 1, `${method.name}: one connection (ports ${seen.map(request => request.remotePort).join(' ')})`);
			assert.equal(sharedDispatcherCount(kc), 1, `${method.name}: one transport kept`);
			assert.equal(undiciDispatcherCount(kc), 0, `${method.name}: no undici dispatcher built`);
			await closeSharedDispatchers(kc);
		}
	});

	it('proxy-url: through undici\'s ProxyAgent and the proxy\'s CONNECT tunnel', async () => {
		const token = fixture.methods.find(method => method.name === 'token')!;
		const kubeconfig = await fixture.kubeconfig('node-proxied', [{name: 'proxied', user: token.entry, cluster: {server: fixture.gate.url, 'certificate-authority-data': Buffer.from(fixture.ca.pem).toString('base64'), 'proxy-url': fixture.proxy.url}}]);
		const {kc} = loadKubeTarget({kubeconfig, env: {}});
		const tunnels = fixture.proxy.tunnels.length;
		const from = fixture.gate.seen.length;
		await new KubeRest(kc).get('/api/v1/namespaces/bookinfo/services');
		assert.equal(fixture.proxy.tunnels.length, tunnels + 1, 'one CONNECT tunnel');
		assert.equal(fixture.gate.seen[from]?.user, token.user);
		assert.equal(undiciDispatcherCount(kc), 1, 'undici\'s ProxyAgent');
		await closeSharedDispatchers(kc);
	});

	it('the transport client-node sets on a request is an undici dispatcher too (its fetch, undici\'s request())', async () => {
		const method = fixture.methods.find(candidate => candidate.name === 'client-certificate-data')!;
		const kubeconfig = await fixture.kubeconfig('node-undici', [{name: method.name, user: method.entry}]);
		const {kc} = loadKubeTarget({kubeconfig, env: {}});
		const url = `${fixture.gate.url}/api/v1/namespaces/bookinfo/services`;
		const context = new RequestContext(url, HttpMethod.GET);
		await kc.applySecurityAuthentication(context);
		const from = fixture.gate.seen.length;
		const response = await request(url, {headers: context.getHeaders(), dispatcher: context.getDispatcher() as Dispatcher});
		await response.body.dump();
		assert.equal(response.statusCode, 200);
		assert.equal(fixture.gate.seen[from]?.user, method.user, 'through the dispatcher with the client certificate');
		assert.equal(undiciDispatcherCount(kc), 1);
		await closeSharedDispatchers(kc);
	});

	it('kept idle connections do not hold a process open: once the answers are in, no socket is referenced', async () => {
		const method = fixture.methods.find(candidate => candidate.name === 'client-certificate-data')!;
		const kubeconfig = await fixture.kubeconfig('node-exit', [{name: method.name, user: method.entry}]);
		const config = new URL('../../source/kube/config.js', import.meta.url).href;
		const rest = new URL('../../source/kube/rest.js', import.meta.url).href;
		const script = [
			`const {loadKubeTarget} = await import(${JSON.stringify(config)});`,
			`const {KubeRest} = await import(${JSON.stringify(rest)});`,
			`const api = new KubeRest(loadKubeTarget({kubeconfig: ${JSON.stringify(kubeconfig)}, env: {}}).kc);`,
			'await api.get(\'/api/v1/namespaces/bookinfo/services\');',
			'await api.get(\'/api/v1/namespaces/bookinfo/services\');',
			// What still holds the event loop once the answers are in (a referenced socket is a TLSWrap).
			'await new Promise(resolve => setImmediate(resolve));',
			'console.log(JSON.stringify(process.getActiveResourcesInfo()));',
		].join('\n');
		// A connection left referenced would keep the child alive until the server drops it.
		const {stdout} = await run(process.execPath, ['--input-type=module', '-e', script], {timeout: 30_000});
		const holding = JSON.parse(stdout) as string[];
		assert.deepEqual(holding.filter(kind => /TLS|TCP|Socket/i.test(kind)), [], `nothing network holds the process (${holding.join(', ')})`);
	});

	it('an API server that accepts the connection and never completes TLS: unreachable after the connect limit, not held forever', {timeout: 40_000}, async t => {
		const silent = trackConnections(net.createServer());
		// Without the limit the request never ends: the test times out, and its connection must not outlive it.
		t.signal.addEventListener('abort', silent.destroyAll);
		await new Promise<void>(resolve => {
			silent.server.listen(0, '127.0.0.1', resolve);
		});
		try {
			const {port} = silent.server.address() as net.AddressInfo;
			const kubeconfig = path.join(fixture.directory, 'node-silent.yaml');
			await writeFile(kubeconfig, stringify({
				apiVersion: 'v1',
				kind: 'Config',
				clusters: [{name: 'silent', cluster: {server: `https://127.0.0.1:${port}`, 'certificate-authority-data': Buffer.from(fixture.ca.pem).toString('base64')}}],
				users: [{name: 'silent', user: {token: 'any'}}],
				contexts: [{name: 'silent', context: {cluster: 'silent', user: 'silent'}}],
				'current-context': 'silent',
			}));
			const {kc} = loadKubeTarget({kubeconfig, env: {}});
			const failure = await new KubeRest(kc).get('/apis').then(() => undefined, (error: unknown) => error);
			assert.equal((failure as {code?: string} | undefined)?.code, 'ETIMEDOUT');
			assert.equal(toKubeError(failure, {verb: 'get', resource: 'apis'}).kind, 'unreachable');
			await closeSharedDispatchers(kc);
		} finally {
			await silent.close();
		}
	});
});
