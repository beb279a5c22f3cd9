/**
 * A command's first reads go out beside API discovery, at the preferred version, and count only when discovery
 * confirms it: against an API server across a network, `meshtop set` waits 3 round trips instead of 5.
 */
import assert from 'node:assert/strict';
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import http from 'node:http';
import type {AddressInfo} from 'node:net';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {after, test, type TestContext} from 'node:test';
import {loadKubeTarget} from '../../source/kube/config.js';
import {KubeError} from '../../source/kube/errors.js';
import {IstioApi} from '../../source/kube/istio-api.js';
import {simKubeconfig} from '../../source/sim/kubeconfig.js';
import {connect} from '../../source/commands/connect.js';

const dir = mkdtempSync(path.join(tmpdir(), 'meshtop-early-reads-'));
after(() => {
	rmSync(dir, {recursive: true, force: true});
});

const group = 'networking.istio.io';

/** What the server saw: each request's path, and whether discovery (GET /apis) was still unanswered when it came. */
interface Seen {
	path: string;
	beforeDiscovery: boolean;
}

/**
 * An API server serving networking.istio.io in `versions`, the reviews VirtualService at each of them, and a 404 for
 * anything else, as kube-apiserver answers a version it does not serve. GET /apis is answered once
 * `readsBeforeDiscovery` other requests have come, or after a second: a read that waits for discovery arrives after
 * its answer.
 */
async function server(t: TestContext, versions: readonly string[], apisStatus = 200, readsBeforeDiscovery = 1): Promise<{api: IstioApi; kubeconfig: string; seen: Seen[]}> {
	const seen: Seen[] = [];
	let discoveryAnswered = false;
	let answerDiscovery: (() => void) | undefined;
	const listener = http.createServer((request, response) => {
		const url = request.url ?? '/';
		seen.push({path: url, beforeDiscovery: !discoveryAnswered});
		if (url === '/apis') {
			const answer = () => {
				discoveryAnswered = true;
				answerDiscovery = undefined;
				clearTimeout(timer);
				response.writeHead(apisStatus, {'content-type': 'application/json'});
				response.end(JSON.stringify(apisStatus === 200
					? {kind: 'APIGroupList', apiVersion: 'v1', groups: [{name: group, versions: versions.map(version => ({groupVersion: `${group}/${version}`, version}))}]}
					: {kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Forbidden', code: apisStatus, message: 'forbidden: User "u" cannot get path "/apis"'}));
			};

			const timer = setTimeout(answer, 1000);
			answerDiscovery = answer;
			if (seen.length > readsBeforeDiscovery) {
				answer();
			}

			return;
		}

		const match = /^\/apis\/networking\.istio\.io\/([^/]+)\/namespaces\/bookinfo\/virtualservices\/reviews$/.exec(url);
		const rules = /^\/apis\/networking\.istio\.io\/([^/]+)\/namespaces\/bookinfo\/destinationrules$/.exec(url);
		if (rules !== null && versions.includes(rules[1]!)) {
			response.writeHead(200, {'content-type': 'application/json'});
			response.end(JSON.stringify({kind: 'DestinationRuleList', metadata: {resourceVersion: '5'}, items: []}));
		} else if (match !== null && versions.includes(match[1]!)) {
			response.writeHead(200, {'content-type': 'application/json'});
			response.end(JSON.stringify({apiVersion: `${group}/${match[1]!}`, kind: 'VirtualService', metadata: {name: 'reviews', namespace: 'bookinfo', resourceVersion: '5'}, spec: {hosts: ['reviews'], http: [{route: [{destination: {host: 'reviews', subset: 'v1'}}]}]}}));
		} else {
			response.writeHead(404, {'content-type': 'application/json'});
			response.end(JSON.stringify({kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404, message: 'the server could not find the requested resource'}));
		}

		if (seen.length > readsBeforeDiscovery) {
			answerDiscovery?.();
		}
	});
	await new Promise<void>(resolve => {
		listener.listen(0, '127.0.0.1', resolve);
	});
	t.after(async () => {
		listener.closeAllConnections();
		await new Promise(resolve => {
			listener.close(resolve);
		});
	});
	const file = path.join(dir, `kubeconfig-${versions.join('-')}-${apisStatus}`);
	writeFileSync(file, simKubeconfig({server: `http://127.0.0.1:${(listener.address() as AddressInfo).port}`}));
	return {api: new IstioApi(loadKubeTarget({kubeconfig: file, env: {}})), kubeconfig: file, seen};
}

/** Each request as `PATH BEFORE-DISCOVERY'S-ANSWER`, sorted: concurrent requests arrive in any order. */
function arrivals(seen: readonly Seen[]): string[] {
	return seen.map(entry => `${entry.path} ${entry.beforeDiscovery}`).sort();
}

test('the route is read at v1 while discovery runs, and that answer is used once discovery says v1', async t => {
	const {api, seen} = await server(t, ['v1beta1', 'v1']);
	const route = await api.getRoute('VirtualService', 'bookinfo', 'reviews');
	assert.equal(route.apiVersion, `${group}/v1`);
	// Both before discovery's answer, in whichever order they came.
	assert.deepEqual(arrivals(seen), [
		'/apis true',
		'/apis/networking.istio.io/v1/namespaces/bookinfo/virtualservices/reviews true',
	]);

	// Discovery answered: later reads go straight to its version.
	await api.getRoute('VirtualService', 'bookinfo', 'reviews');
	assert.deepEqual(seen.slice(2), [{path: '/apis/networking.istio.io/v1/namespaces/bookinfo/virtualservices/reviews', beforeDiscovery: false}]);
});

test('a server without v1: the early read is dropped and the route read again at the version discovery found', async t => {
	const {api, seen} = await server(t, ['v1alpha3', 'v1beta1']);
	const route = await api.getRoute('VirtualService', 'bookinfo', 'reviews');
	assert.equal(route.apiVersion, `${group}/v1beta1`);
	assert.deepEqual(arrivals(seen), [
		'/apis true',
		'/apis/networking.istio.io/v1/namespaces/bookinfo/virtualservices/reviews true',
		'/apis/networking.istio.io/v1beta1/namespaces/bookinfo/virtualservices/reviews false',
	]);
});

test("a failed discovery fails the read with discovery's error, not the early read's", async t => {
	const {api} = await server(t, ['v1'], 403);
	await assert.rejects(api.getRoute('VirtualService', 'bookinfo', 'reviews'), (error: unknown) => error instanceof KubeError && error.kind === 'forbidden' && error.verb === 'discover');
});

test("a command's connect reads the route (either kind) and the DestinationRules beside discovery", async t => {
	const {kubeconfig, seen} = await server(t, ['v1'], 200, 3);
	const connection = await connect({vs: 'reviews', kubeconfig, namespace: 'bookinfo', env: {}});
	t.after(async () => connection.close());
	assert.equal(connection.kind, 'VirtualService');
	assert.deepEqual(arrivals(seen), [
		'/apis true',
		'/apis/gateway.networking.k8s.io/v1/namespaces/bookinfo/httproutes/reviews true',
		'/apis/networking.istio.io/v1/namespaces/bookinfo/destinationrules true',
		'/apis/networking.istio.io/v1/namespaces/bookinfo/virtualservices/reviews true',
	]);
});
