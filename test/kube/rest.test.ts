import assert from 'node:assert/strict';
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import http from 'node:http';
import type {AddressInfo} from 'node:net';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {after, before, describe, test} from 'node:test';
import {stringify} from 'yaml';
import {loadKubeTarget} from '../../source/kube/config.js';
import {toKubeError} from '../../source/kube/errors.js';
import {IstioApi} from '../../source/kube/istio-api.js';
import {KubeHttpError, KubeRest} from '../../source/kube/rest.js';
import {withBody} from '../helpers/with-body.js';

/** What the fake API server saw of one request. */
interface Seen {
	method: string;
	url: string;
	authorization: string | undefined;
	contentType: string | undefined;
	body: string;
}

const dir = mkdtempSync(path.join(tmpdir(), 'meshtop-rest-'));
const seen: Seen[] = [];
let answer: {status: number; body: unknown} = {status: 200, body: {}};
const server = http.createServer(withBody((request, response, body) => {
	seen.push({method: request.method ?? '', url: request.url ?? '', authorization: request.headers.authorization, contentType: request.headers['content-type'], body});
	response.writeHead(answer.status, {'content-type': 'application/json'});
	response.end(JSON.stringify(answer.body));
}));
let serverUrl = '';

/** A kubeconfig of one context on the fake server with `user` (a token, an exec plugin, …). */
function kubeconfigWith(name: string, user: Record<string, unknown>): string {
	const file = path.join(dir, `${name}.yaml`);
	writeFileSync(file, stringify({
		apiVersion: 'v1',
		kind: 'Config',
		clusters: [{name: 'fake', cluster: {server: serverUrl, 'insecure-skip-tls-verify': true}}],
		users: [{name, user}],
		contexts: [{name: 'fake', context: {cluster: 'fake', user: name, namespace: 'bookinfo'}}],
		'current-context': 'fake',
	}));
	return file;
}

before(async () => {
	await new Promise<void>(resolve => {
		server.listen(0, '127.0.0.1', resolve);
	});
	serverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
	server.closeAllConnections();
	await new Promise(resolve => {
		server.close(resolve);
	});
	rmSync(dir, {recursive: true, force: true});
});

describe('KubeRest: client-node\'s request path without its generated API classes', () => {
	test('GET with a query, POST and PATCH with their content types; answers parsed from JSON', async () => {
		seen.length = 0;
		answer = {status: 200, body: {kind: 'PodList', items: [{metadata: {name: 'p'}}]}};
		const rest = new KubeRest(loadKubeTarget({kubeconfig: kubeconfigWith('token', {token: 'secret-token'}), env: {}}).kc);
		assert.deepEqual(await rest.get('/api/v1/namespaces/bookinfo/pods', {labelSelector: 'app=prometheus', fieldSelector: undefined}), answer.body);
		await rest.post('/api/v1/namespaces/bookinfo/events', {kind: 'Event'});
		await rest.patch('/apis/networking.istio.io/v1/namespaces/bookinfo/virtualservices/reviews?fieldManager=meshtop', [{op: 'test', path: '/metadata/resourceVersion', value: '7'}], 'application/json-patch+json');
		assert.deepEqual(seen.map(request => [request.method, request.url, request.contentType ?? '']), [
			['GET', '/api/v1/namespaces/bookinfo/pods?labelSelector=app%3Dprometheus', ''],
			['POST', '/api/v1/namespaces/bookinfo/events', 'application/json'],
			['PATCH', '/apis/networking.istio.io/v1/namespaces/bookinfo/virtualservices/reviews?fieldManager=meshtop', 'application/json-patch+json'],
		]);
		assert.deepEqual(JSON.parse(seen[2]!.body), [{op: 'test', path: '/metadata/resourceVersion', value: '7'}]);
		assert.ok(seen.every(request => request.authorization === 'Bearer secret-token'), 'the kubeconfig token on every request');
	});

	test('an exec credential plugin\'s token is sent (client-node runs the plugin)', async () => {
		seen.length = 0;
		answer = {status: 200, body: {}};
		const credential = JSON.stringify({apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: {token: 'from-exec-plugin'}});
		const kubeconfig = kubeconfigWith('exec', {exec: {
			apiVersion: 'client.authentication.k8s.io/v1',
			command: process.execPath,
			args: ['-e', `process.stdout.write(${JSON.stringify(credential)})`],
			interactiveMode: 'Never',
		}});
		await new KubeRest(loadKubeTarget({kubeconfig, env: {}}).kc).get('/api/v1/namespaces/bookinfo');
		assert.equal(seen[0]?.authorization, 'Bearer from-exec-plugin');
	});

	test('a refusal carries the status and the Status body, which errors.ts reads as client-node\'s ApiException', async () => {
		answer = {status: 403, body: {kind: 'Status', code: 403, reason: 'Forbidden', message: 'virtualservices.networking.istio.io "reviews" is forbidden: User "viewer" cannot patch resource'}};
		const rest = new KubeRest(loadKubeTarget({kubeconfig: kubeconfigWith('viewer', {token: 'viewer-token'}), env: {}}).kc);
		const failure = await rest.get('/apis/networking.istio.io/v1/namespaces/bookinfo/virtualservices/reviews').then(() => undefined, (error: unknown) => error);
		assert.ok(failure instanceof KubeHttpError);
		assert.equal(failure.code, 403);
		const mapped = toKubeError(failure, {verb: 'patch', resource: 'virtualservices.networking.istio.io', namespace: 'bookinfo', user: 'viewer'});
		assert.equal(mapped.kind, 'forbidden');
		assert.match(mapped.message, /cannot patch/);
	});

	test('IstioApi asks for /apis once for both discoveries (Istio\'s and the Gateway API\'s)', async () => {
		seen.length = 0;
		answer = {status: 200, body: {kind: 'APIGroupList', groups: [
			{name: 'networking.istio.io', versions: [{version: 'v1'}]},
			{name: 'gateway.networking.k8s.io', versions: [{version: 'v1'}]},
		]}};
		const api = new IstioApi(loadKubeTarget({kubeconfig: kubeconfigWith('discovery', {token: 't'}), env: {}}));
		assert.deepEqual(await Promise.all([api.version(), api.gatewayVersion()]), ['v1', 'v1']);
		assert.deepEqual(seen.map(request => request.url), ['/apis']);
	});
});
