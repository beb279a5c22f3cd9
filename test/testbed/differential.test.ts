/**
 * Keeps the simulated cluster honest: every kind of request meshtop makes is sent to the sim and to the real
 * kube-apiserver of the test bed, and the status codes and bodies are compared after normalising what differs by
 * nature (uids, timestamps, resourceVersions, managedFields). Where they differ, the sim is the one to change.
 */
import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';
import {PassThrough} from 'node:stream';
import {KubeConfig, PortForward} from '@kubernetes/client-node';
import {WebSocketHandler} from '@kubernetes/client-node/dist/web-socket-handler.js';
import {backends, type ClusterFixture} from '../helpers/cluster-fixture.js';
import {rawEndpoint, rawRequest, type RawAnswer, type RawEndpoint} from '../helpers/raw-api.js';
import {simTokenPrefix} from '../../source/sim/kubeconfig.js';

/** Where to send raw requests, as whom. */
interface Endpoint extends RawEndpoint {
	/** Token of a user whose writes are refused (the test bed's viewer; a user with deny rules on the sim). */
	deniedToken: string;
}

type Answer = RawAnswer;
const send = rawRequest;

const volatile = new Set(['uid', 'creationTimestamp', 'resourceVersion', 'managedFields', 'generation', 'selfLink', 'firstTimestamp', 'lastTimestamp', 'eventTime']);

/** Drops what differs by nature between two servers and sorts nothing: order is part of the answer. */
function normalise(value: unknown): unknown {
	if (Array.isArray(value)) {
		return value.map(item => normalise(item));
	}

	if (typeof value === 'object' && value !== null) {
		return Object.fromEntries(Object.entries(value)
			.filter(([key]) => !volatile.has(key))
			.map(([key, item]) => [key, key === 'annotations' ? withoutLastApplied(item) : normalise(item)])
			.filter(([, item]) => item !== undefined));
	}

	return typeof value === 'string' ? value.replaceAll(/\b\d{3,}\b/g, 'N') : value;
}

function withoutLastApplied(annotations: unknown): unknown {
	if (typeof annotations !== 'object' || annotations === null) {
		return annotations;
	}

	const rest = Object.fromEntries(Object.entries(annotations).filter(([key]) => key !== 'kubectl.kubernetes.io/last-applied-configuration'));
	return Object.keys(rest).length === 0 ? undefined : rest;
}

function endpointOf(fixture: ClusterFixture): Endpoint {
	const endpoint = rawEndpoint(fixture.kubeconfig);
	return {...endpoint, deniedToken: fixture.backend === 'sim' ? `${simTokenPrefix}viewer` : rawEndpoint(fixture.kubeconfig, 'viewer').token};
}

const testbed = backends.find(backend => backend.name === 'testbed')!;
const vsPath = '/apis/networking.istio.io/v1/namespaces/bookinfo/virtualservices';

