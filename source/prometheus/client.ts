// The YAML parser client-node's KubeConfig has loaded already: the `yaml` package would add its own to every status.
import {load as parseYaml} from 'js-yaml';
import {errorMessage} from '../util/error-message.js';
import {isObject} from '../util/guards.js';
import {systemClock, type Clock} from '../util/clock.js';
import {startDeadline, type Deadline} from '../util/deadline.js';

/** Why a Prometheus request failed: the UI shows the message, code may retry on 'timeout'/'unreachable'. */
export type PrometheusErrorKind = 'timeout' | 'unreachable' | 'http' | 'query';

/** A failed Prometheus request, with a message naming the Prometheus and what happened. */
export class PrometheusError extends Error {
	/** What went wrong. */
	readonly kind: PrometheusErrorKind;

	constructor(kind: PrometheusErrorKind, message: string, cause?: unknown) {
		super(message, cause === undefined ? undefined : {cause});
		this.name = 'PrometheusError';
		this.kind = kind;
	}
}

/** The answer of a {@link PrometheusFetch}: what the client reads of a fetch Response. */
export interface PrometheusAnswer {
	/** Whether the status is 2xx. */
	ok: boolean;
	/** The HTTP status. */
	status: number;
	/** The body parsed as JSON (rejects when it is not JSON). */
	json(): Promise<unknown>;
	/** The body stream, cancelled when the body is not needed. */
	body?: {cancel(): Promise<void>} | null;
}

/**
 * The part of fetch the client uses: the global fetch, undici's, and source/net/node-fetch.ts's over Node's own HTTP
 * client all fit it.
 */
export type PrometheusFetch = (url: string, init: {signal: AbortSignal; headers: Record<string, string>}) => Promise<PrometheusAnswer>;

/** Options of {@link PrometheusClient}. */
export interface PrometheusClientOptions {
	/** Give up on one request after this many milliseconds (default 5000); a hung Prometheus must not freeze the screen. */
	timeoutMs?: number;
	/** Timer of the retry back-off (default the system clock). */
	clock?: Clock;
	/** fetch implementation (default the global one); tests inject failures through it. */
	fetch?: PrometheusFetch;
	/** Sent as `Authorization: Bearer …` (a Thanos or Mimir gateway's token); wins over credentials in the URL. */
	bearerToken?: string;
}

/** One sample of an instant vector. */
export interface PrometheusSample {
	/** The series' labels. */
	metric: Record<string, string>;
	/** Its value; NaN as Prometheus reports it (histogram_quantile of an empty window). */
	value: number;
}

/** One series of a range query: its labels and its points ([epoch ms, value], oldest first). */
export interface PrometheusRangeSeries {
	metric: Record<string, string>;
	points: Array<[number, number]>;
}

/** Retries of idempotent GETs after a network error; more would only delay showing that Prometheus is down. */
const networkRetries = 2;

/** Prometheus' own default (`global.scrape_interval`). */
const defaultScrapeInterval = 15;


/** Parses a Prometheus duration ("15s", "1m30s", "500ms") into seconds; undefined if malformed. */
export function parsePrometheusDuration(text: string): number | undefined {
	const units: Record<string, number> = {y: 31_536_000, w: 604_800, d: 86_400, h: 3600, m: 60, s: 1, ms: 0.001};
	const parts = [...text.trim().matchAll(/(\d+(?:\.\d+)?)(ms|y|w|d|h|m|s)/g)];
	if (parts.length === 0 || parts.map(part => part[0]).join('') !== text.trim()) {
		return undefined;
	}

	return parts.reduce((total, part) => total + Number(part[1]) * (units[part[2]!] ?? 0), 0);
}

function sampleValue(pair: unknown): number {
	return Array.isArray(pair) ? Number(pair[1]) : Number.NaN;
}

/** Prometheus HTTP API client: fetch with AbortSignal and a timeout (default 5 s), 2 retries for idempotent GETs on network errors only; errors carry a message the UI can show ('Prometheus at URL did not answer in 5 s'). */
export class PrometheusClient {
	/** Where Prometheus is, without a trailing slash and without the credentials the URL may carry (it is shown on screen). */
	readonly baseUrl: string;
	private readonly timeoutMs: number;
	private readonly fetchImpl: PrometheusFetch;
	private readonly clock: Clock;
	private readonly headers: Record<string, string>;

