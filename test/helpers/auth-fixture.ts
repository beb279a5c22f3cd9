/**
 * The kubeconfig auth methods meshtop must keep working (issue 12: a lighter path than client-node's generated
 * clients must pass the same kubeconfig tests for each one), and a simulated cluster behind an authenticating TLS
 * gate (auth-gate.ts) to try them on. Certificates come from the test bed's openssl PKI; an exec credential plugin,
 * a token file and client-certificate files are written next to the kubeconfigs, referenced by relative paths as
 * kubectl resolves them.
 */
import {mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {execFile} from 'node:child_process';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {promisify} from 'node:util';
import {stringify} from 'yaml';
import {startSimCluster, type SimCluster} from '../../source/sim/cluster.js';
import {createPki, issueClientCertificate} from '../testbed/pki.js';
import {startAuthGate, type AuthGate, type CredentialKind} from './auth-gate.js';
import {startConnectProxy, type ConnectProxy} from './connect-proxy.js';

const run = promisify(execFile);

/** One way a kubeconfig user authenticates, and who the API server must then see. */
export interface AuthMethod {
	/** Also the kubeconfig user's and context's name. */
	name: string;
	/** The kubeconfig `user:` entry. */
	entry: Record<string, unknown>;
	/** The user the gate must see. */
	user: string;
	/** How the gate must see it. */
	credential: CredentialKind;
}

/** A context of a kubeconfig the fixture writes. */
export interface ContextSpec {
	name: string;
	user: Record<string, unknown>;
	/** Cluster fields replacing the default (server = the gate, certificate-authority-data = the test CA). */
	cluster?: Record<string, unknown>;
}

/** The running fixture. */
export interface AuthFixture {
	sim: SimCluster;
	gate: AuthGate;
	proxy: ConnectProxy;
	/** Where kubeconfigs and their referenced files live. */
	directory: string;
	/** The CA that signed the gate's certificate and the client certificates. */
	ca: {file: string; pem: string};
	/** A CA that signed nothing here: trusting it must fail verification. */
	wrongCaPem: string;
	/** One entry per auth method. */
	methods: readonly AuthMethod[];
	/** A valid OIDC id-token (unsigned JWT, unexpired; client-node reads only its exp) and an expired one. */
	idTokens: {valid: string; expired: string};
	/** Writes `<name>.yaml` with these contexts (the first is current); returns its path. */
	kubeconfig(name: string, contexts: readonly ContextSpec[]): Promise<string>;
	/** How often the exec plugin has run. */
	execRuns(): Promise<number>;
	/** Replaces the token in the token file (a rotation). */
	rotateToken(token: string): Promise<void>;
	stop(): Promise<void>;
}

/** Accepted bearer tokens. */
export const tokens = {alice: 'alice-token', bob: ['bob-token-1', 'bob-token-2']} as const;

function jwt(payload: Record<string, unknown>): string {
	const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
	return `${part({alg: 'RS256', typ: 'JWT'})}.${part(payload)}.c2lnbmF0dXJl`;
}

/** An exec credential plugin (v1): counts its runs, prints a fresh credential valid for TOKEN_TTL_SECONDS. */
const plugin = `import {readFileSync, writeFileSync} from 'node:fs';
const countFile = process.env.COUNT_FILE;
let runs = 0;
try { runs = Number(readFileSync(countFile, 'utf8')); } catch {}
runs++;
writeFileSync(countFile, String(runs));
const expires = new Date(Date.now() + Number(process.env.TOKEN_TTL_SECONDS) * 1000).toISOString();
// With CERT_FILE and KEY_FILE, a client certificate instead of a token (as cloud plugins for mTLS clusters print).
const status = process.env.CERT_FILE
	? {clientCertificateData: readFileSync(process.env.CERT_FILE, 'utf8'), clientKeyData: readFileSync(process.env.KEY_FILE, 'utf8')}
	: {token: 'exec-token-' + runs};
process.stdout.write(JSON.stringify({apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: {...status, expirationTimestamp: expires}}));
`;

/** Starts the sim (built-in Prometheus), the PKI, the gate and the proxy. The caller must stop() it. */
export async function startAuthFixture(): Promise<AuthFixture> {
	const directory = await mkdtemp(path.join(tmpdir(), 'meshtop-auth-'));
	const pkiDirectory = path.join(directory, 'pki');
	await mkdir(pkiDirectory);
	const pki = await createPki(pkiDirectory);
	const carol = await issueClientCertificate(pkiDirectory, {name: 'carol'});
	await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '7',
		'-subj', '/CN=some-other-ca', '-keyout', 'other-ca.key', '-out', 'other-ca.crt'], {cwd: pkiDirectory, timeout: 30_000});
	const wrongCaPem = await readFile(path.join(pkiDirectory, 'other-ca.crt'), 'utf8');

	const now = Math.floor(Date.now() / 1000);
	const idTokens = {
		valid: jwt({iss: 'https://issuer.example', sub: 'erin', aud: 'meshtop', iat: now, exp: now + 3600}),
		expired: jwt({iss: 'https://issuer.example', sub: 'erin', aud: 'meshtop', iat: now - 7200, exp: now - 3600}),
	};

	await mkdir(path.join(directory, 'secrets'));
	await writeFile(path.join(directory, 'secrets', 'bob.token'), `${tokens.bob[0]}\n`);
	await mkdir(path.join(directory, 'plugins'));
	await writeFile(path.join(directory, 'plugins', 'credential.mjs'), plugin);
	await writeFile(path.join(directory, 'plugins', 'credential.sh'), `#!/bin/sh\nexec '${process.execPath}' '${path.join(directory, 'plugins', 'credential.mjs')}'\n`, {mode: 0o755});
	const countFile = path.join(directory, 'exec-runs');

	const sim = await startSimCluster({prometheus: 'builtin', requestsPerSecond: 5});
	const gate = await startAuthGate({
		tls: {cert: await readFile(pki.serverCert, 'utf8'), key: await readFile(pki.serverKey, 'utf8'), clientCa: pki.caPem},
		upstream: sim.server,
		users: {
			token(token) {
				if (token === tokens.alice) {
					return 'alice';
				}

				if ((tokens.bob as readonly string[]).includes(token)) {
					return 'bob';
				}

				if (/^exec-token-\d+$/.test(token)) {
					return 'dave';
				}

				return token === idTokens.valid ? 'erin' : undefined;
			},
			basic: (name, password) => (name === 'frank' && password === 'frank-password' ? 'frank' : undefined),
		},
	});
	const proxy = await startConnectProxy();

	const methods: AuthMethod[] = [
		{name: 'token', entry: {token: tokens.alice}, user: 'alice', credential: 'token'},
		{name: 'token-file', entry: {tokenFile: 'secrets/bob.token'}, user: 'bob', credential: 'token'},
		{name: 'client-certificate-data', entry: {'client-certificate-data': Buffer.from(carol.certPem).toString('base64'), 'client-key-data': Buffer.from(carol.keyPem).toString('base64')}, user: 'carol', credential: 'certificate'},
		{name: 'client-certificate-files', entry: {'client-certificate': 'pki/client-carol.crt', 'client-key': 'pki/client-carol.key'}, user: 'carol', credential: 'certificate'},
		{name: 'exec', entry: {exec: {apiVersion: 'client.authentication.k8s.io/v1', command: './plugins/credential.sh', interactiveMode: 'Never', env: [{name: 'COUNT_FILE', value: countFile}, {name: 'TOKEN_TTL_SECONDS', value: '3600'}]}}, user: 'dave', credential: 'token'},
		{name: 'exec-certificate', entry: {exec: {apiVersion: 'client.authentication.k8s.io/v1', command: './plugins/credential.sh', interactiveMode: 'Never', env: [{name: 'COUNT_FILE', value: countFile}, {name: 'TOKEN_TTL_SECONDS', value: '3600'}, {name: 'CERT_FILE', value: carol.certFile}, {name: 'KEY_FILE', value: carol.keyFile}]}}, user: 'carol', credential: 'certificate'},
		{name: 'oidc', entry: {'auth-provider': {name: 'oidc', config: {'client-id': 'meshtop', 'idp-issuer-url': 'https://issuer.example', 'id-token': idTokens.valid}}}, user: 'erin', credential: 'token'},
		{name: 'basic', entry: {username: 'frank', password: 'frank-password'}, user: 'frank', credential: 'basic'},
	];

	const defaultCluster = {server: gate.url, 'certificate-authority-data': Buffer.from(pki.caPem).toString('base64')};
	return {
		sim,
		gate,
		proxy,
		directory,
		ca: {file: pki.caCert, pem: pki.caPem},
		wrongCaPem,
		methods,
		idTokens,
		async kubeconfig(name, contexts) {
			const file = path.join(directory, `${name}.yaml`);
			await writeFile(file, stringify({
				apiVersion: 'v1',
				kind: 'Config',
				clusters: contexts.map(context => ({name: context.name, cluster: context.cluster ?? defaultCluster})),
				users: contexts.map(context => ({name: context.name, user: context.user})),
				contexts: contexts.map(context => ({name: context.name, context: {cluster: context.name, user: context.name, namespace: 'bookinfo'}})),
				'current-context': contexts[0]?.name,
			}), {mode: 0o600});
			return file;
		},
		async execRuns() {
			try {
				return Number(await readFile(countFile, 'utf8'));
			} catch {
				return 0;
			}
		},
		async rotateToken(token) {
			await writeFile(path.join(directory, 'secrets', 'bob.token'), `${token}\n`);
		},
		async stop() {
			await proxy.stop();
			await gate.stop();
			await sim.stop();
			await rm(directory, {recursive: true, force: true});
		},
	};
}
