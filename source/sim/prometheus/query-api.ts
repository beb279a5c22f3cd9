import type {IncomingMessage, ServerResponse} from 'node:http';
import {evaluate} from './evaluate.js';
import {parsePromQl, PromQlError} from './promql.js';
import type {SampleHistory} from './sample-history.js';

/** What the built-in responder answers from. */
export interface QueryApiContext {
	/** Stored scrapes. */
	history: SampleHistory;
	/** Current time, epoch milliseconds (the default evaluation time). */
	now: () => number;
	/** YAML served by /api/v1/status/config. */
	configYaml: string;
	/** Version served by /api/v1/status/buildinfo. */
	version: string;
}

/** Body limit for POSTed queries; meshtop's are well under 1 KiB. */
const maxBodyBytes = 64 * 1024;

/**
 * Answers the Prometheus HTTP API calls meshtop makes (readiness, config, buildinfo, instant queries by GET
 * or form POST) with Prometheus' JSON envelopes, status codes and error types.
 */
export async function handleQueryApi(request: IncomingMessage, response: ServerResponse, context: QueryApiContext): Promise<void> {
	const url = new URL(request.url ?? '/', 'http://localhost');
	switch (url.pathname) {
		case '/-/ready': {
			text(response, 200, 'Prometheus Server is Ready.\n');
			return;
		}

		case '/-/healthy': {
			text(response, 200, 'Prometheus Server is Healthy.\n');
			return;
		}

		case '/api/v1/status/config': {
			json(response, 200, {status: 'success', data: {yaml: context.configYaml}});
			return;
		}

		case '/api/v1/status/buildinfo': {
			json(response, 200, {
				status: 'success',
				data: {version: context.version, revision: '', branch: '', buildUser: 'meshtop', buildDate: '', goVersion: ''},
			});
			return;
		}

		case '/api/v1/query': {
			if (request.method !== 'GET' && request.method !== 'POST') {
				json(response, 405, {status: 'error', errorType: 'bad_data', error: `method ${request.method ?? ''} not allowed`});
				return;
			}

			const parameters = new URLSearchParams(url.search);
			if (request.method === 'POST') {
				for (const [key, value] of new URLSearchParams(await readBody(request))) {
					parameters.append(key, value);
				}
			}

			answerQuery(response, parameters, context);
			return;
		}

		default: {
			text(response, 404, '404 page not found\n');
		}
	}
}

function answerQuery(response: ServerResponse, parameters: URLSearchParams, context: QueryApiContext): void {
	const query = parameters.get('query');
	if (query === null || query.trim() === '') {
		badData(response, 'invalid parameter "query": unknown position: parse error: no expression found in input');
		return;
	}

	const timeMs = parseTime(parameters.get('time'), context.now);
	if (timeMs === undefined) {
		badData(response, `invalid parameter "time": cannot parse "${parameters.get('time') ?? ''}" to a valid timestamp`);
		return;
	}

	// A number alone (`1`, a health probe) is a scalar in Prometheus, evaluated without touching the stored series.
	const scalar = /^\s*(\d+(?:\.\d*)?|\.\d+)\s*$/.exec(query);
	if (scalar !== null) {
		json(response, 200, {status: 'success', data: {resultType: 'scalar', result: [timeMs / 1000, formatValue(Number(scalar[1]))]}});
		return;
	}

	try {
		const vector = evaluate(parsePromQl(query), context.history, timeMs);
		json(response, 200, {
			status: 'success',
			data: {
				resultType: 'vector',
				result: vector.map(element => ({metric: element.metric, value: [timeMs / 1000, formatValue(element.value)]})),
			},
		});
	} catch (error) {
		if (error instanceof PromQlError) {
			badData(response, `invalid parameter "query": ${error.message}`);
			return;
		}

		json(response, 422, {status: 'error', errorType: 'execution', error: String(error)});
	}
}

/** Go's strconv.FormatFloat(v, 'f', -1, 64), which Prometheus uses for sample values. */
export function formatValue(value: number): string {
	if (Number.isNaN(value)) {
		return 'NaN';
	}

	if (!Number.isFinite(value)) {
		return value > 0 ? '+Inf' : '-Inf';
	}

	const text = String(value);
	if (!text.includes('e')) {
		return text;
	}

	if (Math.abs(value) >= 1) {
		return BigInt(value).toString();
	}

	return value.toFixed(20).replace(/0+$/, '');
}

function parseTime(value: string | null, now: () => number): number | undefined {
	if (value === null || value === '') {
		return now();
	}

	if (/^-?\d+(?:\.\d+)?$/.test(value)) {
		return Math.round(Number(value) * 1000);
	}

	const parsed = Date.parse(value);
	return Number.isNaN(parsed) ? undefined : parsed;
}

async function readBody(request: IncomingMessage): Promise<string> {
	let body = '';
	for await (const chunk of request) {
		body += String(chunk);
		if (body.length > maxBodyBytes) {
			break;
		}
	}

	return body;
}

function badData(response: ServerResponse, error: string): void {
	json(response, 400, {status: 'error', errorType: 'bad_data', error});
}

function json(response: ServerResponse, status: number, body: unknown): void {
	response.writeHead(status, {'content-type': 'application/json'}).end(JSON.stringify(body));
}

function text(response: ServerResponse, status: number, body: string): void {
	response.writeHead(status, {'content-type': 'text/plain; charset=utf-8'}).end(body);
}