	/** `baseUrl` may carry a path prefix (`https://gateway/prometheus`) and `user:password@` for basic auth, as curl takes them. */
	constructor(baseUrl: string, options: PrometheusClientOptions = {}) {
		const {url, authorization} = splitCredentials(baseUrl);
		this.baseUrl = url.replace(/\/+$/, '');
		// Small answers over loopback (a port-forward): compressing them costs both ends CPU and saves nothing.
		this.headers = {'accept-encoding': 'identity'};
		const bearer = options.bearerToken?.trim();
		const auth = bearer === undefined || bearer === '' ? authorization : `Bearer ${bearer}`;
		if (auth !== undefined) {
			this.headers['authorization'] = auth;
		}

		this.timeoutMs = options.timeoutMs ?? 5000;
		this.fetchImpl = options.fetch ?? fetch;
		this.clock = options.clock ?? systemClock;
	}

	/** Evaluates an instant query at `time` (default: Prometheus' now) and returns the vector (a scalar becomes one sample without labels). */
	async query(promql: string, time?: Date): Promise<PrometheusSample[]> {
		const parameters = new URLSearchParams({query: promql});
		if (time !== undefined) {
			parameters.set('time', (time.getTime() / 1000).toFixed(3));
		}

		const data = await this.getData(`/api/v1/query?${parameters.toString()}`);
		const resultType = data['resultType'];
		const result = data['result'];
		if (resultType === 'scalar') {
			return [{metric: {}, value: sampleValue(result)}];
		}

		if (resultType !== 'vector' || !Array.isArray(result)) {
			throw new PrometheusError('query', `Prometheus at ${this.baseUrl} returned a ${String(resultType)} for an instant query, expected a vector`);
		}

		return result.filter(item => isObject(item)).map(item => ({
			metric: isObject(item['metric']) ? Object.fromEntries(Object.entries(item['metric']).map(([key, value]) => [key, String(value)])) : {},
			value: sampleValue(item['value']),
		}));
	}

	/**
	 * Evaluates `promql` at every `stepSeconds` from `start` to `end` (`/api/v1/query_range`): one series per label
	 * set, each with its [time, value] points, times in epoch milliseconds.
	 */
	async queryRange(promql: string, start: Date, end: Date, stepSeconds: number): Promise<PrometheusRangeSeries[]> {
		const parameters = new URLSearchParams({
			query: promql,
			start: (start.getTime() / 1000).toFixed(3),
			end: (end.getTime() / 1000).toFixed(3),
			step: String(stepSeconds),
		});
		const data = await this.getData(`/api/v1/query_range?${parameters.toString()}`);
		const result = data['result'];
		if (data['resultType'] !== 'matrix' || !Array.isArray(result)) {
			throw new PrometheusError('query', `Prometheus at ${this.baseUrl} returned a ${String(data['resultType'])} for a range query, expected a matrix`);
		}

		return result.filter(item => isObject(item)).map(item => ({
			metric: isObject(item['metric']) ? Object.fromEntries(Object.entries(item['metric']).map(([key, value]) => [key, String(value)])) : {},
			points: (Array.isArray(item['values']) ? item['values'] : [])
				.filter((point): point is unknown[] => Array.isArray(point))
				.map(point => [Math.round(Number(point[0]) * 1000), sampleValue(point)] as [number, number]),
		}));
	}

	/** Seconds, from /api/v1/status/config global.scrape_interval (parsed with js-yaml), default 15 (Prometheus default). */
	async scrapeInterval(): Promise<number> {
		const data = await this.getData('/api/v1/status/config');
		const text = data['yaml'];
		if (typeof text !== 'string') {
			return defaultScrapeInterval;
		}

		let config: unknown;
		try {
			config = parseYaml(text);
		} catch (error) {
			throw new PrometheusError('query', `Prometheus at ${this.baseUrl} returned a configuration that is not YAML`, error);
		}

		const global = isObject(config) ? config['global'] : undefined;
		const interval = isObject(global) ? global['scrape_interval'] : undefined;
		const seconds = typeof interval === 'string' ? parsePrometheusDuration(interval) : undefined;
		return seconds !== undefined && seconds > 0 ? seconds : defaultScrapeInterval;
	}

