import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import fc from 'fast-check';
import {applyJsonPatch, applyMergePatch, decodeJsonPatch, jsonEqual, PatchApplyError, PatchDecodeError} from '../../source/sim/api/patch.js';
import {applyStrategicMergePatch} from '../../source/sim/api/strategic-merge.js';

const document = {
	metadata: {name: 'reviews', resourceVersion: '7'},
	spec: {http: [{route: [{weight: 100, destination: {host: 'reviews', subset: 'v1'}}]}]},
};

describe('JSON Patch (RFC 6902)', () => {
	test('add, replace, remove, move, copy on objects and arrays', () => {
		const result = applyJsonPatch(document, decodeJsonPatch([
			{op: 'replace', path: '/spec/http/0/route/0/weight', value: 50},
			{op: 'add', path: '/spec/http/0/route/-', value: {weight: 50, destination: {host: 'reviews', subset: 'v3'}}},
			{op: 'add', path: '/metadata/labels', value: {'a/b': 'x'}},
			{op: 'copy', from: '/metadata/labels/a~1b', path: '/metadata/labels/copy'},
			{op: 'move', from: '/metadata/labels/copy', path: '/metadata/labels/moved'},
			{op: 'add', path: '/spec/http/0/route/0', value: {weight: 0, destination: {host: 'reviews', subset: 'v2'}}},
			{op: 'remove', path: '/spec/http/0/route/0'},
		]));
		assert.deepEqual(result, {
			metadata: {name: 'reviews', resourceVersion: '7', labels: {'a/b': 'x', moved: 'x'}},
			spec: {http: [{route: [{weight: 50, destination: {host: 'reviews', subset: 'v1'}}, {weight: 50, destination: {host: 'reviews', subset: 'v3'}}]}]},
		});
		assert.equal(document.spec.http[0]?.route[0]?.weight, 100, 'the input is not modified');
	});

	test('a passing test lets the patch apply; a failing one rejects it with the Go library message', () => {
		const patched = applyJsonPatch(document, decodeJsonPatch([
			{op: 'test', path: '/metadata/resourceVersion', value: '7'},
			{op: 'replace', path: '/spec/http/0/route/0/weight', value: 0},
		]));
		assert.equal(patched.spec.http[0]?.route[0]?.weight, 0);
		assert.throws(
			() => applyJsonPatch(document, decodeJsonPatch([
				{op: 'replace', path: '/spec/http/0/route/0/weight', value: 0},
				{op: 'test', path: '/metadata/resourceVersion', value: '6'},
			])),
			{name: 'PatchApplyError', message: 'testing value /metadata/resourceVersion failed: test failed'},
		);
	});

	test('test compares JSON values deeply, ignoring key order', () => {
		assert.doesNotThrow(() => applyJsonPatch(document, [{op: 'test', path: '/spec/http/0/route/0', value: {destination: {subset: 'v1', host: 'reviews'}, weight: 100}}]));
		assert.throws(() => applyJsonPatch(document, [{op: 'test', path: '/spec/http/0/route/0/weight', value: '100'}]), PatchApplyError);
	});

	test('operations on missing paths fail without a partial result', () => {
		assert.throws(() => applyJsonPatch(document, [{op: 'replace', path: '/spec/missing', value: 1}]), /replace operation does not apply: doc is missing key: \/spec\/missing/);
		assert.throws(() => applyJsonPatch(document, [{op: 'add', path: '/spec/a/b', value: 1}]), /add operation does not apply: doc is missing path/);
		assert.throws(() => applyJsonPatch(document, [{op: 'remove', path: '/spec/http/3'}]), /invalid index/);
		assert.throws(() => applyJsonPatch(document, [{op: 'move', from: '/spec', path: '/spec/inner'}]), PatchApplyError);
	});

	test('malformed patch documents are decode errors (the server answers 400)', () => {
		assert.throws(() => decodeJsonPatch({op: 'add'}), PatchDecodeError);
		assert.throws(() => decodeJsonPatch([{op: 'frobnicate', path: '/a'}]), PatchDecodeError);
		assert.throws(() => decodeJsonPatch([{op: 'replace', path: '/a'}]), /missing value/);
		assert.throws(() => decodeJsonPatch([{op: 'move', path: '/a'}]), /missing from/);
	});

	test('a __proto__ key is stored as data, never as the prototype', () => {
		const result = applyJsonPatch<{a: Record<string, unknown>}>({a: {}}, [{op: 'add', path: '/a/__proto__', value: {polluted: true}}]);
		assert.equal(Object.getPrototypeOf(result.a), Object.prototype);
		assert.deepEqual(Object.keys(result.a), ['__proto__']);
		assert.equal(({} as Record<string, unknown>).polluted, undefined);
	});

	test('property: replacing any existing top-level key then testing it succeeds', () => {
		fc.assert(fc.property(fc.dictionary(fc.string({minLength: 1}), fc.jsonValue(), {minKeys: 1}), fc.jsonValue(), (object, value) => {
			const key = Object.keys(object)[0] ?? '';
			const pointer = `/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`;
			const result = applyJsonPatch(object, [{op: 'replace', path: pointer, value}, {op: 'test', path: pointer, value}]) as Record<string, unknown>;
			return jsonEqual(result[key], value);
		}));
	});
});

