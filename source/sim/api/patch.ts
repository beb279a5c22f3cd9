/**
 * RFC 6902 JSON Patch and RFC 7386 JSON Merge Patch, with the error texts of the Go library
 * (evanphx/json-patch) the real API server uses, so clients see the same messages.
 */

/** A patch that cannot be applied to this document (the server answers 422). */
export class PatchApplyError extends Error {
	override readonly name = 'PatchApplyError';
}

/** A patch document that cannot be decoded (the server answers 400). */
export class PatchDecodeError extends Error {
	override readonly name = 'PatchDecodeError';
}

/** One RFC 6902 operation. */
export interface JsonPatchOperation {
	op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
	path: string;
	from?: string;
	value?: unknown;
}

type Container = Record<string, unknown> | unknown[];

const operations = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);

/** Validates the shape of a decoded JSON Patch document; throws PatchDecodeError like the server's 400. */
export function decodeJsonPatch(document: unknown): JsonPatchOperation[] {
	if (!Array.isArray(document)) {
		throw new PatchDecodeError('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
	}
	return document.map(entry => {
		if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
			throw new PatchDecodeError('json: cannot unmarshal into Go value of type jsonpatch.Operation');
		}
		const operation = entry as Record<string, unknown>;
		if (typeof operation.op !== 'string' || !operations.has(operation.op)) {
			throw new PatchDecodeError(`Unexpected kind: ${String(operation.op)}`);
		}
		if (typeof operation.path !== 'string') {
			throw new PatchDecodeError(`${operation.op} operation missing path`);
		}
		if ((operation.op === 'move' || operation.op === 'copy') && typeof operation.from !== 'string') {
			throw new PatchDecodeError(`${operation.op} operation missing from`);
		}
		if ((operation.op === 'add' || operation.op === 'replace' || operation.op === 'test') && !('value' in operation)) {
			throw new PatchDecodeError(`${operation.op} operation missing value`);
		}
		return operation as unknown as JsonPatchOperation;
	});
}

/** Splits a JSON Pointer into unescaped tokens (`~1` → `/`, `~0` → `~`). */
export function parsePointer(pointer: string): string[] {
	if (pointer === '') {
		return [];
	}
	if (!pointer.startsWith('/')) {
		throw new PatchApplyError(`invalid JSON Pointer: "${pointer}"`);
	}
	return pointer.slice(1).split('/').map(token => token.replaceAll('~1', '/').replaceAll('~0', '~'));
}

/** Sets an own property even for keys like `__proto__`, which plain assignment would treat as the prototype. */
function setOwn(object: Record<string, unknown>, key: string, value: unknown): void {
	Object.defineProperty(object, key, {value, enumerable: true, writable: true, configurable: true});
}

function isContainer(value: unknown): value is Container {
	return value !== null && typeof value === 'object';
}

/** Deep JSON equality (object key order does not matter), as RFC 6902's `test` requires. */
export function jsonEqual(a: unknown, b: unknown): boolean {
	if (a === b) {
		return true;
	}
	if (Array.isArray(a) && Array.isArray(b)) {
		return a.length === b.length && a.every((item, index) => jsonEqual(item, b[index]));
	}
	if (isContainer(a) && isContainer(b) && !Array.isArray(a) && !Array.isArray(b)) {
		const keys = Object.keys(a);
		return keys.length === Object.keys(b).length && keys.every(key => Object.hasOwn(b, key) && jsonEqual(a[key], b[key]));
	}
	return false;
}

function arrayIndex(token: string, length: number, allowEnd: boolean): number {
	if (token === '-' && allowEnd) {
		return length;
	}
	if (!/^(0|[1-9]\d*)$/.test(token)) {
		throw new PatchApplyError(`Unable to access invalid index: ${token}: invalid index referenced`);
	}
	const index = Number(token);
	if (index > length || (!allowEnd && index === length)) {
		throw new PatchApplyError(`Unable to access invalid index: ${index}: invalid index referenced`);
	}
	return index;
}

/** Walks to the container holding the pointer's last token; undefined when an intermediate node is missing. */
function parentOf(document: unknown, tokens: string[]): Container | undefined {
	let current: unknown = document;
	for (const token of tokens.slice(0, -1)) {
		if (Array.isArray(current)) {
			const index = /^(0|[1-9]\d*)$/.test(token) ? Number(token) : -1;
			current = index >= 0 && index < current.length ? current[index] : undefined;
		} else if (isContainer(current)) {
			const object = current as Record<string, unknown>;
			current = Object.hasOwn(object, token) ? object[token] : undefined;
		} else {
			return undefined;
		}
	}
	return isContainer(current) ? current : undefined;
}

