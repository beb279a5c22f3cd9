import assert from 'node:assert/strict';
import {writeFileSync} from 'node:fs';
import http from 'node:http';
import type {AddressInfo} from 'node:net';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {after, before, describe, test} from 'node:test';
import {loadKubeTarget, type KubeTarget} from '../../source/kube/config.js';
import {KubeError} from '../../source/kube/errors.js';
import {IstioApi} from '../../source/kube/istio-api.js';
import {startSimCluster} from '../../source/sim/cluster.js';
import {simKubeconfig} from '../../source/sim/kubeconfig.js';
import {backends, type ClusterFixture} from '../helpers/cluster-fixture.js';

const dir = mkdtempSync(path.join(tmpdir(), 'meshtop-istio-api-'));
after(() => {
	rmSync(dir, {recursive: true, force: true});
});

for (const backend of backends) describe(`IstioApi against the ${backend.name}`, {skip: backend.skip}, () => {
	let cluster: ClusterFixture;
	let target: KubeTarget;
	let api: IstioApi;

	before(async () => {
		cluster = await backend.start({prometheus: 'builtin', requestsPerSecond: 1});
		await cluster.resetReviews();
		target = loadKubeTarget({kubeconfig: cluster.kubeconfig, env: {}});
		api = new IstioApi(target);
	});

	after(async () => {
		await cluster?.stop();
	});

	/** The weights of the reviews route, as the API server has them. */
	const storedWeights = async (): Promise<unknown> => {
		const stored = await cluster.getObject('virtualservice', 'reviews');
		const http = (stored.spec as {http?: Array<{route?: Array<{weight?: number}>}>}).http;
		return http?.[0]?.route?.map(destination => destination.weight);
	};

	test('version() picks v1 through API discovery', async () => {
		assert.equal(await api.version(), 'v1');
	});

	test('lists and gets the Bookinfo VirtualServices and DestinationRules', async () => {
		const {items, resourceVersion} = await api.listVirtualServices('bookinfo');
		assert.deepEqual(items.map(vs => vs.metadata.name).sort(), ['details', 'productpage', 'ratings', 'reviews']);
		assert.match(resourceVersion, /^\d+$/);
		assert.ok(items.every(vs => vs.apiVersion === 'networking.istio.io/v1' && vs.kind === 'VirtualService'));
		const reviews = await api.getVirtualService('bookinfo', 'reviews');
		assert.deepEqual(reviews.spec['hosts'], ['reviews']);
		const rules = await api.listDestinationRules('bookinfo');
		const reviewsRule = rules.find(rule => rule.host === 'reviews');
		assert.deepEqual(reviewsRule?.subsets.map(subset => subset.name), ['v1', 'v2', 'v3']);
		assert.deepEqual(reviewsRule?.subsets[2]?.labels, {version: 'v3'});
	});

	test('getVirtualService of a missing name is not-found', async () => {
		await assert.rejects(api.getVirtualService('bookinfo', 'nope'), (error: unknown) => error instanceof KubeError && error.kind === 'not-found' && /"nope"/.test(error.message));
	});

	test('a JSON Patch with a current resourceVersion test applies; a stale one is a conflict and changes nothing', async () => {
		const before = await api.getVirtualService('bookinfo', 'reviews');
		const staleVersion = before.metadata.resourceVersion;
		const patched = await api.patchRoute('VirtualService', 'bookinfo', 'reviews', [
			{op: 'test', path: '/metadata/resourceVersion', value: staleVersion},
			{op: 'add', path: '/spec/http/0/route/0/weight', value: 100},
		]);
		assert.notEqual(patched.metadata.resourceVersion, staleVersion);
		assert.deepEqual(await storedWeights(), [100]);

		await assert.rejects(api.patchRoute('VirtualService', 'bookinfo', 'reviews', [
			{op: 'test', path: '/metadata/resourceVersion', value: staleVersion},
			{op: 'replace', path: '/spec/http/0/route/0/weight', value: 40},
		]), (error: unknown) => {
			assert.ok(error instanceof KubeError);
			assert.equal(error.kind, 'conflict');
			assert.match(error.message, /reviews.*changed by someone else/);
			return true;
		});
		assert.deepEqual(await storedWeights(), [100]);
		assert.equal((await api.getVirtualService('bookinfo', 'reviews')).metadata.resourceVersion, patched.metadata.resourceVersion);
	});

	test('a patch that does not apply to an unchanged object is invalid, not a conflict', async () => {
		const current = await api.getVirtualService('bookinfo', 'reviews');
		await assert.rejects(api.patchRoute('VirtualService', 'bookinfo', 'reviews', [
			{op: 'test', path: '/metadata/resourceVersion', value: current.metadata.resourceVersion},
			{op: 'replace', path: '/spec/http/7/route/0/weight', value: 40},
		]), (error: unknown) => error instanceof KubeError && error.kind === 'invalid' && error.status === 422);
	});

	test('a patch denied by RBAC is forbidden, naming verb, resource, namespace and user', async t => {
		// The sim stands in for RBAC with deny rules; the test bed has a real read-only user.
		cluster.sim?.apiServer.setDenyRules([{verb: 'patch', group: 'networking.istio.io', resource: 'virtualservices'}]);
		t.after(() => {
			cluster.sim?.apiServer.setDenyRules([]);
		});
		const user = cluster.sim === undefined ? 'viewer' : cluster.user;
		const denied = cluster.sim === undefined ? new IstioApi(loadKubeTarget({kubeconfig: cluster.kubeconfig, context: 'testbed-viewer', env: {}})) : api;
		await assert.rejects(denied.patchRoute('VirtualService', 'bookinfo', 'reviews', [{op: 'add', path: '/spec/http/0/route/0/weight', value: 100}]), (error: unknown) => {
			assert.ok(error instanceof KubeError);
			assert.equal(error.kind, 'forbidden');
			assert.equal(error.status, 403);
			assert.equal(error.message, `forbidden: cannot patch virtualservices.networking.istio.io in namespace bookinfo (user ${user})`);
			return true;
		});
	});

	test('events about a VirtualService are written and read back, oldest first', async () => {
		const reviews = await api.getVirtualService('bookinfo', 'reviews');
		await api.createEvent('bookinfo', {involvedName: 'reviews', involvedUid: reviews.metadata['uid'] as string, reason: 'WeightsChanged', message: 'v1 100 → 50, v3 0 → 50', action: 'Patch'});
		await api.createEvent('bookinfo', {involvedName: 'ratings', reason: 'WeightsChanged', message: 'not about reviews', action: 'Patch'});
		await api.createEvent('bookinfo', {involvedName: 'reviews', reason: 'RolledBack', message: 'v1 100', action: 'Patch'});
		// Other suites record meshtop's own Events on reviews; these two reasons are this test's.
		const events = (await api.listEvents('bookinfo', 'reviews')).filter(event => ['WeightsChanged', 'RolledBack'].includes(event.reason));
		assert.deepEqual(events.map(event => [event.reason, event.message]), [['WeightsChanged', 'v1 100 → 50, v3 0 → 50'], ['RolledBack', 'v1 100']]);
		assert.ok(events.every(event => !Number.isNaN(Date.parse(event.time))));
	});

	test('an unreachable API server is reported as such', {skip: backend.name === 'sim' ? false : 'one is enough: this starts and stops a sim of its own'}, async () => {
		const stopped = await startSimCluster({prometheus: 'builtin', requestsPerSecond: 1});
		const file = path.join(dir, 'stopped');
		await stopped.writeKubeconfig(file);
		await stopped.stop();
		const unreachable = new IstioApi(loadKubeTarget({kubeconfig: file, env: {}}));
		await assert.rejects(unreachable.version(), (error: unknown) => error instanceof KubeError && error.kind === 'unreachable' && error.message.startsWith(`cannot reach the API server ${stopped.server}: connect ECONNREFUSED`));
	});
});

