/**
 * A write cut on its way (the API server restarting: the connection reset during the PATCH) through the real adapter:
 * IstioApi over HTTP to a loopback server that holds one VirtualService, applies JSON Patches with their tests and
 * resets the connection where the test says. The command's write service (intents on disk, history file, Events)
 * must ride through: one landed write, one history line, no intent left, and never an overwrite of someone else's edit.
 */
import assert from 'node:assert/strict';
import {mkdtempSync, readdirSync, readFileSync, rmSync} from 'node:fs';
import http from 'node:http';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {after, afterEach, before, describe, test} from 'node:test';
import {applyJsonPatch, routesOf, type JsonPatchOperation, type VirtualService} from '../../source/domain/virtual-service.js';
import {loadKubeTarget, type KubeTarget} from '../../source/kube/config.js';
import {IstioApi} from '../../source/kube/istio-api.js';
import {listenOnLoopback} from '../../source/net/listen.js';
import {HistoryFile} from '../../source/trail/history-file.js';
import {connectionWriter} from '../../source/write/split-writer.js';
import type {WriteOutcome} from '../../source/ports/split-writer.js';
import {writeLoopbackKubeconfig} from '../helpers/loopback-kubeconfig.js';
import {withBody} from '../helpers/with-body.js';

const vsPath = '/apis/networking.istio.io/v1/namespaces/bookinfo/virtualservices/reviews';
const groups = {kind: 'APIGroupList', groups: [{name: 'networking.istio.io', versions: [{version: 'v1'}]}]};

function reviews(weights: Record<string, number>, resourceVersion: number): VirtualService {
	return {
		apiVersion: 'networking.istio.io/v1', kind: 'VirtualService',
		metadata: {name: 'reviews', namespace: 'bookinfo', uid: 'uid-reviews', resourceVersion: String(resourceVersion)},
		spec: {hosts: ['reviews'], http: [{route: Object.entries(weights).map(([subset, weight]) => ({destination: {host: 'reviews', subset}, weight}))}]},
	};
}

/** What the server does with one request: answer it, or cut the connection (before or after applying a PATCH). */
type Fault = 'reset-before' | 'reset-after' | 'edit-then-reset' | 'reset' | 'unavailable' | undefined;

const dir = mkdtempSync(path.join(tmpdir(), 'meshtop-cut-write-'));
let stored = reviews({v1: 100, v3: 0}, 10);
let version = 10;
/** Decides the fault of each request, in order: method, url. */
let fault: (method: string, url: string) => Fault = () => undefined;
const seen: Array<{method: string; url: string; at: number; fault: Fault}> = [];

function apply(operations: JsonPatchOperation[]): boolean {
	try {
		stored = applyJsonPatch(stored, operations);
	} catch {
		return false;
	}

	stored = {...stored, metadata: {...stored.metadata, resourceVersion: String(++version)}};
	return true;
}

const server = http.createServer(withBody((request, response, body) => {
	const method = request.method ?? '';
	const url = request.url ?? '';
	const now = fault(method, url);
	seen.push({method, url, at: Date.now(), fault: now});
	const json = (status: number, value: unknown, headers: Record<string, string> = {}) => {
		response.writeHead(status, {'content-type': 'application/json', ...headers});
		response.end(JSON.stringify(value));
	};

	if (now === 'unavailable') {
		// A starting kube-apiserver: 503 with Retry-After.
		json(503, {kind: 'Status', code: 503, message: 'the server is currently unable to handle the request'}, {'retry-after': '1'});
		return;
	}

	if (method === 'PATCH' && url.startsWith(vsPath)) {
		if (now === 'edit-then-reset') {
			// Another operator's kubectl got in first; ours then never arrives.
			stored = {...reviews({v1: 80, v3: 20}, ++version)};
		} else if (now === 'reset-after') {
			apply(JSON.parse(body) as JsonPatchOperation[]);
		}

		if (now !== undefined) {
			request.socket.destroy();
			return;
		}

		if (!apply(JSON.parse(body) as JsonPatchOperation[])) {
			// A real API server's answer to a failed `test`: a bare 422.
			json(422, {kind: 'Status', code: 422, reason: 'Invalid', message: 'the server rejected our request due to an error in our request'});
			return;
		}

		json(200, stored);
		return;
	}

	if (now !== undefined) {
		request.socket.destroy();
		return;
	}

	if (url === '/apis') {
		json(200, groups);
	} else if (method === 'GET' && url === vsPath) {
		json(200, stored);
	} else if (method === 'POST' && url === '/api/v1/namespaces/bookinfo/events') {
		json(201, JSON.parse(body));
	} else {
		json(404, {kind: 'Status', code: 404});
	}
}));
let target: KubeTarget;

before(async () => {
	const port = await listenOnLoopback(server);
	const file = path.join(dir, 'kubeconfig.yaml');
	writeLoopbackKubeconfig(file, port, 'shifter');
	target = loadKubeTarget({kubeconfig: file, env: {}});
});

afterEach(() => {
	seen.length = 0;
	fault = () => undefined;
	version = 10;
	stored = reviews({v1: 100, v3: 0}, 10);
});

after(async () => {
	server.closeAllConnections();
	await new Promise(resolve => {
		server.close(resolve);
	});
	rmSync(dir, {recursive: true, force: true});
});

