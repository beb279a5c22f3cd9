/**
 * "Hosts, matches, retries, timeouts and fields meshtop does not know survive byte for byte": a VirtualService with
 * most of what Istio's HTTP route offers goes through `meshtop set` and a console apply, via the simulated API server
 * (which prunes and validates against the shipped CRD schema like the real one) and via the real kube-apiserver of the
 * test bed (structural-schema pruning and validation of the same CRD). Only the edited route's weights and
 * the destination a write appended may differ, plus what the server itself maintains (resourceVersion, generation).
 */
import assert from 'node:assert/strict';
import {PassThrough, Readable} from 'node:stream';
import {after, before, describe, it} from 'node:test';
import {createConsoleServices, type ClusterConsoleServices} from '../../source/app/console-services.js';
import {runSet} from '../../source/commands/set.js';
import {loadKubeTarget} from '../../source/kube/config.js';
import {initialState} from '../../source/state/app-state.js';
import {ConsoleController} from '../../source/state/controller.js';
import {currentRoute} from '../../source/state/selectors.js';
import {createStore} from '../../source/state/store.js';
import {HistoryFile} from '../../source/trail/history-file.js';
import {waitFor} from '../helpers/wait-for.js';
import {setEnv} from '../helpers/env.js';
import {backends, type ClusterFixture} from '../helpers/cluster-fixture.js';
import {rawEndpoint, rawRequest} from '../helpers/raw-api.js';

type Json = null | boolean | number | string | Json[] | {[key: string]: Json};
type RouteEntry = {destination: {host: string; subset?: string; port?: {number: number}}; weight?: number};
type RichSpec = {http: Array<{route: RouteEntry[]} & Record<string, Json>>} & Record<string, Json>;
type RichObject = {metadata: Record<string, Json>; spec: RichSpec} & Record<string, Json>;

const collection = '/apis/networking.istio.io/v1/namespaces/bookinfo/virtualservices';

/** Every field is one the VirtualService CRD schema declares: created with fieldValidation=Strict, an unknown one would be a 400. */
const rich = {
	apiVersion: 'networking.istio.io/v1',
	kind: 'VirtualService',
	metadata: {name: 'reviews-rich', namespace: 'bookinfo', labels: {team: 'books'}, annotations: {'example.com/owner': 'sre'}},
	spec: {
		hosts: ['reviews-rich.bookinfo.svc.cluster.local', 'reviews.example.com'],
		gateways: ['mesh', 'bookinfo/bookinfo-gateway'],
		exportTo: ['.'],
		http: [
			{
				name: 'jason',
				match: [{headers: {'end-user': {exact: 'jason'}}, uri: {prefix: '/reviews'}, ignoreUriCase: true}],
				route: [{destination: {host: 'reviews', subset: 'v2'}, headers: {response: {set: {'x-route': 'jason'}}}}],
				retries: {attempts: 3, perTryTimeout: '2s', retryOn: 'gateway-error,connect-failure,refused-stream'},
				timeout: '10s',
				headers: {request: {set: {'x-meshtop-test': '1'}, add: {'x-trace': 'on'}, remove: ['x-debug']}, response: {remove: ['server']}},
				mirror: {host: 'reviews', subset: 'v3'},
				mirrorPercentage: {value: 12.5},
				corsPolicy: {
					allowOrigins: [{exact: 'https://books.example.com'}, {regex: 'https://.*\\.example\\.org'}],
					allowMethods: ['GET', 'POST'],
					allowHeaders: ['x-custom'],
					exposeHeaders: ['x-request-id'],
					maxAge: '24h',
					allowCredentials: true,
				},
			},
			{
				name: 'default',
				route: [
					{destination: {host: 'reviews', subset: 'v1'}, weight: 90, headers: {request: {add: {'x-version': 'v1'}}}},
					{destination: {host: 'reviews', subset: 'v2', port: {number: 9080}}, weight: 10},
				],
				retries: {attempts: 2},
				timeout: '5s',
			},
		],
		tcp: [{match: [{port: 27_017}], route: [{destination: {host: 'mongo.bookinfo.svc.cluster.local', port: {number: 27_017}}, weight: 100}]}],
	},
};

/** Recursively sorted keys, so two objects compare by content whatever order the server emits fields in. */
function sorted(value: Json): Json {
	if (Array.isArray(value)) {
		return value.map(item => sorted(item));
	}

	if (value !== null && typeof value === 'object') {
		return Object.fromEntries(Object.keys(value).sort().map(key => [key, sorted(value[key]!)]));
	}

	return value;
}

/** The object minus what a weight write may change: the edited route's weights, destinations appended after `keep`, server-kept metadata. */
function withoutWeights(object: RichObject, routeIndex: number, keep: number): RichObject {
	const copy = structuredClone(object);
	for (const field of ['resourceVersion', 'generation', 'managedFields']) {
		delete copy.metadata[field];
	}

	const route = copy.spec.http[routeIndex]!;
	route.route = route.route.slice(0, keep).map(entry => {
		const {weight: _weight, ...rest} = entry;
		return rest;
	});
	return copy;
}

