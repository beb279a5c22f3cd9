/**
 * Raw HTTP requests to a fixture's API server as a kubeconfig user, TLS verified with the kubeconfig's CA: for tests
 * that must see exactly what the server answers (status codes, Status bodies, field order), which clients hide.
 */
import {readFileSync} from 'node:fs';
import {request as httpRequest} from 'node:http';
import {request as httpsRequest} from 'node:https';
import {parse} from 'yaml';

/** A server and a user's bearer token. */
export interface RawEndpoint {
	server: string;
	token: string;
	/** PEM of the CA that signed the server's certificate (https servers). */
	ca?: string;
}

/** A server's answer: status code and body (JSON when it parses, else text). */
export interface RawAnswer {
	code: number;
	body: unknown;
	/** The body exactly as sent. */
	text: string;
}

/** The endpoint of `user` (default: the current context's) in a kubeconfig file. */
export function rawEndpoint(kubeconfigFile: string, user?: string): RawEndpoint {
	const config = parse(readFileSync(kubeconfigFile, 'utf8')) as {
		clusters: Array<{cluster: {server: string; 'certificate-authority-data'?: string}}>;
		users: Array<{name: string; user: {token: string}}>;
		contexts: Array<{name: string; context: {user: string}}>;
		'current-context': string;
	};
	const cluster = config.clusters[0]!.cluster;
	const name = user ?? config.contexts.find(context => context.name === config['current-context'])?.context.user;
	const token = config.users.find(entry => entry.name === name)?.user.token;
	if (token === undefined) {
		throw new Error(`no token for user ${String(name)} in ${kubeconfigFile}`);
	}

	const caData = cluster['certificate-authority-data'];
	return {server: cluster.server, token, ...(caData === undefined ? {} : {ca: Buffer.from(caData, 'base64').toString('utf8')})};
}

/** Sends one request; never throws for an HTTP error status (the answer carries it). */
export async function rawRequest(endpoint: RawEndpoint, method: string, path: string, options: {body?: unknown; contentType?: string; token?: string} = {}): Promise<RawAnswer> {
	const url = new URL(path, endpoint.server);
	const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
	const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
	return new Promise((resolve, reject) => {
		const outgoing = request(url, {
			method,
			ca: endpoint.ca,
			headers: {
				authorization: `Bearer ${options.token ?? endpoint.token}`,
				accept: 'application/json',
				...(payload === undefined ? {} : {'content-type': options.contentType ?? 'application/json'}),
			},
		}, response => {
			let text = '';
			response.setEncoding('utf8');
			response.on('data', (chunk: string) => {
				text += chunk;
			});
			response.on('end', () => {
				let body: unknown = text;
				try {
					body = JSON.parse(text);
				} catch {
					// Not JSON: kept as text.
				}

				resolve({code: response.statusCode ?? 0, body, text});
			});
		});
		outgoing.on('error', reject);
		outgoing.end(payload);
	});
}
