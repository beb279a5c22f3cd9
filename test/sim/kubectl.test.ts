import assert from 'node:assert/strict';
import {execFile, spawn, spawnSync, type ChildProcess} from 'node:child_process';
import {chmodSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {after, before, describe, test} from 'node:test';
import {startApiServer, type ApiServer} from '../../source/sim/api/api-server.js';
import {ObjectStore, type KubeObject} from '../../source/sim/api/store.js';
import {istioDataDir, readIstioYaml} from '../../source/sim/istio-data.js';
import {simKubeconfig} from '../../source/sim/kubeconfig.js';
import {waitFor} from '../helpers/wait-for.js';

const vsKey = 'networking.istio.io/virtualservices';
const hasKubectl = spawnSync('kubectl', ['version', '--client'], {stdio: 'ignore'}).status === 0;
const skip = hasKubectl ? false : 'kubectl is not on PATH (CI installs it)';

type Result = {code: number; stdout: string; stderr: string};

function weights(object: KubeObject | undefined): Array<number | undefined> {
	const http = (object?.spec as {http?: Array<{route: Array<{weight?: number}>}>} | undefined)?.http;
	return (http?.[0]?.route ?? []).map(destination => destination.weight);
}

describe('real kubectl against the simulated API server', {skip}, () => {
	let server: ApiServer;
	let store: ObjectStore;
	let directory: string;
	let kubeconfig: string;
	const children = new Set<ChildProcess>();

	const environment = (): NodeJS.ProcessEnv => ({PATH: process.env.PATH, HOME: directory, TMPDIR: directory, KUBECONFIG: ''});

	/** Runs kubectl with an isolated HOME (its discovery cache) and an explicit kubeconfig and namespace. */
	const kubectl = async (...args: string[]): Promise<Result> => new Promise(resolve => {
		execFile('kubectl', ['--kubeconfig', kubeconfig, '-n', 'bookinfo', ...args], {env: environment(), timeout: 15_000}, (error, stdout, stderr) => {
			resolve({code: error ? Number((error as {code?: number}).code ?? 1) : 0, stdout, stderr});
		});
	});

	before(async () => {
		directory = mkdtempSync(path.join(tmpdir(), 'meshtop-kubectl-'));
		store = new ObjectStore();
		store.create('/namespaces', {apiVersion: 'v1', kind: 'Namespace', metadata: {name: 'bookinfo'}, status: {phase: 'Active'}});
		for (const file of ['bookinfo/virtual-service-all-v1.yaml', 'bookinfo/destination-rule-all.yaml']) {
			for (const object of readIstioYaml(file) as KubeObject[]) {
				const resource = object.kind === 'VirtualService' ? vsKey : 'networking.istio.io/destinationrules';
				store.create(resource, {...object, metadata: {...object.metadata, namespace: 'bookinfo'}});
			}
		}
		server = await startApiServer({store});
		kubeconfig = path.join(directory, 'kubeconfig');
		writeFileSync(kubeconfig, simKubeconfig({server: server.url}));
	});

	after(async () => {
		for (const child of children) {
			child.kill('SIGKILL');
		}
		await server?.stop();
		rmSync(directory, {recursive: true, force: true});
	});

	test('kubectl get vs lists the Bookinfo VirtualServices with the CRD columns', async () => {
		const result = await kubectl('get', 'vs');
		assert.equal(result.code, 0, result.stderr);
		const lines = result.stdout.trim().split('\n');
		assert.match(lines[0] ?? '', /^NAME\s+GATEWAYS\s+HOSTS\s+AGE$/);
		assert.deepEqual(lines.slice(1).map(line => line.split(/\s+/)[0]), ['details', 'productpage', 'ratings', 'reviews']);
		assert.match(lines.find(line => line.startsWith('reviews')) ?? '', /^reviews\s+\["reviews"\]\s+\d+s$/);
		const rules = await kubectl('get', 'destinationrules');
		assert.match(rules.stdout, /^NAME\s+HOST\s+AGE\n/);
	});

	test('kubectl get virtualservice reviews -o yaml shows the spec', async () => {
		const result = await kubectl('get', 'virtualservice', 'reviews', '-o', 'yaml');
		assert.equal(result.code, 0, result.stderr);
		assert.match(result.stdout, /apiVersion: networking\.istio\.io\/v1\n/);
		assert.match(result.stdout, / {2}resourceVersion: "\d+"\n/);
		assert.match(result.stdout, /spec:\n {2}hosts:\n {2}- reviews\n {2}http:\n {2}- route:\n {4}- destination:\n {8}host: reviews\n {8}subset: v1\n/);
	});

	test('kubectl apply of the 50/50 fixture updates the weights', async () => {
		const result = await kubectl('apply', '-f', path.join(istioDataDir, 'bookinfo/virtual-service-reviews-50-v3.yaml'));
		assert.equal(result.code, 0, result.stderr);
		assert.match(result.stdout, /virtualservice\.networking\.istio\.io\/reviews configured/);
		const json = await kubectl('get', 'vs', 'reviews', '-o', 'json');
		assert.deepEqual(weights(JSON.parse(json.stdout) as KubeObject), [50, 50]);
		const again = await kubectl('apply', '-f', path.join(istioDataDir, 'bookinfo/virtual-service-reviews-50-v3.yaml'));
		assert.match(again.stdout, /reviews unchanged/);
	});

	test('kubectl patch --type=json and --type=merge', async () => {
		const json = await kubectl('patch', 'vs', 'reviews', '--type=json', '-p', '[{"op":"replace","path":"/spec/http/0/route/0/weight","value":80},{"op":"replace","path":"/spec/http/0/route/1/weight","value":20}]');
		assert.equal(json.code, 0, json.stderr);
		assert.deepEqual(weights(store.get(vsKey, 'bookinfo', 'reviews')), [80, 20]);
		const merge = await kubectl('patch', 'vs', 'reviews', '--type=merge', '-p', '{"metadata":{"labels":{"migration":"v3"}}}');
		assert.equal(merge.code, 0, merge.stderr);
		assert.equal(store.get(vsKey, 'bookinfo', 'reviews')?.metadata.labels?.migration, 'v3');
		const stale = await kubectl('patch', 'vs', 'reviews', '--type=json', '-p', '[{"op":"test","path":"/metadata/resourceVersion","value":"1"},{"op":"replace","path":"/spec/http/0/route/0/weight","value":0}]');
		assert.notEqual(stale.code, 0);
		assert.match(stale.stderr, /The request is invalid: the server rejected our request due to an error in our request/);
		assert.deepEqual(weights(store.get(vsKey, 'bookinfo', 'reviews')), [80, 20]);
	});

	test('kubectl get vs -w prints a change made by another client', async t => {
		const child = spawn('kubectl', ['--kubeconfig', kubeconfig, '-n', 'bookinfo', 'get', 'vs', '-w'], {env: environment()});
		children.add(child);
		t.after(() => {
			child.kill('SIGKILL');
			children.delete(child);
		});
		let output = '';
		child.stdout.on('data', (chunk: Buffer) => {
			output += chunk.toString();
		});
		await waitFor(() => /\nreviews\s/.test(output), {timeout: 10_000, message: 'initial listing'});
		const before = output.split('\n').filter(line => line.startsWith('ratings')).length;
		const ratings = store.get(vsKey, 'bookinfo', 'ratings');
		assert.ok(ratings);
		store.update(vsKey, {...ratings, spec: {...(ratings.spec as object), hosts: ['ratings', 'ratings.bookinfo.svc.cluster.local']}});
		const line = await waitFor(() => output.split('\n').filter(candidate => candidate.startsWith('ratings'))[before], {timeout: 10_000, message: 'watch line for the change'});
		assert.match(line, /^ratings\s+\["ratings","ratings\.bookinfo\.svc\.cluster\.local"\]\s+\d+s$/);
	});

	test('kubectl replace with a stale resourceVersion gets the Conflict error', async () => {
		const current = await kubectl('get', 'vs', 'details', '-o', 'yaml');
		const stalePath = path.join(directory, 'stale.yaml');
		writeFileSync(stalePath, current.stdout);
		assert.equal((await kubectl('label', 'vs', 'details', 'touched=yes')).code, 0);
		const result = await kubectl('replace', '-f', stalePath);
		assert.notEqual(result.code, 0);
		assert.match(result.stderr, /Error from server \(Conflict\): error when replacing ".*stale\.yaml": Operation cannot be fulfilled on virtualservices\.networking\.istio\.io "details": the object has been modified; please apply your changes to the latest version and try again/);
	});

	test('an invalid VirtualService is rejected with 422 and the stored object is unchanged', async () => {
		const before = store.get(vsKey, 'bookinfo', 'reviews');
		const negativePath = path.join(directory, 'negative.yaml');
		writeFileSync(negativePath, [
			'apiVersion: networking.istio.io/v1', 'kind: VirtualService', 'metadata:', '  name: reviews', 'spec:', '  hosts: [reviews]', '  http:', '  - route:',
			'    - destination: {host: reviews, subset: v1}', '      weight: 110', '    - destination: {host: reviews, subset: v3}', '      weight: -10', '',
		].join('\n'));
		const negative = await kubectl('apply', '-f', negativePath);
		assert.notEqual(negative.code, 0);
		assert.match(negative.stderr, /The VirtualService "reviews" is invalid: \n\* spec\.http\[0\]\.route\[0\]\.weight: Invalid value: 110: weight must be an integer between 0 and 100 \(Istio\)\n\* spec\.http\[0\]\.route\[1\]\.weight: Invalid value: -10/);
		const wrongType = await kubectl('patch', 'vs', 'reviews', '--type=merge', '-p', '{"spec":{"hosts":"reviews"}}');
		assert.notEqual(wrongType.code, 0);
		assert.match(wrongType.stderr, /The VirtualService "reviews" is invalid: \n\* spec\.hosts: Invalid value: "string": spec\.hosts in body must be of type array: "string"\n\* <nil>: Invalid value: null: some validation rules were not checked/);
		assert.deepEqual(store.get(vsKey, 'bookinfo', 'reviews'), before);
	});

	test('kubectl edit saves a change made in the editor', async () => {
		const editor = path.join(directory, 'editor.sh');
		writeFileSync(editor, '#!/bin/sh\nsed -i "s/subset: v1/subset: v2/" "$1"\n');
		chmodSync(editor, 0o755);
		const result = await new Promise<Result>(resolve => {
			execFile('kubectl', ['--kubeconfig', kubeconfig, '-n', 'bookinfo', 'edit', 'vs', 'productpage'], {env: {...environment(), KUBE_EDITOR: editor}, timeout: 15_000}, (error, stdout, stderr) => {
				resolve({code: error ? 1 : 0, stdout, stderr});
			});
		});
		assert.equal(result.code, 0, result.stderr);
		assert.match(result.stdout, /virtualservice\.networking\.istio\.io\/productpage edited/);
		const route = (store.get(vsKey, 'bookinfo', 'productpage')?.spec as {http: Array<{route: Array<{destination: {subset: string}}>}>}).http[0]?.route[0];
		assert.equal(route?.destination.subset, 'v2');
	});

	test('kubectl apply on a core Service: create, then a strategic merge patch that replaces a port', async () => {
		const servicePath = path.join(directory, 'service.yaml');
		const manifest = (port: number) => ['apiVersion: v1', 'kind: Service', 'metadata:', '  name: web', 'spec:', '  selector: {app: web}', '  ports:', `  - port: ${port}`, '    targetPort: 8080', ''].join('\n');
		writeFileSync(servicePath, manifest(80));
		const created = await kubectl('apply', '-f', servicePath);
		assert.equal(created.code, 0, created.stderr);
		writeFileSync(servicePath, manifest(81));
		const patched = await kubectl('apply', '-f', servicePath);
		assert.equal(patched.code, 0, patched.stderr);
		const ports = (store.get('/services', 'bookinfo', 'web')?.spec as {ports: Array<{port: number}>}).ports;
		assert.deepEqual(ports.map(port => port.port), [81]);
		const listed = await kubectl('get', 'svc', 'web');
		assert.match(listed.stdout, /^web\s+ClusterIP\s+10\.96\.\d+\.\d+\s+<none>\s+81\/TCP\s+\d+s$/m);
	});

	test('a denied verb prints kubectl\'s Forbidden error', async t => {
		server.setDenyRules([{verb: 'patch', group: 'networking.istio.io', resource: 'virtualservices'}]);
		t.after(() => {
			server.setDenyRules([]);
		});
		const result = await kubectl('patch', 'vs', 'reviews', '--type=merge', '-p', '{"metadata":{"labels":{"x":"y"}}}');
		assert.notEqual(result.code, 0);
		assert.match(result.stderr, /Error from server \(Forbidden\): virtualservices\.networking\.istio\.io "reviews" is forbidden: User "sim-admin" cannot patch resource "virtualservices" in API group "networking\.istio\.io" in the namespace "bookinfo"/);
		assert.equal((await kubectl('get', 'vs', 'reviews')).code, 0, 'get is still allowed');
	});
});