describe('IstioApi version discovery', () => {
	/** A server whose /apis serves networking.istio.io in the given versions (none: the group is absent). */
	async function discoveryServer(versions: string[], group = 'networking.istio.io'): Promise<{target: KubeTarget; close: () => Promise<void>}> {
		const server = http.createServer((request, response) => {
			const groups = versions.length === 0 ? [] : [{
				name: group,
				versions: versions.map(version => ({groupVersion: `${group}/${version}`, version})),
				preferredVersion: {groupVersion: `${group}/${versions[0]}`, version: versions[0]},
			}];
			response.writeHead(request.url === '/apis' ? 200 : 404, {'content-type': 'application/json'});
			response.end(JSON.stringify({kind: 'APIGroupList', apiVersion: 'v1', groups}));
		});
		await new Promise<void>(resolve => {
			server.listen(0, '127.0.0.1', resolve);
		});
		const file = path.join(dir, `discovery-${group}-${versions.join('-') || 'none'}`);
		writeFileSync(file, simKubeconfig({server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`}));
		return {
			target: loadKubeTarget({kubeconfig: file, env: {}}),
			async close() {
				server.closeAllConnections();
				await new Promise(resolve => {
					server.close(resolve);
				});
			},
		};
	}

	test('prefers v1, then v1beta1, then v1alpha3, whatever the server prefers', async t => {
		for (const [served, expected] of [[['v1alpha3', 'v1beta1', 'v1'], 'v1'], [['v1alpha3', 'v1beta1'], 'v1beta1'], [['v1alpha3'], 'v1alpha3']] as const) {
			const fake = await discoveryServer([...served]);
			t.after(fake.close);
			assert.equal(await new IstioApi(fake.target).version(), expected);
		}
	});

	test('HTTPRoutes: gateway.networking.k8s.io v1, else v1beta1; without the group, none (VirtualServices only)', async t => {
		for (const [served, expected] of [[['v1beta1', 'v1'], 'v1'], [['v1beta1'], 'v1beta1'], [['v1alpha2'], undefined], [[], undefined]] as const) {
			const fake = await discoveryServer([...served], 'gateway.networking.k8s.io');
			t.after(fake.close);
			assert.equal(await new IstioApi(fake.target).gatewayVersion(), expected, `served ${served.join(', ') || 'nothing'}`);
		}
	});

	test('without the Istio API group: not-found, asking whether Istio is installed', async t => {
		const fake = await discoveryServer([]);
		t.after(fake.close);
		await assert.rejects(new IstioApi(fake.target).version(), (error: unknown) => error instanceof KubeError && error.kind === 'not-found' && /does not serve the API group networking\.istio\.io.*is Istio installed/.test(error.message));
	});
});