for (const backend of backends) describe(`fields meshtop does not edit survive set and a console apply (${backend.name})`, {timeout: 60_000, skip: backend.skip}, () => {
	let cluster: ClusterFixture;
	let kubeconfig: string;
	let restoreHistory = (): void => undefined;

	async function request(method: string, url: string, body?: unknown): Promise<RichObject> {
		const answer = await rawRequest(rawEndpoint(kubeconfig), method, url, {body});
		assert.ok(answer.code >= 200 && answer.code < 300, `${method} ${url}: HTTP ${answer.code} ${answer.text}`);
		return JSON.parse(answer.text) as RichObject;
	}

	before(async () => {
		cluster = await backend.start({prometheus: 'builtin', requestsPerSecond: 5});
		kubeconfig = cluster.kubeconfig;
		restoreHistory = setEnv('MESHTOP_HISTORY', cluster.historyFile);
		// The shared test bed may hold one from an earlier run of this file.
		await cluster.kubectl(['delete', 'virtualservice', 'reviews-rich', '--ignore-not-found']);
	});
	after(async () => {
		restoreHistory();
		await cluster?.kubectl(['delete', 'virtualservice', 'reviews-rich', '--ignore-not-found']);
		await cluster?.stop();
	});

	it('keeps every other field through set --route http[1] and a console apply', async () => {
		const created = await request('POST', `${collection}?fieldValidation=Strict`, rich);
		assert.deepEqual(created.spec, rich.spec, 'the API server stored the spec as sent (nothing pruned)');
		const original = await request('GET', `${collection}/reviews-rich`);

		// 1. meshtop set on the default route, adding v3 (a DestinationRule subset not yet in the route).
		const stdout = new PassThrough();
		const stderr = new PassThrough();
		let err = '';
		stderr.on('data', (chunk: Buffer) => {
			err += chunk.toString('utf8');
		});
		const code = await runSet('reviews-rich', ['v1=70', 'v2=10', 'v3=20'], {kubeconfig, namespace: 'bookinfo', route: 'http[1]', readOnly: false, refresh: '1s', json: false, every: '30s', onFail: 'pause'}, {stdout, stderr, stdin: Readable.from([])});
		assert.equal(code, 0, err);
		const afterSet = await request('GET', `${collection}/reviews-rich`);
		assert.deepEqual(afterSet.spec.http[1]?.route.map(entry => [entry.destination.subset, entry.weight]), [['v1', 70], ['v2', 10], ['v3', 20]]);
		assert.deepEqual(afterSet.spec.http[1]?.route[2], {destination: {host: 'reviews', subset: 'v3'}, weight: 20}, 'the appended destination carries only host, subset and weight');

		// 2. The console on the same route: select v3, → one step of 10, apply.
		const target = loadKubeTarget({kubeconfig, namespace: 'bookinfo'});
		const services: ClusterConsoleServices = createConsoleServices(target, {prometheus: {url: cluster.prometheusUrl}});
		const store = createStore(initialState({
			connection: {contextName: target.contextName, namespace: target.namespace, user: target.user, server: target.server},
			vsName: 'reviews-rich',
			route: 'http[1]',
		}));
		const controller = new ConsoleController(store, services, {refreshMs: 1000});
		try {
			controller.start();
			// 'live' once the DestinationRules are listed too (they make v3 a row even before it is in the route).
			await waitFor(() => store.getState().kubeStatus === 'live' && store.getState().virtualServices.get('reviews-rich')?.metadata.resourceVersion === afterSet.metadata['resourceVersion'], {message: 'the watch delivered the object set wrote'});
			const route = currentRoute(store.getState());
			assert.equal(route?.name, 'default');
			assert.deepEqual(route?.destinations.map(destination => destination.key), ['v1', 'v2', 'v3']);
			while (store.getState().selectedKey !== 'v3') {
				store.dispatch({type: 'selectionMoved', delta: 1});
			}

			store.dispatch({type: 'weightsStaged', direction: 1});
			assert.deepEqual(store.getState().staged?.weights, {v1: 61, v2: 9, v3: 30}, 'the others give 10 points in proportion (61.25 / 8.75, largest remainder)');
			await controller.apply();
			assert.match(store.getState().notice?.text ?? '', /^Applied: /);
		} finally {
			await controller.stop();
			await services.close();
		}

		const final = await request('GET', `${collection}/reviews-rich`);
		assert.deepEqual(final.spec.http[1]?.route.map(entry => [entry.destination.subset, entry.weight]), [['v1', 61], ['v2', 9], ['v3', 30]]);
		assert.notEqual(final.metadata['resourceVersion'], original.metadata['resourceVersion']);

		// Everything but the default route's weights and the appended v3: identical, in content and in field order.
		const before = withoutWeights(original, 1, original.spec.http[1]!.route.length);
		for (const [label, object] of [['after set', afterSet], ['after the console apply', final]] as const) {
			const stripped = withoutWeights(object, 1, original.spec.http[1]!.route.length);
			assert.equal(JSON.stringify(sorted(stripped)), JSON.stringify(sorted(before)), label);
			assert.equal(JSON.stringify(stripped), JSON.stringify(before), `${label}: same bytes, same field order`);
		}

		const {records} = await new HistoryFile(process.env['MESHTOP_HISTORY']!).read({vs: 'reviews-rich'});
		assert.deepEqual(records.map(record => [record.source, record.route]), [['set', 'default'], ['console', 'default']]);
	});
});
