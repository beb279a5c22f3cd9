/**
 * A small RFC 6902 implementation (test/add/replace/remove) for previews, tests and the simulated API server,
 * so a patch is checked by the same rules the Kubernetes API server applies.
 */
import type {JsonPatchOperation} from './virtual-service.js';
import {isRecord} from '../util/guards.js';

type Container = Record<string, unknown> | unknown[];

/**
 * Why a patch did not apply. The API server answers both with 422, but a failed `test` means "someone else changed it"
 * (re-read and show), while `invalid` means the patch itself is wrong (a bug): callers and the simulated server tell them apart.
 */
export class JsonPatchError extends Error {
	/** The operation's path (or pointer) that failed. */
	readonly path: string;
	/** `test-failed`: the document is not what the patch expected; `invalid`: the patch does not fit the document. */
	readonly reason: 'test-failed' | 'invalid';

	constructor(message: string, path: string, reason: 'test-failed' | 'invalid') {
		super(message);
		this.name = 'JsonPatchError';
		this.path = path;
		this.reason = reason;
	}
}


/** Deep copy of a JSON value; functions and class instances are not expected in API objects. */
export function cloneJson<T>(value: T): T {
	if (Array.isArray(value)) {
		return value.map((item: unknown) => cloneJson(item)) as T;
	}

	if (isRecord(value)) {
		const copy: Record<string, unknown> = {};
		for (const [key, item] of Object.entries(value)) {
			// A "__proto__" member (legal JSON) must stay data, not become the copy's prototype.
			Object.defineProperty(copy, key, {value: cloneJson(item), enumerable: true, writable: true, configurable: true});
		}

		return copy as T;
	}

	return value;
}

/** JSON equality as RFC 6902 `test` defines it: key order does not matter, array order does. */
export function jsonEqual(a: unknown, b: unknown): boolean {
	if (Array.isArray(a) || Array.isArray(b)) {
		return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, index) => jsonEqual(item, b[index]));
	}

	if (isRecord(a) && isRecord(b)) {
		const keys = Object.keys(a);
		return keys.length === Object.keys(b).length && keys.every(key => Object.hasOwn(b, key) && jsonEqual(a[key], b[key]));
	}

	return a === b;
}

/** RFC 6901: "/spec/http/0" → ["spec", "http", "0"], with ~1 → "/" and ~0 → "~". */
export function parsePointer(pointer: string): string[] {
	if (pointer === '') {
		return [];
	}

	if (!pointer.startsWith('/')) {
		throw new JsonPatchError(`invalid JSON pointer "${pointer}": must start with "/"`, pointer, 'invalid');
	}

	return pointer.slice(1).split('/').map(token => token.replaceAll('~1', '/').replaceAll('~0', '~'));
}

/** RFC 6901 in reverse, for building paths from keys that may contain "/" or "~". */
export function escapePointerToken(token: string): string {
	return token.replaceAll('~', '~0').replaceAll('/', '~1');
}

function arrayIndex(token: string, length: number, path: string, allowEnd: boolean): number {
	if (allowEnd && token === '-') {
		return length;
	}

	if (!/^(0|[1-9]\d*)$/.test(token)) {
		throw new JsonPatchError(`invalid array index "${token}" in ${path}`, path, 'invalid');
	}

	const index = Number(token);
	if (index > (allowEnd ? length : length - 1)) {
		throw new JsonPatchError(`array index ${index} out of range in ${path}`, path, 'invalid');
	}

	return index;
}

function child(container: Container, token: string, path: string): unknown {
	if (Array.isArray(container)) {
		return container[arrayIndex(token, container.length, path, false)];
	}

	if (!Object.hasOwn(container, token)) {
		throw new JsonPatchError(`path ${path} does not exist`, path, 'invalid');
	}

	return container[token];
}

function resolve(document: unknown, tokens: readonly string[], path: string): unknown {
	let current = document;
	for (const token of tokens) {
		if (!Array.isArray(current) && !isRecord(current)) {
			throw new JsonPatchError(`path ${path} does not exist`, path, 'invalid');
		}

		current = child(current, token, path);
	}

	return current;
}

function parentOf(document: unknown, tokens: readonly string[], path: string): {parent: Container; last: string} {
	const last = tokens.at(-1);
	const parent = resolve(document, tokens.slice(0, -1), path);
	if (last === undefined || (!Array.isArray(parent) && !isRecord(parent))) {
		throw new JsonPatchError(`path ${path} does not exist`, path, 'invalid');
	}

	if (last === '__proto__') {
		throw new JsonPatchError(`refusing to write __proto__ at ${path}`, path, 'invalid');
	}

	return {parent, last};
}

function describe(value: unknown): string {
	return value === undefined ? 'nothing' : JSON.stringify(value);
}

function applyOne(document: unknown, operation: JsonPatchOperation): unknown {
	const {op, path} = operation;
	if (!['test', 'add', 'replace', 'remove'].includes(op)) {
		// Operations arrive untyped from the wire (the simulated server): move/copy are not supported.
		throw new JsonPatchError(`unsupported operation ${JSON.stringify(op)} at ${path}`, path, 'invalid');
	}

	const tokens = parsePointer(path);
	if (op === 'test') {
		let found: unknown;
		try {
			found = resolve(document, tokens, path);
		} catch {
			found = undefined;
		}

		if (found === undefined || !jsonEqual(found, operation.value)) {
			throw new JsonPatchError(`test failed at ${path}: expected ${describe(operation.value)}, found ${describe(found)}`, path, 'test-failed');
		}

		return document;
	}

	if ((op === 'add' || op === 'replace') && operation.value === undefined) {
		throw new JsonPatchError(`${op} at ${path} has no value`, path, 'invalid');
	}

	if (tokens.length === 0) {
		if (op === 'remove') {
			throw new JsonPatchError('cannot remove the whole document', path, 'invalid');
		}

		return cloneJson(operation.value);
	}

	const {parent, last} = parentOf(document, tokens, path);
	if (Array.isArray(parent)) {
		const index = arrayIndex(last, parent.length, path, op === 'add');
		if (op === 'add') {
			parent.splice(index, 0, cloneJson(operation.value));
		} else if (op === 'replace') {
			parent[index] = cloneJson(operation.value);
		} else {
			parent.splice(index, 1);
		}

		return document;
	}

	if (op !== 'add' && !Object.hasOwn(parent, last)) {
		throw new JsonPatchError(`path ${path} does not exist`, path, 'invalid');
	}

	if (op === 'remove') {
		// eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- removing a member is what the operation asks for
		delete parent[last];
	} else {
		parent[last] = cloneJson(operation.value);
	}

	return document;
}

/**
 * Applies a JSON Patch to a deep copy (for previews and tests); throws on a failed test.
 * All or nothing, like the API server: the input is never modified, even when a later operation fails.
 */
export function applyJsonPatch<T>(document: T, operations: readonly JsonPatchOperation[]): T {
	let result: unknown = cloneJson(document);
	for (const operation of operations) {
		result = applyOne(result, operation);
	}

	return result as T;
}
