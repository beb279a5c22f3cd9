/**
 * The cluster side of a kubeconfig on each of meshtop's paths (REST, watch, port-forward): a CA given as a file, a CA
 * that did not sign the server's certificate (a clear failure, at once), insecure-skip-tls-verify, and a proxy-url
 * whose CONNECT tunnels must carry every path, the port-forward WebSocket included.
 */
import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';
import {loadKubeTarget} from '../../source/kube/config.js';
import {KubeError} from '../../source/kube/errors.js';
import {startAuthFixture, type AuthFixture, type ContextSpec} from '../helpers/auth-fixture.js';
import {buildInfoThrough, feedUntil, getAndPatch, prometheusPod} from '../helpers/auth-paths.js';
import {waitFor} from '../helpers/wait-for.js';

const certificateMessage = /^cannot verify the TLS certificate of the API server https:\/\/127\.0\.0\.1:\d+: .+; check the cluster's certificate-authority\(-data\) \(or tls-server-name\) in the kubeconfig$/;

describe('kubeconfig cluster TLS and proxy on every path', {timeout: 90_000}, () => {
	let fixture: AuthFixture;
	let pod: string;
	/** A kubeconfig of the token user on a cluster with these fields (server: the gate). */
	const tokenUser = async (name: string, cluster: Record<string, unknown>) => {
		const spec: ContextSpec = {name, user: fixture.methods[0]!.entry, cluster: {server: fixture.gate.url, ...cluster}};
		return fixture.kubeconfig(`tls-${name}`, [spec]);
	};

	/** REST, watch and port-forward all work with `kubeconfig`, each seen by the gate as alice. */
	const allPathsWork = async (kubeconfig: string) => {
		const rest = await getAndPatch(fixture, kubeconfig);
		assert.ok(rest.length > 0 && rest.every(request => request.user === 'alice'), 'REST as alice');
		const target = loadKubeTarget({kubeconfig});
		const from = fixture.gate.seen.length;
		await feedUntil(target, state => state.status === 'live' && state.items.has('reviews'));
		assert.ok(fixture.gate.seen.slice(from).some(request => request.kind === 'watch' && request.user === 'alice'), 'a watch as alice');
		const {status, forward} = await buildInfoThrough(target, pod);
		await forward.stop();
		assert.equal(status, 200, 'Prometheus through the forward');
	};

	before(async () => {
		fixture = await startAuthFixture();
		pod = prometheusPod(fixture);
	});
	after(async () => fixture.stop());

	it('certificate-authority as a file: every path verifies the server and works', async () => {
		await allPathsWork(await tokenUser('ca-file', {'certificate-authority': fixture.ca.file}));
	});

	it('insecure-skip-tls-verify without a CA: every path works', async () => {
		await allPathsWork(await tokenUser('skip-verify', {'insecure-skip-tls-verify': true}));
	});

	it('a CA that did not sign the server\'s certificate: each path fails at once, saying to check the certificate-authority', async () => {
		const kubeconfig = await tokenUser('wrong-ca', {'certificate-authority-data': Buffer.from(fixture.wrongCaPem).toString('base64')});
		const from = fixture.gate.seen.length;
		await assert.rejects(getAndPatch(fixture, kubeconfig), (error: unknown) => {
			assert.ok(error instanceof KubeError);
			assert.match(error.message, certificateMessage);
			return true;
		});
		const target = loadKubeTarget({kubeconfig});
		const state = await feedUntil(target, current => current.error !== undefined);
		assert.equal(state.status, 'reconnecting');
		assert.match(state.error?.message ?? '', certificateMessage);
		const {status, forward} = await buildInfoThrough(target, pod);
		try {
			assert.equal(status, undefined, 'nothing answers through the forward');
			// Failed, not reconnecting: no retry can make the CA trust the server.
			const failed = await waitFor(() => forward.status().state === 'failed' && forward.status(), {message: 'the forward fails'});
			assert.match(failed.error ?? '', certificateMessage);
		} finally {
			await forward.stop();
		}

		assert.equal(fixture.gate.seen.length, from, 'no request got past TLS');
	});

	it('proxy-url: REST, the watch and the port-forward WebSocket each go through the proxy\'s CONNECT tunnel', async () => {
		const kubeconfig = await tokenUser('proxied', {'certificate-authority-data': Buffer.from(fixture.ca.pem).toString('base64'), 'proxy-url': fixture.proxy.url});
		const gateAddress = new URL(fixture.gate.url).host;
		const tunnelsFrom = fixture.proxy.tunnels.length;
		const seenFrom = fixture.gate.seen.length;
		await getAndPatch(fixture, kubeconfig);
		const target = loadKubeTarget({kubeconfig});
		await feedUntil(target, state => state.status === 'live' && state.items.has('reviews'));
		const {status, forward} = await buildInfoThrough(target, pod);
		await forward.stop();
		assert.equal(status, 200, 'Prometheus through the forward');

		const seen = fixture.gate.seen.slice(seenFrom);
		assert.deepEqual(new Set(seen.map(request => request.kind)), new Set(['get', 'patch', 'watch', 'portforward']));
		for (const request of seen) {
			assert.ok(fixture.proxy.tunnelPorts.has(request.remotePort), `${request.kind} ${request.path} came through the proxy`);
		}

		const tunnels = fixture.proxy.tunnels.slice(tunnelsFrom);
		assert.ok(tunnels.length > 0 && tunnels.every(tunnel => tunnel === gateAddress), `tunnels to the API server only: ${tunnels.join(', ')}`);
	});
});
