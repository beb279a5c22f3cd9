import {errorMessage} from '../util/error-message.js';
import {isObject} from '../util/guards.js';
/** What went wrong, for code that reacts differently per cause (retry, re-read, show a hint). */
export type KubeErrorKind =
	| 'no-kubeconfig'
	| 'no-context'
	| 'unreachable'
	| 'unauthorized'
	| 'forbidden'
	| 'not-found'
	| 'conflict'
	| 'invalid'
	| 'gone'
	| 'other';

/** Optional details of a {@link KubeError}. */
export interface KubeErrorDetails {
	/** HTTP status of the API server's answer, when there was one. */
	status?: number;
	/** The Kubernetes verb that failed (get, list, watch, patch, create). */
	verb?: string;
	/** The resource, qualified by group, e.g. virtualservices.networking.istio.io. */
	resource?: string;
	/** The original error, kept for debugging. */
	cause?: unknown;
	/** Seconds the server asked to wait before retrying (429/503 Retry-After, or the Status' details.retryAfterSeconds). */
	retryAfterSeconds?: number;
}

/** An error the user can act on: message says what failed and what to do; kind for programmatic handling. */
export class KubeError extends Error {
	/** The cause, for programmatic handling. */
	readonly kind: KubeErrorKind;
	/** HTTP status of the API server's answer, when there was one. */
	readonly status?: number;
	/** The Kubernetes verb that failed. */
	readonly verb?: string;
	/** The resource that the verb was applied to. */
	readonly resource?: string;
	/** Seconds the server asked to wait before retrying, when it said. */
	readonly retryAfterSeconds?: number;

	constructor(kind: KubeErrorKind, message: string, details: KubeErrorDetails = {}) {
		super(message, details.cause === undefined ? undefined : {cause: details.cause});
		this.name = 'KubeError';
		this.kind = kind;
		if (details.status !== undefined) {
			this.status = details.status;
		}

		if (details.verb !== undefined) {
			this.verb = details.verb;
		}

		if (details.resource !== undefined) {
			this.resource = details.resource;
		}

		if (details.retryAfterSeconds !== undefined) {
			this.retryAfterSeconds = details.retryAfterSeconds;
		}
	}
}

/** What was being done when an error happened; names in messages come from here. */
export interface KubeErrorContext {
	/** Kubernetes verb: get, list, watch, patch, create, portforward. */
	verb: string;
	/** Plural resource qualified by group (core resources unqualified), e.g. virtualservices.networking.istio.io. */
	resource: string;
	/** Namespace of the request, if namespaced. */
	namespace?: string;
	/** Object name, for requests about one object. */
	name?: string;
	/** API server URL, named when it cannot be reached. */
	server?: string;
	/** Kubeconfig user, named when access is denied (the Status message is used when it names the user). */
	user?: string;
}

/** The parts of a Kubernetes `Status` body that messages use. */
interface StatusBody {
	code?: number;
	reason?: string;
	message?: string;
	retryAfterSeconds?: number;
}

