import type {IncomingMessage, ServerResponse} from 'node:http';
import {parse} from 'yaml';
import {badRequest, type KubeStatus} from './status.js';
import {errorMessage} from '../../util/error-message.js';

/** Largest request body accepted (the real server's limit is 3 MiB). */
const maxBodyBytes = 3 * 1024 * 1024;

/** Reads the whole request body as text; rejects with 413-like 400 when it is too large. */
export async function readBody(request: IncomingMessage): Promise<string> {
	const chunks: Buffer[] = [];
	let size = 0;
	for await (const chunk of request) {
		const buffer = chunk as Buffer;
		size += buffer.length;
		if (size > maxBodyBytes) {
			throw badRequest('request entity too large');
		}
		chunks.push(buffer);
	}
	return Buffer.concat(chunks).toString('utf8');
}

/** Parses a JSON request body; a syntax error becomes the server's 400 (never a crash). */
export function parseJsonBody(text: string, what = 'the request body'): unknown {
	try {
		return JSON.parse(text) as unknown;
	} catch (error) {
		const reason = errorMessage(error);
		throw badRequest(`error decoding ${what}: ${reason}`);
	}
}

/** Parses a YAML request body (the server accepts application/yaml for writes). */
export function parseYamlBody(text: string): unknown {
	try {
		return parse(text) as unknown;
	} catch (error) {
		const reason = errorMessage(error);
		throw badRequest(`error decoding the request body: ${reason}`);
	}
}

/** Sends a JSON response with the content type the real server uses. */
export function sendJson(response: ServerResponse, code: number, body: unknown): void {
	const text = JSON.stringify(body);
	response.writeHead(code, {
		'Content-Type': 'application/json',
		'Content-Length': Buffer.byteLength(text),
		'Cache-Control': 'no-cache, private',
	});
	response.end(text);
}

/** Sends a Status failure body. */
export function sendStatus(response: ServerResponse, status: KubeStatus): void {
	if (response.headersSent) {
		response.destroy();
		return;
	}
	sendJson(response, status.code, status);
}

/** True when the client asked for `meta.k8s.io` Table output (kubectl get does). */
export function wantsTable(request: IncomingMessage): boolean {
	const accept = request.headers.accept ?? '';
	return accept.split(',').some(part => /as=Table/.test(part) && /g=meta\.k8s\.io/.test(part));
}

/** The media type of the request body, without parameters. */
export function contentType(request: IncomingMessage): string {
	return (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}