	/** Whether Prometheus answers /-/ready with 200 (it answers 503 while it loads its data); never throws. */
	async ready(): Promise<boolean> {
		try {
			const {response, deadline} = await this.get('/-/ready');
			try {
				await response.body?.cancel();
			} finally {
				deadline.done();
			}

			return response.ok;
		} catch {
			return false;
		}
	}

	/** GET with timeout and network retries; returns the `data` of a `status: success` answer. */
	private async getData(pathAndQuery: string): Promise<Record<string, unknown>> {
		const {response, deadline} = await this.get(pathAndQuery);
		let body: unknown;
		try {
			// The body is read under the same time limit as the request.
			body = await response.json();
		} catch (error) {
			if (response.status === 401 || response.status === 403) {
				throw new PrometheusError('http', `Prometheus at ${this.baseUrl} refused the credentials (HTTP ${response.status}${this.headers['authorization'] === undefined ? ', none were sent: put user:password@ in --prometheus-url or pass --prometheus-token-file' : ''})`, error);
			}

			throw new PrometheusError('http', `Prometheus at ${this.baseUrl} answered HTTP ${response.status} without JSON`, error);
		} finally {
			deadline.done();
		}

		if (isObject(body) && body['status'] === 'success' && isObject(body['data'])) {
			return body['data'];
		}

		const detail = isObject(body) && typeof body['error'] === 'string'
			? `${typeof body['errorType'] === 'string' ? `${body['errorType']}: ` : ''}${body['error']}`
			: `HTTP ${response.status}`;
		throw new PrometheusError(response.status >= 400 && response.status < 500 ? 'query' : 'http', `Prometheus at ${this.baseUrl} refused the request: ${detail}`);
	}

	/** The answer, and the time limit still running for reading its body (its reader calls deadline.done()). */
	private async get(pathAndQuery: string): Promise<{response: PrometheusAnswer; deadline: Deadline}> {
		const url = this.baseUrl + pathAndQuery;
		for (let attempt = 0; ; attempt++) {
			const deadline = startDeadline(this.timeoutMs);
			try {
				// eslint-disable-next-line no-await-in-loop -- a retry loop: each attempt starts after the previous one failed
				return {response: await this.fetchImpl(url, {signal: deadline.signal, headers: this.headers}), deadline};
			} catch (error) {
				deadline.done();
				if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
					throw new PrometheusError('timeout', `Prometheus at ${this.baseUrl} did not answer in ${formatSeconds(this.timeoutMs)}`, error);
				}

				if (attempt >= networkRetries) {
					throw new PrometheusError('unreachable', `Prometheus at ${this.baseUrl} is unreachable: ${networkMessage(error)}`, error);
				}

				// eslint-disable-next-line no-await-in-loop -- the back-off between two attempts
				await new Promise<void>(resolve => {
					this.clock.setTimeout(resolve, 100 * (attempt + 1));
				});
			}
		}
	}
}

/** fetch refuses URLs with credentials: take `user:password@` out of the URL and into a Basic authorization header. */
function splitCredentials(text: string): {url: string; authorization?: string} {
	let parsed: URL;
	try {
		parsed = new URL(text);
	} catch {
		return {url: text};
	}

	if (parsed.username === '' && parsed.password === '') {
		return {url: text};
	}

	const user = decodeURIComponent(parsed.username);
	const password = decodeURIComponent(parsed.password);
	parsed.username = '';
	parsed.password = '';
	return {url: parsed.toString(), authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`};
}

function formatSeconds(milliseconds: number): string {
	return `${Number((milliseconds / 1000).toFixed(1))} s`;
}

/** undici hides the reason ("connect ECONNREFUSED ...") in the cause of "fetch failed". */
function networkMessage(error: unknown): string {
	let current: unknown = error;
	let message = errorMessage(error);
	for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
		message = current.message || message;
		current = current.cause;
	}

	return message;
}