describe('the sim answers as the real API server does (differential)', {skip: testbed.skip, timeout: 120_000}, () => {
	const fixtures: Record<'sim' | 'testbed', ClusterFixture | undefined> = {sim: undefined, testbed: undefined};
	const endpoints: Partial<Record<'sim' | 'testbed', Endpoint>> = {};
	const both = async (ask: (endpoint: Endpoint, fixture: ClusterFixture) => Promise<Answer>): Promise<{sim: Answer; real: Answer}> => ({
		sim: await ask(endpoints.sim!, fixtures.sim!),
		real: await ask(endpoints.testbed!, fixtures.testbed!),
	});
	const same = (answers: {sim: Answer; real: Answer}, pick: (body: unknown) => unknown = body => body) => {
		assert.equal(answers.sim.code, answers.real.code, `status code: sim ${answers.sim.code}, real ${answers.real.code}\nsim: ${JSON.stringify(answers.sim.body)}\nreal: ${JSON.stringify(answers.real.body)}`);
		assert.deepEqual(normalise(pick(answers.sim.body)), normalise(pick(answers.real.body)));
	};

	before(async () => {
		for (const backend of backends) {
			const fixture = await backend.start({prometheus: 'builtin'});
			fixtures[backend.name] = fixture;
			endpoints[backend.name] = endpointOf(fixture);
			await fixture.resetReviews();
		}

		fixtures.sim!.sim!.apiServer.setDenyRules([{verb: 'patch', group: 'networking.istio.io', resource: 'virtualservices', user: 'viewer'}]);
	});
	after(async () => {
		await fixtures.sim?.stop();
		await fixtures.testbed?.stop();
	});

	it('API group discovery of networking.istio.io: versions and the preferred one', async () => {
		same(await both(async endpoint => send(endpoint, 'GET', '/apis/networking.istio.io')));
	});

	it('resource discovery of networking.istio.io/v1: virtualservices with its kind, verbs and short names', async () => {
		const pick = (body: unknown) => (body as {resources: Array<{name: string; verbs: string[]}>}).resources
			.filter(resource => resource.name.startsWith('virtualservices'))
			.map(resource => ({...resource, verbs: [...resource.verbs].sort()}));
		same(await both(async endpoint => send(endpoint, 'GET', '/apis/networking.istio.io/v1')), pick);
	});

	it('list of VirtualServices: kind, apiVersion and the items', async () => {
		same(await both(async endpoint => send(endpoint, 'GET', vsPath)), body => {
			const list = body as {kind: string; apiVersion: string; items: Array<{metadata: {name: string}; spec: unknown}>};
			return {kind: list.kind, apiVersion: list.apiVersion, items: list.items.map(item => ({name: item.metadata.name, spec: item.spec}))};
		});
	});

	it('get of a VirtualService: the object as stored', async () => {
		same(await both(async endpoint => send(endpoint, 'GET', `${vsPath}/productpage`)));
	});

	it('get of a missing VirtualService: 404 and the NotFound Status', async () => {
		same(await both(async endpoint => send(endpoint, 'GET', `${vsPath}/nope`)));
	});

	it('JSON Patch whose test of resourceVersion passes: 200 and only the weights changed', async () => {
		same(await both(async (endpoint, fixture) => {
			const current = await fixture.getObject('virtualservice', 'reviews');
			return send(endpoint, 'PATCH', `${vsPath}/reviews`, {
				contentType: 'application/json-patch+json',
				body: [
					{op: 'test', path: '/metadata/resourceVersion', value: current.metadata.resourceVersion},
					{op: 'add', path: '/spec/http/0/route/0/weight', value: 100},
				],
			});
		}), body => ({spec: (body as {spec: unknown}).spec}));
	});

	it('JSON Patch whose test of resourceVersion fails: the same code and Status', async () => {
		same(await both(async endpoint => send(endpoint, 'PATCH', `${vsPath}/reviews`, {
			contentType: 'application/json-patch+json',
			body: [{op: 'test', path: '/metadata/resourceVersion', value: '1'}, {op: 'replace', path: '/spec/http/0/route/0/weight', value: 50}],
		})));
	});

	it('merge patch: 200', async () => {
		same(await both(async endpoint => send(endpoint, 'PATCH', `${vsPath}/reviews`, {
			contentType: 'application/merge-patch+json',
			body: {metadata: {labels: {'meshtop-test': 'merge'}}},
		})), body => (body as {metadata: {labels: unknown}}).metadata.labels);
	});

	it('update with a stale resourceVersion: 409 Conflict Status', async () => {
		same(await both(async (endpoint, fixture) => {
			const current = await fixture.getObject('virtualservice', 'reviews');
			return send(endpoint, 'PUT', `${vsPath}/reviews`, {body: {...current, metadata: {...current.metadata, resourceVersion: '1'}}});
		}));
	});

	it('a weight that is not an integer: 422 Invalid, the same message and causes (the skipped CEL rules too)', async () => {
		same(await both(async endpoint => send(endpoint, 'PATCH', `${vsPath}/reviews`, {
			contentType: 'application/json-patch+json',
			body: [{op: 'add', path: '/spec/http/0/route/0/weight', value: 'fifty'}],
})));
	});

	it('a patch refused by RBAC: 403 Forbidden Status naming the user, verb and resource', async () => {
		same(await both(async endpoint => send(endpoint, 'PATCH', `${vsPath}/reviews`, {
			token: endpoint.deniedToken,
			contentType: 'application/merge-patch+json',
			body: {metadata: {labels: {'meshtop-test': 'denied'}}},
		})));
	});

	it('SelfSubjectAccessReview of patch on reviews: 201, the spec echoed, allowed for the admin and refused for the viewer', async () => {
		const review = {
			apiVersion: 'authorization.k8s.io/v1',
			kind: 'SelfSubjectAccessReview',
			spec: {resourceAttributes: {verb: 'patch', group: 'networking.istio.io', resource: 'virtualservices', namespace: 'bookinfo', name: 'reviews'}},
		};
		// The reason names the binding that allowed it (RBAC's words on the real server): compared are the decision and the echo.
		const pick = (body: unknown) => {
			const answer = body as {kind: string; apiVersion: string; spec: unknown; status: {allowed: boolean}};
			return {kind: answer.kind, apiVersion: answer.apiVersion, spec: answer.spec, allowed: answer.status.allowed};
		};

		const admin = await both(async endpoint => send(endpoint, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {body: review}));
		same(admin, pick);
		assert.equal(pick(admin.real.body).allowed, true);
		const viewer = await both(async endpoint => send(endpoint, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {token: endpoint.deniedToken, body: review}));
		same(viewer, pick);
		assert.equal(pick(viewer.real.body).allowed, false);
	});

	it('Event create: 201 and the Event back; the same name again: 409 AlreadyExists', async () => {
		const name = `reviews.meshtop-differential-${Date.now().toString(36)}`;
		const event = {
			apiVersion: 'v1',
			kind: 'Event',
			metadata: {name, namespace: 'bookinfo'},
			involvedObject: {apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', name: 'reviews', namespace: 'bookinfo'},
			reason: 'MeshtopWeightChange',
			message: 'differential',
			type: 'Normal',
			source: {component: 'meshtop'},
		};
		same(await both(async endpoint => send(endpoint, 'POST', '/api/v1/namespaces/bookinfo/events', {body: event})), body => {
			const created = body as {kind: string; reason: string; message: string; involvedObject: unknown; metadata: {name: string}};
			return {kind: created.kind, name: created.metadata.name, reason: created.reason, message: created.message, involvedObject: created.involvedObject};
		});
		same(await both(async endpoint => send(endpoint, 'POST', '/api/v1/namespaces/bookinfo/events', {body: event})));
	});

	it('watch from a list\'s resourceVersion: the next change arrives as MODIFIED with the new object', async () => {
		const watched = await Promise.all(backends.map(async backend => {
			const fixture = fixtures[backend.name]!;
			const kc = new KubeConfig();
			kc.loadFromFile(fixture.kubeconfig);
			const {Watch} = await import('@kubernetes/client-node');
			const current = await fixture.getObject('virtualservice', 'reviews');
			const events: Array<{type: string; spec: unknown}> = [];
			const controller = await new Watch(kc).watch(`${vsPath}`, {resourceVersion: current.metadata.resourceVersion, allowWatchBookmarks: true}, (type, object: {spec: unknown}) => {
				if (type !== 'BOOKMARK') {
					events.push({type, spec: object.spec});
				}
			}, () => undefined);
			await fixture.editReviews(spec => {
				// A real change (an update that changes nothing makes no event on either server).
				spec['http'] = [{route: [{destination: {host: 'reviews', subset: 'v1'}, weight: 90}, {destination: {host: 'reviews', subset: 'v2'}, weight: 10}]}];
			});
			const deadline = Date.now() + 10_000;
			while (events.length === 0 && Date.now() < deadline) {
				await new Promise(resolve => {
					setTimeout(resolve, 50);
				});
			}

			controller.abort();
			return events;
		}));
		assert.deepEqual(watched[0], watched[1]);
		assert.equal(watched[0]?.[0]?.type, 'MODIFIED');
	});

	it('port-forward to the Prometheus pod\'s 9090: the HTTP API answers through it on both', async () => {
		const answers = await Promise.all(backends.map(async backend => {
			const fixture = fixtures[backend.name]!;
			const kc = new KubeConfig();
			kc.loadFromFile(fixture.kubeconfig);
			const pods = JSON.parse(await fixture.kubectl(['get', 'pods', '-n', 'istio-system', '-l', 'app.kubernetes.io/name=prometheus', '-o', 'json'])) as {items: Array<{metadata: {name: string}}>};
			const pod = pods.items[0]!.metadata.name;
			const {createServer} = await import('node:net');
			const forward = new PortForward(kc, true, new WebSocketHandler(kc, undefined, {stdin: new PassThrough(), stdout: new PassThrough(), stderr: new PassThrough()}));
			const server = createServer(socket => {
				void forward.portForward('istio-system', pod, [9090], socket, null, socket);
			});
			await new Promise<void>(resolve => {
				server.listen(0, '127.0.0.1', resolve);
			});
			const {port} = server.address() as {port: number};
			try {
				const response = await fetch(`http://127.0.0.1:${port}/api/v1/status/buildinfo`, {headers: {connection: 'close'}});
				const body = await response.json() as {status: string};
				return {code: response.status, status: body.status};
			} finally {
				server.close();
			}
		}));
		assert.deepEqual(answers[0], answers[1]);
		assert.deepEqual(answers[0], {code: 200, status: 'success'});
	});
});
