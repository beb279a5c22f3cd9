import {describe, test} from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {applyJsonPatch, cloneJson, escapePointerToken, JsonPatchError, jsonEqual, parsePointer} from '../../source/domain/json-patch.js';
import type {JsonPatchOperation} from '../../source/domain/virtual-service.js';

describe('applyJsonPatch (RFC 6902 examples)', () => {
	test('add to an object, into an array at an index and at the end', () => {
		assert.deepEqual(applyJsonPatch({foo: 'bar'}, [{op: 'add', path: '/baz', value: 'qux'}]), {foo: 'bar', baz: 'qux'});
		assert.deepEqual(applyJsonPatch({foo: ['bar', 'baz']}, [{op: 'add', path: '/foo/1', value: 'qux'}]), {foo: ['bar', 'qux', 'baz']});
		assert.deepEqual(applyJsonPatch({foo: ['bar']}, [{op: 'add', path: '/foo/-', value: {a: 1}}]), {foo: ['bar', {a: 1}]});
		assert.deepEqual(applyJsonPatch({foo: 'bar'}, [{op: 'add', path: '/foo', value: 'replaced'}]), {foo: 'replaced'});
	});

	test('remove and replace', () => {
		assert.deepEqual(applyJsonPatch({baz: 'qux', foo: 'bar'}, [{op: 'remove', path: '/baz'}]), {foo: 'bar'});
		assert.deepEqual(applyJsonPatch({foo: ['bar', 'qux', 'baz']}, [{op: 'remove', path: '/foo/1'}]), {foo: ['bar', 'baz']});
		assert.deepEqual(applyJsonPatch({baz: 'qux', foo: 'bar'}, [{op: 'replace', path: '/baz', value: 'boo'}]), {baz: 'boo', foo: 'bar'});
		assert.deepEqual(applyJsonPatch({a: 1}, [{op: 'replace', path: '', value: [1]}]), [1]);
	});

	test('test compares JSON values: key order ignored, array order and types not', () => {
		const document = {baz: 'qux', foo: ['a', 2, 'c'], nested: {x: 1, y: null}};
		assert.deepEqual(applyJsonPatch(document, [
			{op: 'test', path: '/baz', value: 'qux'},
			{op: 'test', path: '/foo/1', value: 2},
			{op: 'test', path: '/nested', value: {y: null, x: 1}},
		]), document);
		assert.throws(() => applyJsonPatch(document, [{op: 'test', path: '/baz', value: 'bar'}]), /test failed at \/baz: expected "bar", found "qux"/);
		assert.throws(() => applyJsonPatch(document, [{op: 'test', path: '/foo/1', value: '2'}]), /test failed/);
		assert.throws(() => applyJsonPatch(document, [{op: 'test', path: '/missing', value: 1}]), /found nothing/);
	});

	test('escaped pointer tokens (~1 is "/", ~0 is "~")', () => {
		const document = {'a/b': 1, 'm~n': 2, metadata: {annotations: {}}};
		assert.deepEqual(applyJsonPatch(document, [
			{op: 'test', path: '/a~1b', value: 1},
			{op: 'test', path: '/m~0n', value: 2},
			{op: 'add', path: `/metadata/annotations/${escapePointerToken('meshtop.io/last-split')}`, value: 'v1=100'},
		]).metadata.annotations, {'meshtop.io/last-split': 'v1=100'});
		assert.deepEqual(parsePointer('/a~1b/m~0n/~01'), ['a/b', 'm~n', '~1']);
	});

	test('errors: missing paths, bad indexes, removing what is not there, prototype pollution', () => {
		assert.throws(() => applyJsonPatch({a: {}}, [{op: 'add', path: '/x/y', value: 1}]), /does not exist/);
		assert.throws(() => applyJsonPatch({a: [1]}, [{op: 'add', path: '/a/5', value: 1}]), /out of range/);
		assert.throws(() => applyJsonPatch({a: [1]}, [{op: 'replace', path: '/a/-', value: 1}]), /invalid array index/);
		assert.throws(() => applyJsonPatch({a: [1]}, [{op: 'add', path: '/a/01', value: 1}]), /invalid array index/);
		assert.throws(() => applyJsonPatch({a: 1}, [{op: 'remove', path: '/b'}]), /does not exist/);
		assert.throws(() => applyJsonPatch({a: 1}, [{op: 'replace', path: '/b', value: 2}]), /does not exist/);
		assert.throws(() => applyJsonPatch({a: 1}, [{op: 'add', path: 'a', value: 2}]), /must start with/);
		assert.throws(() => applyJsonPatch({a: 1}, [{op: 'add', path: '/__proto__', value: {polluted: true}}]), /__proto__/);
		assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
	});

	test('errors say whether a test failed (a conflict) or the patch is invalid', () => {
		const failed = (operations: JsonPatchOperation[]): JsonPatchError => {
			try {
				applyJsonPatch({a: [1]}, operations);
			} catch (error) {
				assert.ok(error instanceof JsonPatchError);
				return error;
			}

			assert.fail('the patch applied');
		};

		assert.deepEqual({...failed([{op: 'test', path: '/a/0', value: 2}])}, {name: 'JsonPatchError', path: '/a/0', reason: 'test-failed'});
		assert.equal(failed([{op: 'remove', path: '/b'}]).reason, 'invalid');
		const move = {op: 'move', path: '/b'} as unknown as JsonPatchOperation;
		assert.match(failed([move]).message, /unsupported operation "move"/);
	});

	test('all or nothing: the input is untouched when a later operation fails', () => {
		const document = {spec: {weight: 10}};
		assert.throws(() => applyJsonPatch(document, [{op: 'replace', path: '/spec/weight', value: 90}, {op: 'test', path: '/spec/weight', value: 10}]));
		assert.deepEqual(document, {spec: {weight: 10}});
	});

	test('property: cloneJson copies deeply and jsonEqual agrees with deepEqual on JSON values', () => {
		fc.assert(fc.property(fc.jsonValue(), fc.jsonValue(), (a, b) => {
			const copy = cloneJson(a);
			assert.deepEqual(copy, a);
			assert.ok(jsonEqual(copy, a));
			let same = true;
			try {
				assert.deepEqual(JSON.parse(JSON.stringify(a)) as unknown, JSON.parse(JSON.stringify(b)) as unknown);
			} catch {
				same = false;
			}

			assert.equal(jsonEqual(JSON.parse(JSON.stringify(a)), JSON.parse(JSON.stringify(b))), same);
		}));
	});

	test('property: add then remove of a new member gives back the document', () => {
		fc.assert(fc.property(fc.dictionary(fc.string(), fc.jsonValue(), {noNullPrototype: true}), fc.string(), fc.jsonValue(), (document, key, value) => {
			fc.pre(!Object.hasOwn(document, key) && key !== '__proto__');
			const path = `/${escapePointerToken(key)}`;
			const added = applyJsonPatch(document, [{op: 'add', path, value}]);
			assert.deepEqual(applyJsonPatch(added, [{op: 'test', path, value}, {op: 'remove', path}]), document);
		}));
	});
});
