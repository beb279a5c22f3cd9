/**
 * The exact inverse of a weight patch: what `u` and `meshtop undo` write, so the route comes back byte for byte
 * (an absent weight absent again, an appended destination removed again) instead of an equivalent split.
 */
import type {JsonPatchOperation, VirtualService} from './virtual-service.js';
import {cloneJson, parsePointer} from './json-patch.js';
import {isRecord} from '../util/guards.js';

function valueAt(document: unknown, path: string): unknown {
	let current = document;
	for (const token of parsePointer(path)) {
		if (Array.isArray(current)) {
			current = current[Number(token)];
		} else if (isRecord(current) && Object.hasOwn(current, token)) {
			current = current[token];
		} else {
			return undefined;
		}
	}

	return current;
}

/**
 * Operations that turn `before` patched with `operations` back into `before`, each guarded by a `test` of the value the
 * patch wrote (so an undo never removes or overwrites what someone else put there). The resourceVersion test is not
 * included: the caller adds the one of the object it undoes. Only the operations weightPatch produces are supported
 * (test; add/replace of a weight; add at the end of a route list); anything else throws.
 */
export function inverseWeightPatch(before: VirtualService, operations: readonly JsonPatchOperation[]): JsonPatchOperation[] {
	const appended = new Map<string, number>();
	const pairs: JsonPatchOperation[][] = [];
	for (const operation of operations) {
		if (operation.op === 'test') {
			continue;
		}

		if (operation.op === 'add' && operation.path.endsWith('/-')) {
			const list = operation.path.slice(0, -2);
			const existing = valueAt(before, list);
			if (!Array.isArray(existing)) {
				throw new Error(`cannot invert ${operation.op} at ${operation.path}: no list there`);
			}

			const index = existing.length + (appended.get(list) ?? 0);
			appended.set(list, (appended.get(list) ?? 0) + 1);
			const path = `${list}/${index}`;
			pairs.push([{op: 'test', path, value: cloneJson(operation.value)}, {op: 'remove', path}]);
			continue;
		}

		if ((operation.op === 'add' || operation.op === 'replace') && operation.path.endsWith('/weight')) {
			const previous = valueAt(before, operation.path);
			const test: JsonPatchOperation = {op: 'test', path: operation.path, value: operation.value};
			pairs.push(previous === undefined
				? [test, {op: 'remove', path: operation.path}]
				: [test, {op: 'replace', path: operation.path, value: cloneJson(previous)}]);
			continue;
		}

		throw new Error(`cannot invert ${operation.op} at ${operation.path}: not a weight patch`);
	}

	// Last change first: removing appended destinations from the end keeps the earlier indexes valid.
	return pairs.reverse().flat();
}
