/**
 * An overloaded API server, as kube-apiserver's max-requests-inflight filter answers: 429, `Retry-After: N` in the
 * header only, a plain-text body. Every reader of the API must wait N seconds before asking again (no request storm)
 * and then succeed; a loopback HTTP server plays the API server and records when each request came.
 */
import assert from 'node:assert/strict';
import {mkdtempSync, rmSync} from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {after, afterEach, before, describe, test} from 'node:test';
import {reviewRouteAccess} from '../../source/kube/access-review.js';
import {loadKubeTarget, type KubeTarget} from '../../source/kube/config.js';
import {KubeError, toKubeError} from '../../source/kube/errors.js';
import {IstioApi} from '../../source/kube/istio-api.js';
import {startListWatch} from '../../source/kube/list-watch.js';
import {startLiveStats} from '../../source/kube/live-stats.js';
import {startPortForward} from '../../source/kube/port-forward.js';
import {KubeHttpError, KubeRest} from '../../source/kube/rest.js';
import {listenOnLoopback} from '../../source/net/listen.js';
import {waitFor} from '../helpers/wait-for.js';
import {writeLoopbackKubeconfig} from '../helpers/loopback-kubeconfig.js';
import {withBody} from '../helpers/with-body.js';

/** One request the fake API server received, and when (Date.now()). */
interface Seen {
	at: number;
	method: string;
	url: string;
	body: string;
}

/** What the fake server answers to a request: a status and JSON body, or 429 with this Retry-After. */
type Answer = {status: number; body: unknown} | {retryAfter: number};

/** Slack for timers and the event loop when comparing a gap with Retry-After (a gap may not be shorter than this less). */
const slackMs = 60;

const dir = mkdtempSync(path.join(tmpdir(), 'meshtop-throttled-'));
const seen: Seen[] = [];
let answer: (request: Seen) => Answer = () => ({status: 404, body: {}});
let onUpgrade: (socket: net.Socket) => void = socket => {
	socket.destroy();
};

const server = http.createServer(withBody((request, response, body) => {
	const entry = {at: Date.now(), method: request.method ?? '', url: request.url ?? '', body};
	seen.push(entry);
	const reply = answer(entry);
	if ('retryAfter' in reply) {
		// kube-apiserver's maxinflight filter: the header only, a text body.
		response.writeHead(429, {'content-type': 'text/plain; charset=utf-8', 'retry-after': String(reply.retryAfter)});
		response.end('Too many requests, please try again later.\n');
		return;
	}

	if (reply.status === 0) {
		// A watch: headers now, events never (the test ends it).
		response.writeHead(200, {'content-type': 'application/json'});
		response.flushHeaders();
		return;
	}

	response.writeHead(reply.status, {'content-type': 'application/json'});
	response.end(JSON.stringify(reply.body));
}));
server.on('upgrade', (request: http.IncomingMessage, socket: net.Socket) => {
	seen.push({at: Date.now(), method: 'UPGRADE', url: request.url ?? '', body: ''});
	onUpgrade(socket);
});
let target: KubeTarget;

before(async () => {
	const port = await listenOnLoopback(server);
	const file = path.join(dir, 'kubeconfig.yaml');
	writeLoopbackKubeconfig(file, port, 'viewer');
	target = loadKubeTarget({kubeconfig: file, env: {}});
});

/**
 * Runs a list-watch of `collection` (as the route watches do) until it is live, and returns the errors it reported on
 * the way; `verb` names what the answers refuse, for the messages.
 */
async function watchUntilLive(collection: string, verb: 'list' | 'watch'): Promise<KubeError[]> {
	const rest = new KubeRest(target.kc);
	const errors: KubeError[] = [];
	let live = false;
	const handle = startListWatch<unknown>({
		kc: target.kc,
		context: {verb, resource: 'virtualservices.networking.istio.io', namespace: 'bookinfo'},
		path: async () => collection,
		async list() {
			const list = await rest.get(collection) as {metadata: {resourceVersion: string}};
			return {items: [], resourceVersion: list.metadata.resourceVersion};
		},
		decode: () => undefined,
		onReplace: () => undefined,
		onUpsert: () => undefined,
		onDelete: () => undefined,
		onStatus(status, error) {
			live ||= status === 'live';
			if (error !== undefined) {
				errors.push(error);
			}
		},
	});
	try {
		await waitFor(() => live, {timeout: 10_000, message: `the watch live after the ${verb} was refused`});
	} finally {
		handle.stop();
		server.closeAllConnections();
	}

	return errors;
}