describe('JSON Merge Patch (RFC 7386)', () => {
	test('the RFC appendix examples', () => {
		const cases: Array<[unknown, unknown, unknown]> = [
			[{a: 'b'}, {a: 'c'}, {a: 'c'}],
			[{a: 'b'}, {b: 'c'}, {a: 'b', b: 'c'}],
			[{a: 'b'}, {a: null}, {}],
			[{a: 'b', b: 'c'}, {a: null}, {b: 'c'}],
			[{a: ['b']}, {a: 'c'}, {a: 'c'}],
			[{a: 'c'}, {a: ['b']}, {a: ['b']}],
			[{a: {b: 'c'}}, {a: {b: 'd', c: null}}, {a: {b: 'd'}}],
			[{a: [{b: 'c'}]}, {a: [1]}, {a: [1]}],
			[['a', 'b'], ['c', 'd'], ['c', 'd']],
			[{a: 'b'}, ['c'], ['c']],
			[{a: 'foo'}, null, null],
			[{a: 'foo'}, 'bar', 'bar'],
			[{e: null}, {a: 1}, {e: null, a: 1}],
			[[1, 2], {a: 'b', c: null}, {a: 'b'}],
			[{}, {a: {bb: {ccc: null}}}, {a: {bb: {}}}],
		];
		for (const [target, patch, expected] of cases) {
			assert.deepEqual(applyMergePatch(target, patch), expected, JSON.stringify({target, patch}));
		}
	});

	test('the target is not modified', () => {
		const target = {metadata: {labels: {a: '1'}}};
		applyMergePatch(target, {metadata: {labels: {a: null, b: '2'}}});
		assert.deepEqual(target, {metadata: {labels: {a: '1'}}});
	});
});

describe('strategic merge patch (core kinds)', () => {
	const service = {
		metadata: {name: 'web', labels: {app: 'web', tier: 'front'}, finalizers: ['a', 'b']},
		spec: {selector: {app: 'web'}, ports: [{name: 'http', port: 80, targetPort: 8080}, {name: 'metrics', port: 9090}]},
	};

	test('lists with a merge key merge by it; $patch: delete removes an element', () => {
		const result = applyStrategicMergePatch(service, {
			spec: {ports: [{port: 80, targetPort: 8081}, {port: 9090, $patch: 'delete'}, {port: 443, name: 'https'}]},
		});
		assert.deepEqual((result as typeof service).spec.ports, [{name: 'http', port: 80, targetPort: 8081}, {port: 443, name: 'https'}]);
	});

	test('null deletes keys, $deleteFromPrimitiveList and $retainKeys prune, $patch: replace replaces', () => {
		const result = applyStrategicMergePatch(service, {
			metadata: {labels: {tier: null}, '$deleteFromPrimitiveList/finalizers': ['a']},
			spec: {$retainKeys: ['ports'], ports: [{port: 80, name: 'http'}]},
		}) as typeof service;
		assert.deepEqual(result.metadata, {name: 'web', labels: {app: 'web'}, finalizers: ['b']});
		assert.deepEqual(Object.keys(result.spec), ['ports']);
		const replaced = applyStrategicMergePatch(service, {spec: {$patch: 'replace', selector: {app: 'other'}}}) as typeof service;
		assert.deepEqual(replaced.spec, {selector: {app: 'other'}});
	});

	test('lists without a known merge key are replaced, directives never leak into the result', () => {
		const result = applyStrategicMergePatch({spec: {hosts: ['a', 'b']}}, {spec: {hosts: ['c'], '$setElementOrder/hosts': ['c']}});
		assert.deepEqual(result, {spec: {hosts: ['c']}});
	});
});
