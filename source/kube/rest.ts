/**
 * The few Kubernetes REST calls meshtop makes, prepared by client-node's own request path (its `RequestContext` and
 * `KubeConfig.applySecurityAuthentication` for every auth method: headers, TLS material, proxy) and sent with Node's
 * HTTP client through a kept agent per TLS material (node-request.ts; undici only for a `proxy-url`), without
 * client-node's generated API classes. Why: those classes deserialise through an ObjectSerializer that references
 * every generated model, so using one of them makes a one-shot command evaluate about 2 MB of JavaScript before its
 * first request. Answers are plain JSON objects (timestamps stay strings); failures carry `{code, body}` as
 * client-node's ApiException does, so errors.ts reads them the same way.
 */
import type {KubeConfig} from '@kubernetes/client-node';
// Modules, not the package index (see config.ts).
import {HttpMethod, RequestContext} from '@kubernetes/client-node/dist/gen/http/http.js';
import type {Dispatcher} from 'undici';
import {KubeError} from './errors.js';
import {headerRecord, sendOverNode, type NodeAnswer} from './node-request.js';
import {nodeAgentFor} from './shared-dispatchers.js';
import {SharedTransport} from './shared-transport.js';
import {errorMessage} from '../util/error-message.js';
import {authenticate} from './authenticate.js';

/** A non-2xx answer: the HTTP status and the raw body (a Status object as JSON, usually). */
export class KubeHttpError extends Error {
	/** The HTTP status, where errors.ts looks for it (client-node's ApiException has the same field). */
	readonly code: number;
	/** The answer's body as text. */
	readonly body: string;
	/**
	 * The answer's headers, names lower-cased. Why kept: kube-apiserver's own 429 (max-requests-inflight) says when to
	 * come back only in `Retry-After` (its body is plain text), and errors.ts reads it from here.
	 */
	readonly headers: Readonly<Record<string, string>>;

	constructor(code: number, body: string, method: string, url: string, headers: Readonly<Record<string, string>> = {}) {
		super(`HTTP ${code} from ${method} ${url}`);
		this.name = 'KubeHttpError';
		this.code = code;
		this.body = body;
		this.headers = headers;
	}
}

/** Query parameters of a request; undefined values are left out. */
export type KubeQuery = Readonly<Record<string, string | undefined>>;

/** Content types of the bodies meshtop sends. */
export type KubeContentType = 'application/json' | 'application/json-patch+json';

/** GET/POST/PATCH against the API server of a kubeconfig's current context, JSON in and out. */
export class KubeRest {
	private readonly kc: KubeConfig;

	constructor(kc: KubeConfig) {
		this.kc = kc;
	}

	/** GET `path` (e.g. `/api/v1/namespaces/x/pods`) and parse the JSON answer; aborting `signal` ends the request. */
	async get(path: string, query: KubeQuery = {}, signal?: AbortSignal): Promise<unknown> {
		return this.request(HttpMethod.GET, path, query, undefined, signal);
	}

	/** POST a JSON body to `path`. */
	async post(path: string, body: unknown): Promise<unknown> {
		return this.request(HttpMethod.POST, path, {}, {body, contentType: 'application/json'});
	}

	/** PATCH `path` with a body of `contentType` (a JSON Patch for meshtop's writes). */
	async patch(path: string, body: unknown, contentType: KubeContentType): Promise<unknown> {
		return this.request(HttpMethod.PATCH, path, {}, {body, contentType});
	}

	private async request(method: HttpMethod, path: string, query: KubeQuery, send?: {body: unknown; contentType: KubeContentType}, signal?: AbortSignal): Promise<unknown> {
		const cluster = this.kc.getCurrentCluster();
		if (cluster === null) {
			throw new Error('No active cluster!');
		}

		const url = new URL(cluster.server.replace(/\/+$/, '') + path);
		for (const [name, value] of Object.entries(query)) {
			if (value !== undefined) {
				url.searchParams.set(name, value);
			}
		}

		const context = new RequestContext(url.toString(), method);
		context.setHeaderParam('Accept', 'application/json');
		context.setHeaderParam('User-Agent', 'meshtop');
		if (signal !== undefined) {
			context.setSignal(signal);
		}
		if (send !== undefined) {
			context.setHeaderParam('Content-Type', send.contentType);
			context.setBody(JSON.stringify(send.body));
		}

		// Tokens (static, file, exec plugins, OIDC), client certificates, CAs and proxies: client-node's, per request.
		try {
			await authenticate(this.kc, context);
		} catch (error) {
			// An exec plugin that failed, an OIDC token that could not be refreshed: no request was sent, and retrying
			// will not help until the user logs in again. client-node's own error says only what broke inside it.
			const user = this.kc.getCurrentUser()?.name ?? '(none)';
			throw new KubeError('unauthorized', `cannot get the credentials of kubeconfig user ${user}: ${errorMessage(error).trim()}; log in again or check the kubeconfig user`, {cause: error});
		}

		// The kept Node agent of the TLS material client-node prepared; none means a proxy-url (undici tunnels it).
		const agent = nodeAgentFor(this.kc, context.getDispatcher(), url.protocol);
		const body = context.getBody();
		const response = agent === undefined
			? await sendThroughUndici(context)
			: await sendOverNode({url, method, headers: context.getHeaders(), ...(typeof body === 'string' ? {body} : {}), ...(signal === undefined ? {} : {signal})}, agent);
		const {text} = response;
		if (response.statusCode < 200 || response.statusCode > 299) {
			throw new KubeHttpError(response.statusCode, text, method, url.toString(), response.headers);
		}

		return text === '' ? {} : JSON.parse(text) as unknown;
	}
}

/**
 * Sends the request client-node prepared with undici's request() through the dispatcher client-node built: for a
 * `proxy-url` (undici's ProxyAgent opens the CONNECT or SOCKS tunnel), and for a client-node whose dispatchers meshtop
 * does not share. undici is loaded here, on the first such request, not by every start.
 */
async function sendThroughUndici(context: RequestContext): Promise<NodeAnswer> {
	const {request} = await import('undici');
	const body = context.getBody();
	const dispatcher = context.getDispatcher();
	const response = await request(context.getUrl(), {
		method: context.getHttpMethod() as Dispatcher.HttpMethod,
		headers: context.getHeaders(),
		...(typeof body === 'string' ? {body} : {}),
		...(dispatcher === undefined ? {} : {dispatcher: (dispatcher instanceof SharedTransport ? dispatcher.undici() : dispatcher) as Dispatcher}),
		...(context.getSignal() === undefined ? {} : {signal: context.getSignal()}),
	});
	return {statusCode: response.statusCode, headers: headerRecord(response.headers), text: await response.body.text()};
}

/** `/api/v1/namespaces/NS/RESOURCE[/NAME]`, each part escaped. */
export function corePath(namespace: string, resource: string, name?: string): string {
	return `/api/v1/namespaces/${encodeURIComponent(namespace)}/${resource}${name === undefined ? '' : `/${encodeURIComponent(name)}`}`;
}

/** `/apis/GROUP/VERSION/namespaces/NS/PLURAL[/NAME]`, each part escaped. */
export function customPath(where: {group: string; version: string; namespace: string; plural: string; name?: string}): string {
	const name = where.name === undefined ? '' : `/${encodeURIComponent(where.name)}`;
	return `/apis/${where.group}/${where.version}/namespaces/${encodeURIComponent(where.namespace)}/${where.plural}${name}`;
}
