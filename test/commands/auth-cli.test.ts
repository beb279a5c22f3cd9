/**
 * The whole bundled CLI (`meshtop status --json` as a user runs it, in its own process) with a kubeconfig of two
 * contexts of different auth methods: `--context` picks one, and every request of that run (the route read and
 * Prometheus through the port-forward) reaches the API server as that context's user; a refused credential exits 1
 * with meshtop's unauthorized message.
 */
import assert from 'node:assert/strict';
import {execFile} from 'node:child_process';
import {fileURLToPath} from 'node:url';
import {promisify} from 'node:util';
import {after, before, describe, it} from 'node:test';
import type {StatusReport} from '../../source/commands/status.js';
import {startAuthFixture, type AuthFixture, type AuthMethod} from '../helpers/auth-fixture.js';

const run = promisify(execFile);
const cliPath = fileURLToPath(new URL('../../cli.js', import.meta.url));

describe('meshtop status --kubeconfig --context: the bundled CLI authenticates as the chosen context', {timeout: 90_000}, () => {
	let fixture: AuthFixture;
	let kubeconfig: string;
	let methods: AuthMethod[];
	before(async () => {
		fixture = await startAuthFixture();
		methods = ['exec', 'client-certificate-files'].map(name => fixture.methods.find(method => method.name === name)!);
		const token = fixture.methods.find(method => method.name === 'token')!;
		kubeconfig = await fixture.kubeconfig('cli', [
			...methods.map(method => ({name: method.name, user: method.entry})),
			{name: 'refused', user: {token: 'not-a-token'}},
			{name: 'proxied', user: token.entry, cluster: {server: fixture.gate.url, 'certificate-authority-data': Buffer.from(fixture.ca.pem).toString('base64'), 'proxy-url': fixture.proxy.url}},
		]);
	});
	after(async () => fixture.stop());

	for (const name of ['exec', 'client-certificate-files']) {
		it(`--context ${name}: the route and Prometheus (port-forward) as that user`, async () => {
			const method = methods.find(candidate => candidate.name === name)!;
			const from = fixture.gate.seen.length;
			const {stdout} = await run(process.execPath, [cliPath, 'status', 'reviews', '-n', 'bookinfo', '--kubeconfig', kubeconfig, '--context', name, '--json', '--no-live'], {timeout: 60_000, env: {...process.env, NO_COLOR: '1'}});
			const report = JSON.parse(stdout) as StatusReport;
			assert.equal(report.context, name);
			assert.equal(report.prometheus.error, undefined, 'Prometheus answered through the port-forward');
			const seen = fixture.gate.seen.slice(from);
			assert.ok(seen.some(request => request.kind === 'get') && seen.some(request => request.kind === 'portforward'), `a GET and a port-forward: ${seen.map(request => request.kind).join(', ')}`);
			for (const request of seen) {
				assert.equal(request.user, method.user, `${request.kind} ${request.path} as ${method.user}`);
				assert.equal(request.credential, method.credential, `${request.kind} ${request.path} by ${method.credential}`);
			}
		});
	}

	// The bundle takes only part of undici (scripts/bundle-slim-undici.mjs): its ProxyAgent opens the CONNECT tunnel
	// with a method the package index adds to every dispatcher, so this runs the bundle, not tsc's output.
	it('--context proxied (proxy-url): the route and Prometheus through the proxy\'s CONNECT tunnel', async () => {
		const from = fixture.gate.seen.length;
		const {stdout} = await run(process.execPath, [cliPath, 'status', 'reviews', '-n', 'bookinfo', '--kubeconfig', kubeconfig, '--context', 'proxied', '--json', '--no-live'], {timeout: 60_000, env: {...process.env, NO_COLOR: '1'}});
		const report = JSON.parse(stdout) as StatusReport;
		assert.equal(report.prometheus.error, undefined, 'Prometheus answered through the port-forward');
		const seen = fixture.gate.seen.slice(from);
		assert.ok(seen.some(request => request.kind === 'get') && seen.some(request => request.kind === 'portforward'), `a GET and a port-forward: ${seen.map(request => request.kind).join(', ')}`);
		for (const request of seen) {
			assert.ok(fixture.proxy.tunnelPorts.has(request.remotePort), `${request.kind} ${request.path} came through the proxy`);
		}
	});

	it('--context refused: exit 1, and stderr says the credentials were rejected', async () => {
		await assert.rejects(run(process.execPath, [cliPath, 'status', 'reviews', '-n', 'bookinfo', '--kubeconfig', kubeconfig, '--context', 'refused', '--json', '--no-live'], {timeout: 60_000}), (error: {code?: number; stderr?: string}) => {
			assert.equal(error.code, 1);
			assert.match(error.stderr ?? '', /unauthorized: the API server rejected the credentials of user refused/);
			return true;
		});
	});
});