function read(document: unknown, pointer: string): {found: boolean; value: unknown} {
	const tokens = parsePointer(pointer);
	if (tokens.length === 0) {
		return {found: true, value: document};
	}
	const parent = parentOf(document, tokens);
	const last = tokens.at(-1) ?? '';
	if (Array.isArray(parent)) {
		const index = /^(0|[1-9]\d*)$/.test(last) ? Number(last) : -1;
		return index >= 0 && index < parent.length ? {found: true, value: parent[index]} : {found: false, value: undefined};
	}
	if (parent && Object.hasOwn(parent, last)) {
		return {found: true, value: parent[last]};
	}
	return {found: false, value: undefined};
}

function add(document: unknown, pointer: string, value: unknown): unknown {
	const tokens = parsePointer(pointer);
	if (tokens.length === 0) {
		return value;
	}
	const parent = parentOf(document, tokens);
	if (!parent) {
		throw new PatchApplyError(`add operation does not apply: doc is missing path: "${pointer}": missing value`);
	}
	const last = tokens.at(-1) ?? '';
	if (Array.isArray(parent)) {
		parent.splice(arrayIndex(last, parent.length, true), 0, value);
	} else {
		setOwn(parent, last, value);
	}
	return document;
}

function remove(document: unknown, pointer: string, operation: string): unknown {
	const tokens = parsePointer(pointer);
	const parent = parentOf(document, tokens);
	if (!parent || tokens.length === 0) {
		throw new PatchApplyError(`${operation} operation does not apply: doc is missing path: "${pointer}": missing value`);
	}
	const last = tokens.at(-1) ?? '';
	if (Array.isArray(parent)) {
		parent.splice(arrayIndex(last, parent.length, false), 1);
	} else {
		if (!Object.hasOwn(parent, last)) {
			throw new PatchApplyError(`error in remove for path: '${pointer}': Unable to remove nonexistent key: ${last}: missing value`);
		}
		delete parent[last];
	}
	return document;
}

function replace(document: unknown, pointer: string, value: unknown): unknown {
	const tokens = parsePointer(pointer);
	if (tokens.length === 0) {
		return value;
	}
	const parent = parentOf(document, tokens);
	if (!parent) {
		throw new PatchApplyError(`replace operation does not apply: doc is missing path: ${pointer}: missing value`);
	}
	const last = tokens.at(-1) ?? '';
	if (Array.isArray(parent)) {
		parent[arrayIndex(last, parent.length, false)] = value;
	} else {
		if (!Object.hasOwn(parent, last)) {
			throw new PatchApplyError(`replace operation does not apply: doc is missing key: ${pointer}: missing value`);
		}
		setOwn(parent, last, value);
	}
	return document;
}

/**
 * Applies RFC 6902 operations to a deep copy of `document` and returns the result; the input is never modified
 * (all or nothing: a failing operation leaves no partial change). Throws PatchApplyError.
 */
export function applyJsonPatch<T>(document: T, patch: JsonPatchOperation[]): T {
	let result: unknown = structuredClone(document);
	for (const operation of patch) {
		switch (operation.op) {
			case 'add': {
				result = add(result, operation.path, structuredClone(operation.value));
				break;
			}
			case 'remove': {
				result = remove(result, operation.path, 'remove');
				break;
			}
			case 'replace': {
				result = replace(result, operation.path, structuredClone(operation.value));
				break;
			}
			case 'move': {
				const from = operation.from ?? '';
				if (operation.path.startsWith(`${from}/`)) {
					throw new PatchApplyError(`move operation does not apply: "${from}" is a prefix of "${operation.path}"`);
				}
				const source = read(result, from);
				if (!source.found) {
					throw new PatchApplyError(`move operation does not apply: doc is missing from path: ${from}: missing value`);
				}
				result = remove(result, from, 'move');
				result = add(result, operation.path, source.value);
				break;
			}
			case 'copy': {
				const from = operation.from ?? '';
				const source = read(result, from);
				if (!source.found) {
					throw new PatchApplyError(`copy operation does not apply: doc is missing from path: ${from}: missing value`);
				}
				result = add(result, operation.path, structuredClone(source.value));
				break;
			}
			case 'test': {
				const target = read(result, operation.path);
				// Like the Go library: a missing path tests equal to null.
				const actual = target.found ? target.value : null;
				if (!jsonEqual(actual, operation.value)) {
					throw new PatchApplyError(`testing value ${operation.path} failed: test failed`);
				}
				break;
			}
		}
	}
	return result as T;
}

/** RFC 7386 JSON Merge Patch: objects merge recursively, `null` removes, anything else replaces. Returns a new value. */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
	if (!isContainer(patch) || Array.isArray(patch)) {
		return structuredClone(patch);
	}
	const result: Record<string, unknown> = isContainer(target) && !Array.isArray(target) ? structuredClone(target) : {};
	for (const [key, value] of Object.entries(patch)) {
		if (value === null) {
			delete result[key];
		} else {
			setOwn(result, key, applyMergePatch(Object.hasOwn(result, key) ? result[key] : undefined, value));
		}
	}
	return result;
}