/** Writes v1 50 / v3 50 through a command's write service, on a history file of its own. */
async function write(name: string, budgetMs?: number): Promise<{outcome: WriteOutcome; lines: Array<Record<string, unknown>>; intents: string[]}> {
	const historyPath = path.join(dir, name, 'history.jsonl');
	const api = new IstioApi(target);
	const vs = await api.getRoute('VirtualService', 'bookinfo', 'reviews');
	const writer = connectionWriter({
		api, historyFile: new HistoryFile(historyPath), writer: {user: 'shifter', context: 'fake', namespace: 'bookinfo'},
		...(budgetMs === undefined ? {} : {cutWrites: {budgetMs}}),
	});
	const outcome = await writer.write({vs, route: routesOf(vs)[0]!, change: {weights: {v1: 50, v3: 50}}, reason: {source: 'shift', note: 'plan step 1/2'}});
	const lines = (() => {
		try {
			return readFileSync(historyPath, 'utf8').split('\n').filter(line => line !== '').map(line => JSON.parse(line) as Record<string, unknown>);
		} catch {
			return [];
		}
	})();
	const intents = (() => {
		try {
			return readdirSync(path.join(dir, name, 'intents'));
		} catch {
			return [];
		}
	})();
	return {outcome, lines, intents};
}

const weightsOf = (vs: VirtualService) => (vs.spec['http'] as Array<{route: Array<{weight: number}>}>)[0]!.route.map(entry => entry.weight);
const patches = () => seen.filter(request => request.method === 'PATCH');

/** Cuts the first PATCH with `first`, then `later` for every request until `until` requests were cut. */
function cutFirstPatch(first: Fault, then: {fault: Fault; count: number} = {fault: undefined, count: 0}): (method: string, url: string) => Fault {
	let cut = false;
	let after = 0;
	return method => {
		if (!cut && method === 'PATCH') {
			cut = true;
			return first;
		}

		if (cut && after < then.count) {
			after++;
			return then.fault;
		}

		return undefined;
	};
}

describe('a PATCH cut by a connection reset (the API server restarting)', () => {
	test('reset before the server applied it: read again, sent again with the same test, lands once; one history line; no intent left', async () => {
		fault = cutFirstPatch('reset-before');
		const {outcome, lines, intents} = await write('before');
		assert.equal(outcome.kind, 'written', outcome.kind === 'written' ? '' : outcome.message);
		assert.deepEqual(weightsOf(stored), [50, 50]);
		assert.equal(patches().length, 2);
		assert.equal(lines.length, 1);
		assert.equal(lines[0]!['resourceVersionBefore'], '10');
		assert.equal(lines[0]!['resourceVersionAfter'], '11');
		assert.match(String(lines[0]!['note']), /^plan step 1\/2; the write was cut .*it had not landed, sent again$/);
		assert.deepEqual(intents, []);
	});

	test('reset after the server applied it: read again, recorded as landed, not sent twice', async () => {
		fault = cutFirstPatch('reset-after');
		const {outcome, lines, intents} = await write('after');
		assert.equal(outcome.kind, 'written', outcome.kind === 'written' ? '' : outcome.message);
		assert.equal(outcome.kind === 'written' ? outcome.vs.metadata.resourceVersion : '', '11');
		assert.deepEqual(weightsOf(stored), [50, 50]);
		assert.equal(patches().length, 1, 'the landed patch is not sent again');
		assert.equal(lines.length, 1);
		assert.equal(lines[0]!['resourceVersionAfter'], '11');
		assert.match(String(lines[0]!['note']), /it had landed$/);
		assert.deepEqual(intents, []);
	});

	test('the server away for a while (resets, then 503 with Retry-After: 1): waited for, Retry-After honoured, then sent again', async () => {
		let cut = false;
		let resets = 0;
		let unavailable = 0;
		fault = method => {
			if (!cut) {
				cut = method === 'PATCH';
				return cut ? 'reset-before' : undefined;
			}

			if (resets < 1) {
				resets++;
				return 'reset';
			}

			return unavailable++ < 2 ? 'unavailable' : undefined;
		};

		const {outcome, lines} = await write('away');
		assert.equal(outcome.kind, 'written', outcome.kind === 'written' ? '' : outcome.message);
		assert.equal(lines.length, 1);
		assert.deepEqual(weightsOf(stored), [50, 50]);
		const refused = seen.filter(request => request.fault === 'unavailable');
		assert.equal(refused.length, 2);
		const next = seen[seen.indexOf(refused[0]!) + 1]!;
		assert.ok(next.at - refused[0]!.at >= 940, `asked again ${next.at - refused[0]!.at} ms after Retry-After: 1`);
	});

	test('someone else changed the route while the server was away: a conflict, their split kept, no history line', async () => {
		fault = cutFirstPatch('edit-then-reset');
		const {outcome, lines, intents} = await write('edited');
		assert.equal(outcome.kind, 'conflict');
		assert.match(outcome.kind === 'conflict' ? outcome.message : '', /changed by someone else while the API server was away.*holds another split: v1 80, v3 20/);
		assert.deepEqual(weightsOf(stored), [80, 20]);
		assert.equal(patches().length, 1);
		assert.deepEqual(lines, []);
		assert.deepEqual(intents, []);
	});

	test('a server that does not come back within the budget: failed, saying the outcome is unknown; the intent stays for the next meshtop', async () => {
		fault = cutFirstPatch('reset-after', {fault: 'reset', count: 1000});
		const {outcome, lines, intents} = await write('gone', 1200);
		assert.equal(outcome.kind, 'failed');
		assert.match(outcome.kind === 'failed' ? outcome.message : '', /the write was cut .* did not answer again within \d\.\d s .*whether it landed is unknown; the next meshtop resolves it/);
		assert.deepEqual(lines, []);
		assert.equal(intents.length, 1);
		assert.match(intents[0]!, /\.json$/);
	});
});
