/**
 * The few Kubernetes REST calls meshtop makes, sent through client-node's own request path (its `RequestContext`,
 * `KubeConfig.applySecurityAuthentication` for every auth method, and its fetch library) but without its generated
 * API classes. Why: those classes deserialise through an ObjectSerializer that references every generated model, so
 * using one of them makes a one-shot command evaluate about 2 MB of JavaScript before its first request. Answers are
 * plain JSON objects (timestamps stay strings); failures carry `{code, body}` as client-node's ApiException does, so
 * errors.ts reads them the same way.
 */
import type {KubeConfig} from '@kubernetes/client-node';
// Modules, not the package index (see config.ts).
import {HttpMethod, RequestContext} from '@kubernetes/client-node/dist/gen/http/http.js';
import {request as undiciRequest, type Dispatcher} from 'undici';
import {KubeError} from './errors.js';
import {errorMessage} from '../util/error-message.js';

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
			await this.kc.applySecurityAuthentication(context);
		} catch (error) {
			// An exec plugin that failed, an OIDC token that could not be refreshed: no request was sent, and retrying
			// will not help until the user logs in again. client-node's own error says only what broke inside it.
			const user = this.kc.getCurrentUser()?.name ?? '(none)';
			throw new KubeError('unauthorized', `cannot get the credentials of kubeconfig user ${user}: ${errorMessage(error).trim()}; log in again or check the kubeconfig user`, {cause: error});
		}

		const response = await sendPrepared(context);
		const text = await response.body.text();
		if (response.statusCode < 200 || response.statusCode > 299) {
			throw new KubeHttpError(response.statusCode, text, method, url.toString(), headerRecord(response.headers));
		}

		return text === '' ? {} : JSON.parse(text) as unknown;
	}
}

/**
 * Sends the request client-node prepared (headers, body, and the dispatcher carrying its TLS material and proxy)
 * with undici's request(), not the fetch client-node's own HTTP library uses: the same connection pool, without the
 * WHATWG Request, Response and streams fetch builds around every call (evaluated at each start, then per request).
 * Transport failures are undici's and Node's errors with their codes (ECONNREFUSED, certificate codes), which
 * errors.ts reads as it read them from fetch's cause chain.
 */
async function sendPrepared(context: RequestContext): Promise<Dispatcher.ResponseData> {
	const body = context.getBody();
	return undiciRequest(context.getUrl(), {
		method: context.getHttpMethod() as Dispatcher.HttpMethod,
		headers: context.getHeaders(),
		...(typeof body === 'string' ? {body} : {}),
		...(context.getDispatcher() === undefined ? {} : {dispatcher: context.getDispatcher() as Dispatcher}),
		...(context.getSignal() === undefined ? {} : {signal: context.getSignal()}),
	});
}

/** undici's answer headers (names already lower-case; a repeated header is an array) as one string per name. */
function headerRecord(headers: Dispatcher.ResponseData['headers']): Record<string, string> {
	return Object.fromEntries(Object.entries(headers).flatMap(([name, value]) => value === undefined ? [] : [[name, Array.isArray(value) ? value.join(', ') : value]]));
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