/** Node/undici error codes meaning "the connection never worked or broke". */
const networkCodes = new Set([
	'ECONNREFUSED',
	'ECONNRESET',
	'ENOTFOUND',
	'EAI_AGAIN',
	'ETIMEDOUT',
	'EHOSTUNREACH',
	'ENETUNREACH',
	'EPIPE',
	'UND_ERR_SOCKET',
	'UND_ERR_CONNECT_TIMEOUT',
	'UND_ERR_HEADERS_TIMEOUT',
	'UND_ERR_BODY_TIMEOUT',
	'UND_ERR_CLOSED',
	'DEPTH_ZERO_SELF_SIGNED_CERT',
	'SELF_SIGNED_CERT_IN_CHAIN',
	'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
	'CERT_HAS_EXPIRED',
	'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** Of those, the ones where the server answered but its certificate is not the one the kubeconfig trusts. */
const certificateCodes = new Set([
	'DEPTH_ZERO_SELF_SIGNED_CERT',
	'SELF_SIGNED_CERT_IN_CHAIN',
	'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
	'CERT_HAS_EXPIRED',
	'ERR_TLS_CERT_ALTNAME_INVALID',
]);


/** Reads a Status from an ApiException body (a JSON string in client-node 2.x) or an object. */
function parseStatus(body: unknown): StatusBody | undefined {
	let value = body;
	if (typeof body === 'string') {
		try {
			value = JSON.parse(body) as unknown;
		} catch {
			return body.trim() === '' ? undefined : {message: body.trim()};
		}
	}

	if (!isObject(value)) {
		return undefined;
	}

	const status: StatusBody = {};
	if (typeof value['code'] === 'number') {
		status.code = value['code'];
	}

	if (typeof value['reason'] === 'string') {
		status.reason = value['reason'];
	}

	const retryAfter = isObject(value['details']) ? value['details']['retryAfterSeconds'] : undefined;
	if (typeof retryAfter === 'number' && retryAfter > 0) {
		status.retryAfterSeconds = retryAfter;
	}

	// Patch failures say what went wrong in details.causes (the top-level message is generic), as a real API server does.
	const details = value['details'];
	const causes = isObject(details) && Array.isArray(details['causes']) ? details['causes'] : [];
	const causeMessages = causes.flatMap(cause => isObject(cause) && typeof cause['message'] === 'string' ? [cause['message']] : []);
	const parts = [...(typeof value['message'] === 'string' ? [value['message']] : []), ...causeMessages];
	if (parts.length > 0) {
		status.message = parts.join(': ');
	}

	return status;
}

/** Finds an HTTP status and a Status body on the error shapes client-node produces. */
/** The Retry-After header of an ApiException (client-node keeps the response headers), in seconds. */
function retryAfterHeader(error: Record<string, unknown>): number | undefined {
	const headers = error['headers'];
	const value = isObject(headers) ? headers['retry-after'] ?? headers['Retry-After'] : undefined;
	const seconds = typeof value === 'string' ? Number(value) : Number.NaN;
	return Number.isFinite(seconds) && seconds > 0 ? seconds : undefined;
}

function httpFailure(error: unknown): {status: number; body?: StatusBody} | undefined {
	if (!isObject(error)) {
		return undefined;
	}

	// ApiException: {code, body}; Watch: {statusCode}; a watch ERROR event: the Status object itself.
	const code = typeof error['code'] === 'number'
		? error['code']
		: (typeof error['statusCode'] === 'number' ? error['statusCode'] : undefined);
	if (code === undefined) {
		return undefined;
	}

	const parsed = parseStatus('body' in error ? error['body'] : (error['kind'] === 'Status' ? error : undefined));
	const retryAfterSeconds = retryAfterHeader(error) ?? parsed?.retryAfterSeconds;
	const body = retryAfterSeconds === undefined ? parsed : {...parsed, retryAfterSeconds};
	return body === undefined ? {status: code} : {status: code, body};
}

/** Finds a network error code (ECONNREFUSED, ...) on an error or its causes (undici wraps them in "fetch failed"). */
function networkFailure(error: unknown): {code: string; message: string} | undefined {
	let current: unknown = error;
	for (let depth = 0; depth < 5 && isObject(current); depth++) {
		const code = current['code'];
		if (typeof code === 'string' && networkCodes.has(code)) {
			const message = typeof current['message'] === 'string' && current['message'] !== '' ? current['message'] : code;
			return {code, message};
		}

		const errors = current['errors'];
		if (Array.isArray(errors) && errors.length > 0) {
			current = errors[0];
			continue;
		}

		current = current['cause'];
	}

	// undici's fetch reports every transport failure as TypeError("fetch failed"), the reason in its cause chain.
	if (error instanceof TypeError && error.message === 'fetch failed') {
		let reason: unknown = error.cause;
		while (reason instanceof Error && reason.cause instanceof Error) {
			reason = reason.cause;
		}

		return {code: 'fetch failed', message: reason instanceof Error && reason.message !== '' ? reason.message : error.message};
	}

	return undefined;
}

function where(context: KubeErrorContext): string {
	return context.namespace === undefined ? '' : ` in namespace ${context.namespace}`;
}

function what(context: KubeErrorContext): string {
	return context.name === undefined ? context.resource : `${context.resource} "${context.name}"`;
}

/** Kubernetes Status messages name the user like `User "alice" cannot ...`. */
function userOf(context: KubeErrorContext, body: StatusBody | undefined): string | undefined {
	const match = body?.message === undefined ? undefined : /User "([^"]*)"/.exec(body.message);
	return match?.[1] ?? context.user;
}

/** A JSON Patch `test` operation that failed means the object changed since it was read. */
function isFailedPatchTest(body: StatusBody | undefined): boolean {
	return body?.message !== undefined && /\btest(ing value)?\b.*\bfailed\b|\btest failed\b/i.test(body.message);
}

