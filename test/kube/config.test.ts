import assert from 'node:assert/strict';
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {after, describe, test} from 'node:test';
import {stringify} from 'yaml';
import {loadKubeTarget} from '../../source/kube/config.js';
import {KubeError} from '../../source/kube/errors.js';

const dir = mkdtempSync(path.join(tmpdir(), 'meshtop-kubeconfig-'));
after(() => {
	rmSync(dir, {recursive: true, force: true});
});

function kubeconfig(file: string, config: {clusters: Array<[string, string]>; users: string[]; contexts: Array<{name: string; cluster: string; user: string; namespace?: string}>; current?: string}): string {
	const fullPath = path.join(dir, file);
	mkdirSync(path.dirname(fullPath), {recursive: true});
	writeFileSync(fullPath, stringify({
		apiVersion: 'v1',
		kind: 'Config',
		clusters: config.clusters.map(([name, server]) => ({name, cluster: {server}})),
		users: config.users.map(name => ({name, user: {token: `token-${name}`}})),
		contexts: config.contexts.map(context => ({name: context.name, context: {cluster: context.cluster, user: context.user, ...(context.namespace === undefined ? {} : {namespace: context.namespace})}})),
		...(config.current === undefined ? {} : {'current-context': config.current}),
	}));
	return fullPath;
}

const first = kubeconfig('a/config', {
	clusters: [['sim', 'http://127.0.0.1:6443'], ['shared', 'http://first.invalid:1']],
	users: ['sim-admin'],
	contexts: [{name: 'sim', cluster: 'sim', user: 'sim-admin', namespace: 'bookinfo'}],
	current: 'sim',
});
const second = kubeconfig('b/config', {
	clusters: [['prod', 'https://prod.invalid:443'], ['shared', 'http://second.invalid:2']],
	users: ['alice'],
	contexts: [{name: 'prod', cluster: 'prod', user: 'alice'}, {name: 'shared', cluster: 'shared', user: 'alice'}],
	current: 'prod',
});

function expectKubeError(run: () => unknown, kind: KubeError['kind'], pattern: RegExp) {
	assert.throws(run, (error: unknown) => {
		assert.ok(error instanceof KubeError, `expected a KubeError, got ${String(error)}`);
		assert.equal(error.kind, kind);
		assert.match(error.message, pattern);
		return true;
	});
}

describe('loadKubeTarget', () => {
	test('--kubeconfig: the context namespace, user and server of current-context', () => {
		const target = loadKubeTarget({kubeconfig: second, env: {}});
		assert.equal(target.contextName, 'prod');
		assert.equal(target.user, 'alice');
		assert.equal(target.server, 'https://prod.invalid:443');
		assert.equal(target.namespace, 'default');
		assert.equal(target.kc.getCurrentContext(), 'prod');
	});

	test('KUBECONFIG list: merged, the first file wins current-context and duplicate names', () => {
		const target = loadKubeTarget({env: {KUBECONFIG: [first, second].join(path.delimiter)}});
		assert.equal(target.contextName, 'sim');
		assert.equal(target.namespace, 'bookinfo');
		assert.equal(target.server, 'http://127.0.0.1:6443');
		// Contexts of the second file are reachable, and the duplicated cluster name resolves to the first file's.
		const shared = loadKubeTarget({context: 'shared', env: {KUBECONFIG: [first, second].join(path.delimiter)}});
		assert.equal(shared.server, 'http://first.invalid:1');
		assert.equal(shared.user, 'alice');
	});

	test('KUBECONFIG list: missing entries are skipped, like kubectl', () => {
		const target = loadKubeTarget({env: {KUBECONFIG: [path.join(dir, 'missing'), second, ''].join(path.delimiter)}});
		assert.equal(target.contextName, 'prod');
	});

	test('--kubeconfig wins over KUBECONFIG', () => {
		const target = loadKubeTarget({kubeconfig: first, env: {KUBECONFIG: second}});
		assert.equal(target.contextName, 'sim');
	});

	test('--context overrides current-context; --namespace overrides the context namespace', () => {
		const env = {KUBECONFIG: [first, second].join(path.delimiter)};
		const target = loadKubeTarget({context: 'prod', env});
		assert.equal(target.contextName, 'prod');
		assert.equal(target.kc.getCurrentCluster()?.server, 'https://prod.invalid:443');
		assert.equal(loadKubeTarget({namespace: 'istio-system', env}).namespace, 'istio-system');
	});

	test('plain http:// servers are usable (client-node 2.x otherwise refuses them); https keeps TLS verification', () => {
		assert.equal(loadKubeTarget({kubeconfig: first, env: {}}).kc.getCurrentCluster()?.skipTLSVerify, true);
		assert.equal(loadKubeTarget({kubeconfig: second, env: {}}).kc.getCurrentCluster()?.skipTLSVerify, false);
	});

	test('falls back to ~/.kube/config under HOME', () => {
		const home = path.join(dir, 'home');
		kubeconfig('home/.kube/config', {clusters: [['h', 'http://127.0.0.1:1']], users: ['me'], contexts: [{name: 'home', cluster: 'h', user: 'me'}], current: 'home'});
		assert.equal(loadKubeTarget({env: {HOME: home}}).contextName, 'home');
	});

	test('a missing file is no-kubeconfig naming what was tried', () => {
		const missing = path.join(dir, 'nope.yaml');
		expectKubeError(() => loadKubeTarget({kubeconfig: missing, env: {}}), 'no-kubeconfig', new RegExp(`${missing.replaceAll('.', '\\.')} \\(from --kubeconfig\\) not found`));
		expectKubeError(() => loadKubeTarget({env: {KUBECONFIG: `${missing}${path.delimiter}${missing}2`}}), 'no-kubeconfig', /nope\.yaml, .*nope\.yaml2 \(from KUBECONFIG\)/);
		expectKubeError(() => loadKubeTarget({env: {HOME: path.join(dir, 'empty-home')}}), 'no-kubeconfig', /empty-home\/\.kube\/config \(from the default location\)/);
	});

	test('an unknown --context or no current-context is no-context listing the contexts', () => {
		expectKubeError(() => loadKubeTarget({kubeconfig: first, context: 'staging', env: {}}), 'no-context', /context "staging" not found .*\(contexts: sim\)/);
		const noCurrent = kubeconfig('c/config', {clusters: [['c', 'http://127.0.0.1:1']], users: ['u'], contexts: [{name: 'only', cluster: 'c', user: 'u'}]});
		expectKubeError(() => loadKubeTarget({kubeconfig: noCurrent, env: {}}), 'no-context', /no current context .*--context.*only/);
	});
});
