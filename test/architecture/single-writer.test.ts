/**
 * One write path: only source/write calls the API's patch of a VirtualService or builds a weight patch, so every
 * write is conflict-safe and recorded by construction. The Kubernetes adapter defines the call; nothing else makes it.
 */
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {sourceFiles} from './source-files.js';

/** Calls that write a split, and the files allowed to contain them. */
const writers: Array<{pattern: RegExp; allowed: readonly string[]}> = [
	// The Kubernetes adapter's own PATCH (KubeRest's, or client-node's generated calls): only the adapter method that wraps it.
	{pattern: /\.rest\.patch\(|\.(patch|replace)NamespacedCustomObject\w*\(/, allowed: ['source/kube/istio-api.ts']},
	// The adapter method (VirtualServices and HTTPRoutes alike): called by the write service only (its ride-through of a
	// cut write sends the same patch again from cut-write.ts, on the write service's behalf).
	{pattern: /\.patchRoute\(/, allowed: ['source/write/split-writer.ts', 'source/write/cut-write.ts']},
	// Building a weight patch or its inverse: defined in the domain, used by the write service only.
	{pattern: /\b(weightPatch|inverseWeightPatch)\(/, allowed: ['source/write/split-writer.ts', 'source/domain/weight-patch.ts', 'source/domain/undo-patch.ts']},
];

describe('the single writer', () => {
	const files = sourceFiles().filter(file => !file.path.startsWith('source/sim/'));

	for (const {pattern, allowed} of writers) {
		it(`only ${allowed.join(', ')} contain ${pattern.source}`, () => {
			const offenders = files.filter(file => pattern.test(file.text.replaceAll(/^\s*(\/\/|\*).*$/gm, ''))).map(file => file.path);
			assert.deepEqual(offenders.filter(file => !allowed.includes(file)), []);
			assert.ok(offenders.length > 0, 'the pattern still finds the real writer (otherwise this test checks nothing)');
		});
	}

	it('only the write service imports the weight patch functions', () => {
		const importers = sourceFiles()
			.filter(file => file.imports.some(target => target.path === 'source/domain/weight-patch' || target.path === 'source/domain/undo-patch'))
			.map(file => file.path);
		assert.deepEqual(importers, ['source/write/split-writer.ts']);
	});
});