afterEach(() => {
	seen.length = 0;
	answer = () => ({status: 404, body: {}});
});

after(async () => {
	server.closeAllConnections();
	await new Promise(resolve => {
		server.close(resolve);
	});
	rmSync(dir, {recursive: true, force: true});
});

const groups = {kind: 'APIGroupList', groups: [{name: 'networking.istio.io', versions: [{version: 'v1'}]}]};
const vsPath = '/apis/networking.istio.io/v1/namespaces/bookinfo/virtualservices/reviews';
const reviews = {
	apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: {name: 'reviews', namespace: 'bookinfo', resourceVersion: '7'},
	spec: {hosts: ['reviews'], http: [{route: [{destination: {host: 'reviews', subset: 'v1'}, weight: 100}]}]},
};

/** Gaps between consecutive requests, in ms. */
const gaps = (requests: readonly Seen[]) => requests.slice(1).map((request, index) => request.at - requests[index]!.at);

/** Answers the first `refusals` requests matching `path` with 429 + Retry-After, then `then`. */
function refuseThen(path: (url: string) => boolean, refusals: number, retryAfter: number, then: Answer): (request: Seen) => Answer | undefined {
	let count = 0;
	return request => {
		if (!path(request.url)) {
			return undefined;
		}

		count++;
		return count <= refusals ? {retryAfter} : then;
	};
}

