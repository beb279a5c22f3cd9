import assert from 'node:assert/strict';
import {test} from 'node:test';
import {census, growth} from './heap-diff.js';

/** A heap snapshot in V8's format with the given nodes: [type, name, self size] each. */
function snapshot(nodes: Array<[string, string, number]>) {
	const types = ['hidden', 'array', 'string', 'object', 'code', 'closure'];
	const strings: string[] = [];
	const stringIndex = (text: string) => {
		const at = strings.indexOf(text);
		return at === -1 ? strings.push(text) - 1 : at;
	};

	return {
		snapshot: {meta: {node_fields: ['type', 'name', 'id', 'self_size', 'edge_count'], node_types: [types] as [string[]]}},
		nodes: nodes.flatMap(([type, name, size], id) => [types.indexOf(type), stringIndex(name), id, size, 0]),
		strings,
	};
}

test('objects are counted by constructor, strings by kind; growth lists what piled up, largest first', () => {
	const early = census(snapshot([['object', 'Object', 32], ['object', 'Watch', 100], ['string', 'hello', 20]]));
	const late = census(snapshot([
		['object', 'Object', 32], ['object', 'Object', 32], ['object', 'Object', 32],
		['object', 'Watch', 100], ['string', 'a', 16], ['string', 'b', 16], ['closure', 'onData', 40],
	]));
	assert.deepEqual(early['object:Object'], {count: 1, bytes: 32});
	assert.deepEqual(late['string:'], {count: 2, bytes: 32});
	assert.deepEqual(growth(early, late), [
		{key: 'object:Object', count: 2, bytes: 64},
		{key: 'closure:onData', count: 1, bytes: 40},
		{key: 'string:', count: 1, bytes: 12},
	]);
});
