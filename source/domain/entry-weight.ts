import type {JsonPatchOperation} from './virtual-service.js';

/**
 * The operations that move one weighted entry (a route destination, a backendRef) at `path` to `weight`: a `test` of
 * the weight it has (when it has one), then `replace` — or `add` when the weight was omitted, as both kinds allow.
 */
export function entryWeightChange(path: string, entry: Record<string, unknown>, weight: number): {tests: JsonPatchOperation[]; write: JsonPatchOperation} {
	return Object.hasOwn(entry, 'weight')
		? {tests: [{op: 'test', path: `${path}/weight`, value: entry['weight']}], write: {op: 'replace', path: `${path}/weight`, value: weight}}
		: {tests: [], write: {op: 'add', path: `${path}/weight`, value: weight}};
}