function fromHttp(status: number, body: StatusBody | undefined, context: KubeErrorContext, cause: unknown): KubeError {
	const details = {status, verb: context.verb, resource: context.resource, cause, ...(body?.retryAfterSeconds === undefined ? {} : {retryAfterSeconds: body.retryAfterSeconds})};
	const serverSaid = body?.message === undefined ? '' : `: ${body.message}`;
	switch (status) {
		case 401: {
			const user = context.user === undefined ? '' : ` of user ${context.user}`;
			return new KubeError('unauthorized', `unauthorized: the API server rejected the credentials${user} (cannot ${context.verb} ${context.resource}); log in again or check the kubeconfig user`, details);
		}

		case 403: {
			const user = userOf(context, body);
			return new KubeError('forbidden', `forbidden: cannot ${context.verb} ${context.resource}${where(context)}${user === undefined ? '' : ` (user ${user})`}`, details);
		}

		case 404: {
			return new KubeError('not-found', `not found: ${what(context)}${where(context)}${serverSaid}`, details);
		}

		case 409: {
			return new KubeError('conflict', `conflict: ${what(context)}${where(context)} was changed by someone else; re-read it and retry${serverSaid}`, details);
		}

		case 410: {
			return new KubeError('gone', `gone: the ${context.verb} of ${context.resource}${where(context)} expired (resource version too old); list again${serverSaid}`, details);
		}

		case 400:
		case 422: {
			if (isFailedPatchTest(body)) {
				return new KubeError('conflict', `conflict: ${what(context)}${where(context)} was changed by someone else since it was read (resourceVersion test failed); re-read it and retry`, details);
			}

			return new KubeError('invalid', `invalid: the API server refused to ${context.verb} ${what(context)}${where(context)}${serverSaid}`, details);
		}

		case 429: {
			const wait = body?.retryAfterSeconds === undefined ? '' : `; retrying after ${body.retryAfterSeconds} s as it asked`;
			return new KubeError('other', `the API server is overloaded (429 Too Many Requests) and refused to ${context.verb} ${what(context)}${where(context)}${wait}`, details);
		}

		default: {
			return new KubeError('other', `${context.verb} ${what(context)}${where(context)} failed with HTTP ${status}${serverSaid}`, details);
		}
	}
}

/**
 * Whether `error` (a fetch failure, or the ws ErrorEvent of a WebSocket, whose `error` field holds the TLS error) is the
 * API server's certificate not being trusted: retrying cannot fix that, only the kubeconfig can.
 */
export function isUntrustedCertificate(error: unknown): boolean {
	const inner = isObject(error) && error['error'] instanceof Error ? error['error'] : error;
	const network = networkFailure(inner);
	return network !== undefined && certificateCodes.has(network.code);
}

/** Maps client-node ApiException / fetch errors / Status bodies to KubeError with a human message, e.g. 403 → 'forbidden: cannot patch virtualservices.networking.istio.io in namespace bookinfo (user sim-admin)'; ECONNREFUSED → 'cannot reach the API server https://…: connect ECONNREFUSED'. */
export function toKubeError(error: unknown, context: KubeErrorContext): KubeError {
	if (error instanceof KubeError) {
		return error;
	}

	const http = httpFailure(error);
	if (http !== undefined) {
		return fromHttp(http.status, http.body, context, error);
	}

	const network = networkFailure(error);
	if (network !== undefined) {
		const server = context.server === undefined ? '' : ` ${context.server}`;
		const message = certificateCodes.has(network.code)
			// Retrying cannot fix a CA mismatch: the message says which kubeconfig fields to look at.
			? `cannot verify the TLS certificate of the API server${server}: ${network.message}; check the cluster's certificate-authority(-data) (or tls-server-name) in the kubeconfig`
			: `cannot reach the API server${server}: ${network.message}`;
		return new KubeError('unreachable', message, {verb: context.verb, resource: context.resource, cause: error});
	}

	const message = errorMessage(error);
	if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
		const server = context.server === undefined ? '' : ` ${context.server}`;
		return new KubeError('unreachable', `the API server${server} did not answer (${context.verb} ${context.resource}): ${message}`, {verb: context.verb, resource: context.resource, cause: error});
	}

	return new KubeError('other', `${context.verb} ${what(context)}${where(context)} failed: ${message}`, {verb: context.verb, resource: context.resource, cause: error});
}
