/**
 * kube-apiserver's authentication in front of the simulated cluster: a TLS server that asks for a client certificate
 * (verified against the test CA, its CN is the user), else takes a bearer token or basic credentials, answers 401 with
 * a Status as kube-apiserver does when none is valid, and forwards what it accepts (requests, watch streams and
 * port-forward WebSocket upgrades) to the sim as that user. It records who it saw on which path, so a test can assert
 * that every path of meshtop presented the credential.
 */
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type {TLSSocket} from 'node:tls';
import {simTokenPrefix} from '../../source/sim/kubeconfig.js';
import {listenOnLoopback} from '../../source/net/listen.js';
import {joinSockets, trackConnections} from './tracked-server.js';

/** Which of meshtop's paths a request came from. */
export type RequestKind = 'get' | 'watch' | 'patch' | 'post' | 'portforward';

/** How a request authenticated. */
export type CredentialKind = 'certificate' | 'token' | 'basic' | 'none';

/** One request as the gate saw it. */
export interface SeenRequest {
	kind: RequestKind;
	path: string;
	/** The authenticated user; undefined when refused. */
	user?: string;
	credential: CredentialKind;
	/** The client's port: tells a request that came through a proxy's tunnel from one that did not. */
	remotePort: number;
}

/** Who may come in. */
export interface GateUsers {
	/** Bearer token → user (undefined: refused). */
	token(token: string): string | undefined;
	/** Basic credentials → user. */
	basic(name: string, password: string): string | undefined;
}

/** Options of {@link startAuthGate}. */
export interface AuthGateOptions {
	/** PEM text: the gate's serving certificate and key, and the CA that signs accepted client certificates. */
	tls: {cert: string; key: string; clientCa: string};
	/** The sim's API server, e.g. http://127.0.0.1:40123. */
	upstream: string;
	users: GateUsers;
}

/** A running gate. */
export interface AuthGate {
	/** https://127.0.0.1:PORT */
	url: string;
	/** Every request so far, oldest first. */
	seen: SeenRequest[];
	stop(): Promise<void>;
}

const unauthorized = JSON.stringify({kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401});

function kindOf(request: http.IncomingMessage, upgrade: boolean): RequestKind {
	const url = new URL(request.url ?? '/', 'https://gate');
	if (upgrade) {
		return 'portforward';
	}

	if (request.method === 'PATCH') {
		return 'patch';
	}

	if (request.method === 'POST') {
		return 'post';
	}

	return url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1' ? 'watch' : 'get';
}

/** The user of a request, as kube-apiserver's union authenticator finds it: certificate first, then token, then basic. */
function authenticate(request: http.IncomingMessage, users: GateUsers): {user?: string; credential: CredentialKind} {
	const socket = request.socket as TLSSocket;
	const subject = socket.authorized ? socket.getPeerCertificate().subject : undefined;
	const commonName = subject?.CN;
	if (typeof commonName === 'string' && commonName !== '') {
		return {user: commonName, credential: 'certificate'};
	}

	const header = request.headers.authorization ?? '';
	if (header.startsWith('Bearer ')) {
		const user = users.token(header.slice('Bearer '.length));
		return user === undefined ? {credential: 'token'} : {user, credential: 'token'};
	}

	if (header.startsWith('Basic ')) {
		const [name = '', password = ''] = Buffer.from(header.slice('Basic '.length), 'base64').toString('utf8').split(':');
		const user = users.basic(name, password);
		return user === undefined ? {credential: 'basic'} : {user, credential: 'basic'};
	}

	return {credential: 'none'};
}

/** Request headers for the sim: the same, with the gate's verdict as the sim's token. */
function forwardedHeaders(request: http.IncomingMessage, user: string): Record<string, string | string[]> {
	const headers: Record<string, string | string[]> = {};
	for (const [name, value] of Object.entries(request.headers)) {
		if (value !== undefined && name !== 'authorization' && name !== 'host') {
			headers[name] = value;
		}
	}

	headers['authorization'] = `Bearer ${simTokenPrefix}${user}`;
	return headers;
}

/** Starts the gate on a free 127.0.0.1 port. The caller must stop() it. */
export async function startAuthGate(options: AuthGateOptions): Promise<AuthGate> {
	const upstream = new URL(options.upstream);
	const seen: SeenRequest[] = [];
	const admit = (request: http.IncomingMessage, upgrade: boolean): string | undefined => {
		const {user, credential} = authenticate(request, options.users);
		seen.push({kind: kindOf(request, upgrade), path: request.url ?? '', credential, remotePort: request.socket.remotePort ?? 0, ...(user === undefined ? {} : {user})});
		return user;
	};

	const server = https.createServer({cert: options.tls.cert, key: options.tls.key, ca: options.tls.clientCa, requestCert: true, rejectUnauthorized: false}, (request, response) => {
		const user = admit(request, false);
		if (user === undefined) {
			response.writeHead(401, {'content-type': 'application/json'});
			response.end(unauthorized);
			return;
		}

		const forward = http.request({host: upstream.hostname, port: upstream.port, method: request.method, path: request.url, headers: forwardedHeaders(request, user)}, answer => {
			response.writeHead(answer.statusCode ?? 502, answer.headers);
			// A watch's headers go at once, as kube-apiserver sends them; its first event may be seconds away.
			response.flushHeaders();
			answer.pipe(response);
		});
		forward.on('error', () => response.destroy());
		response.on('close', () => forward.destroy());
		request.pipe(forward);
	});
	const tracked = trackConnections(server, {on: 'secureConnection'});
	server.on('upgrade', (request: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
		tracked.track(socket);
		const user = admit(request, true);
		if (user === undefined) {
			socket.end(`HTTP/1.1 401 Unauthorized\r\ncontent-type: application/json\r\ncontent-length: ${unauthorized.length}\r\nconnection: close\r\n\r\n${unauthorized}`);
			return;
		}

		// Written while the socket connects (queued in order), before anything the client sends after its upgrade.
		const sim = tracked.track(net.connect(Number(upstream.port), upstream.hostname));
		const lines = Object.entries(forwardedHeaders(request, user)).flatMap(([name, value]) => (Array.isArray(value) ? value : [value]).map(one => `${name}: ${one}`));
		sim.write(`${request.method} ${request.url} HTTP/1.1\r\nhost: ${upstream.host}\r\n${lines.join('\r\n')}\r\n\r\n`);
		sim.write(head);
		joinSockets(sim, socket);
	});

	const port = await listenOnLoopback(server);
	return {
		url: `https://127.0.0.1:${port}`,
		seen,
		stop: tracked.close,
	};
}