describe('429 Too Many Requests with Retry-After, as kube-apiserver answers it', () => {
	test('KubeRest keeps the answer\'s Retry-After header on its error; errors.ts reads it', async () => {
		answer = () => ({retryAfter: 3});
		const failure = await new KubeRest(target.kc).get(vsPath).then(() => undefined, (error: unknown) => error);
		assert.ok(failure instanceof KubeHttpError);
		assert.equal(failure.headers['retry-after'], '3');
		const mapped = toKubeError(failure, {verb: 'get', resource: 'virtualservices.networking.istio.io', namespace: 'bookinfo', name: 'reviews'});
		assert.equal(mapped.status, 429);
		assert.equal(mapped.retryAfterSeconds, 3);
		assert.match(mapped.message, /overloaded \(429 Too Many Requests\).*retrying after 3 s as it asked/);
	});

	test('IstioApi: a GET refused twice is asked again after Retry-After each time, then succeeds', async () => {
		const route = refuseThen(url => url === vsPath, 2, 1, {status: 200, body: reviews});
		answer = request => request.url === '/apis' ? {status: 200, body: groups} : route(request) ?? {status: 404, body: {}};
		const api = new IstioApi(target);
		const vs = await api.getRoute('VirtualService', 'bookinfo', 'reviews');
		assert.equal(vs.metadata.name, 'reviews');
		const gets = seen.filter(request => request.url === vsPath);
		assert.equal(gets.length, 3);
		for (const gap of gaps(gets)) {
			assert.ok(gap >= 1000 - slackMs, `asked again ${gap} ms after a 429 with Retry-After: 1`);
		}
	});

	test('IstioApi: a PATCH refused with 429 (not applied) is sent again unchanged after Retry-After and lands', async () => {
		const patched = {...reviews, metadata: {...reviews.metadata, resourceVersion: '8'}};
		const route = refuseThen(url => url.startsWith(vsPath), 1, 1, {status: 200, body: patched});
		answer = request => request.url === '/apis' ? {status: 200, body: groups} : route(request) ?? {status: 404, body: {}};
		const operations = [{op: 'test' as const, path: '/metadata/resourceVersion', value: '7'}, {op: 'replace' as const, path: '/spec/http/0/route/0/weight', value: 100}];
		const vs = await new IstioApi(target).patchRoute('VirtualService', 'bookinfo', 'reviews', operations);
		assert.equal(vs.metadata.resourceVersion, '8');
		const patches = seen.filter(request => request.method === 'PATCH');
		assert.equal(patches.length, 2);
		assert.equal(patches[1]!.body, patches[0]!.body, 'the same patch, resourceVersion test included');
		assert.ok(gaps(patches)[0]! >= 1000 - slackMs, `patched again ${gaps(patches)[0]} ms after the 429`);
	});

	test('IstioApi: a server that keeps refusing is asked 5 times, Retry-After apart, then the failure says so plainly', async () => {
		answer = request => request.url === '/apis' ? {status: 200, body: groups} : {retryAfter: 1};
		const failure = await new IstioApi(target).getRoute('VirtualService', 'bookinfo', 'reviews').then(() => undefined, (error: unknown) => error);
		assert.ok(failure instanceof KubeError);
		assert.equal(failure.status, 429);
		assert.match(failure.message, /^the API server is overloaded: it refused to get virtualservices\.networking\.istio\.io "reviews" in namespace bookinfo 5 times with 429 Too Many Requests over 4 s, each time after the wait it asked for; try again later$/);
		const gets = seen.filter(request => request.url === vsPath);
		assert.equal(gets.length, 5);
		assert.ok(gaps(gets).every(gap => gap >= 1000 - slackMs), `gaps ${gaps(gets).join(', ')} ms`);
	});

	test('the access review (a POST) refused once is sent again after Retry-After; its answer decides read-only', async () => {
		const reviewPath = '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews';
		const reviews = refuseThen(url => url === reviewPath, 1, 1, {status: 201, body: {kind: 'SelfSubjectAccessReview', status: {allowed: false, reason: 'no RBAC rule'}}});
		answer = request => reviews(request) ?? {status: 404, body: {}};
		const access = await reviewRouteAccess(target, {kind: 'VirtualService', namespace: 'bookinfo', name: 'reviews'});
		assert.equal(access.allowed, false);
		assert.match(access.reason ?? '', /cannot patch virtualservices\/reviews in bookinfo/);
		const posts = seen.filter(request => request.url === reviewPath);
		assert.equal(posts.length, 2);
		assert.ok(gaps(posts)[0]! >= 1000 - slackMs, `asked again ${gaps(posts)[0]} ms after Retry-After: 1`);
	});

	test('list-watch: a list refused with Retry-After: 2 is not asked again sooner, and the error carries the wait', async () => {
		const collection = '/apis/networking.istio.io/v1/namespaces/bookinfo/virtualservices';
		const lists = refuseThen(url => url === collection, 1, 2, {status: 200, body: {metadata: {resourceVersion: '5'}, items: []}});
		answer = request => request.url.includes('watch=') ? {status: 0, body: {}} : lists(request) ?? {status: 404, body: {}};
		const errors = await watchUntilLive(collection, 'list');

		assert.equal(errors[0]?.retryAfterSeconds, 2);
		const listed = seen.filter(request => request.url === collection);
		assert.equal(listed.length, 2);
		assert.ok(gaps(listed)[0]! >= 2000 - slackMs, `listed again ${gaps(listed)[0]} ms after Retry-After: 2`);
	});

	test('list-watch: a watch refused with 429 + Retry-After: 2 (its header only) waits that, not its longest backoff', async () => {
		const collection = '/apis/networking.istio.io/v1/namespaces/bookinfo/virtualservices';
		let watches = 0;
		answer = request => {
			if (request.url === collection) {
				return {status: 200, body: {metadata: {resourceVersion: '5'}, items: []}};
			}

			if (request.url.startsWith(`${collection}?`) && request.url.includes('watch=true')) {
				watches++;
				return watches === 1 ? {retryAfter: 2} : {status: 0, body: {}};
			}

			return {status: 404, body: {}};
		};

		const errors = await watchUntilLive(collection, 'watch');

		assert.equal(errors[0]?.status, 429);
		assert.equal(errors[0]?.retryAfterSeconds, 2, 'the watch\'s Retry-After header reached meshtop');
		const refused = seen.find(request => request.url.includes('watch=true'))!;
		const next = seen[seen.indexOf(refused) + 1]!;
		assert.ok(next.at - refused.at >= 2000 - slackMs, `asked again ${next.at - refused.at} ms after Retry-After: 2`);
		assert.equal(seen.filter(request => request.url.includes('watch=true')).length, 2);
	});

	test('live stats: pods listed every 100 ms wait Retry-After: 2 after a 429 instead', async () => {
		const servicePath = '/api/v1/namespaces/bookinfo/services/reviews';
		// A Service without a selector: no pods to read, so the only requests are the listing's.
		const services = refuseThen(url => url === servicePath, 1, 2, {status: 200, body: {metadata: {name: 'reviews'}, spec: {}}});
		answer = request => services(request) ?? {status: 404, body: {}};
		const source = startLiveStats(target, {namespace: 'bookinfo', reporter: 'destination', periodMs: 100, reselectMs: 100});
		try {
			source.read([{key: 'v1', host: 'reviews', subset: 'v1', weight: 100, metric: {service: 'reviews', version: 'v1'}}]);
			await waitFor(() => seen.filter(request => request.url === servicePath).length >= 3, {timeout: 10_000, message: 'listed again after the wait'});
			assert.match(source.read([{key: 'v1', host: 'reviews', subset: 'v1', weight: 100, metric: {service: 'reviews', version: 'v1'}}]).reason ?? '', /no serving pods/);
		} finally {
			await source.stop();
		}

		const listed = seen.filter(request => request.url === servicePath);
		assert.ok(gaps(listed)[0]! >= 2000 - slackMs, `listed again ${gaps(listed)[0]} ms after Retry-After: 2`);
	});

	test('port-forward: an upgrade refused with 429 and a pod lookup refused with Retry-After: 2 each wait before the next request', async () => {
		const podsPath = '/api/v1/namespaces/bookinfo/pods?labelSelector=app%3Dprometheus';
		const readyPod = {metadata: {name: 'prometheus-2'}, status: {phase: 'Running', conditions: [{type: 'Ready', status: 'True'}]}};
		let upgradedAt: number | undefined;
		onUpgrade = socket => {
			upgradedAt ??= Date.now();
			socket.end('HTTP/1.1 429 Too Many Requests\r\nRetry-After: 1\r\nContent-Length: 0\r\n\r\n');
		};

		let lookups = 0;
		answer = request => {
			if (request.url.includes('watch=')) {
				return {status: 0, body: {}};
			}

			if (request.url !== podsPath) {
				return {status: 404, body: {}};
			}

			// The pod watch's own list comes before any connection; the forward's lookups after the refused upgrade.
			if (upgradedAt === undefined) {
				return {status: 200, body: {metadata: {resourceVersion: '3'}, items: [{...readyPod, metadata: {name: 'prometheus-1'}}]}};
			}

			lookups++;
			return lookups === 1 ? {retryAfter: 2} : {status: 200, body: {metadata: {resourceVersion: '4'}, items: [readyPod]}};
		};

		const handle = await startPortForward(target, {namespace: 'bookinfo', pod: 'prometheus-1', port: 9090, selector: 'app=prometheus'});
		const client = net.connect(Number(new URL(handle.url).port), '127.0.0.1');
		client.on('error', () => undefined);
		try {
			await waitFor(() => handle.status().state === 'ready' && handle.status().pod === 'prometheus-2', {timeout: 10_000, message: 'the forward ready on the pod found after the waits'});
		} finally {
			client.destroy();
			await handle.stop();
			server.closeAllConnections();
			onUpgrade = socket => {
				socket.destroy();
			};
		}

		const after = seen.filter(request => request.url === podsPath && request.at >= upgradedAt!);
		// The connection's second try meets the 429 again and waits again: only the first two lookups are about this refusal.
		assert.ok(after.length >= 2, seen.map(request => `${request.at - upgradedAt!} ${request.method} ${request.url}`).join('\n'));
		assert.ok(after[0]!.at - upgradedAt! >= 1000 - slackMs, `pods looked up ${after[0]!.at - upgradedAt!} ms after the upgrade's 429`);
		assert.ok(after[1]!.at - after[0]!.at >= 2000 - slackMs, `looked up again ${after[1]!.at - after[0]!.at} ms after Retry-After: 2`);
	});
});
