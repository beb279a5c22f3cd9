/**
 * The dependency rule: imports go one way, cli → commands/app → ui → state → rollout → domain → util; adapters
 * (kube, prometheus, net, trail, write) are created by commands/app and reach the console only through ports.
 * A new import against the direction fails here with the file and the import to remove.
 */
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {layerOf, sourceFiles} from './source-files.js';

const adapters = ['kube', 'prometheus', 'net', 'trail', 'write'];

/** What each layer may import (besides itself). */
const allowed: Record<string, readonly string[]> = {
	util: [],
	domain: ['util'],
	ports: ['domain', 'util'],
	rollout: ['domain', 'util'],
	state: ['rollout', 'ports', 'domain', 'util'],
	ui: ['state', 'ports', 'domain', 'util'],
	kube: ['net', 'domain', 'util'],
	prometheus: ['domain', 'util'],
	net: ['util'],
	trail: ['kube', 'domain', 'util'],
	write: ['trail', 'kube', 'ports', 'domain', 'util'],
	app: [...adapters, 'ports', 'domain', 'util'],
	sim: ['net', 'domain', 'util'],
	commands: ['app', 'ui', 'state', 'rollout', 'sim', ...adapters, 'ports', 'domain', 'util'],
	cli: ['commands', 'util'],
};

describe('the dependency rule', () => {
	const files = sourceFiles();

	it('knows every folder of source/', () => {
		const unknown = [...new Set(files.map(file => layerOf(file.path)))].filter(layer => allowed[layer] === undefined);
		assert.deepEqual(unknown, [], 'a new folder needs its place in the rule (and in docs/architecture.md)');
	});

	it('every import goes along the direction of the layers', () => {
		const violations = files.flatMap(file => {
			const from = layerOf(file.path);
			return file.imports
				.filter(target => {
					const to = layerOf(target.path);
					return to !== from && !(allowed[from] ?? []).includes(to);
				})
				.map(target => `${file.path} imports ${target.path} (${from} → ${layerOf(target.path)})`);
		});
		assert.deepEqual(violations, []);
	});

	it('domain and util do no I/O and use no framework: no node: modules, React, Ink or client-node', () => {
		const impure = files
			.filter(file => ['domain', 'util'].includes(layerOf(file.path)))
			.filter(file => /from '(node:|react|ink|@kubernetes)/.test(file.text))
			.map(file => file.path);
		assert.deepEqual(impure, []);
	});

	it('the console\'s state and UI never reach an adapter, even for a type', () => {
		const leaks = files
			.filter(file => ['state', 'ui'].includes(layerOf(file.path)))
			.flatMap(file => file.imports.filter(target => adapters.includes(layerOf(target.path))).map(target => `${file.path} → ${target.path}`));
		assert.deepEqual(leaks, []);
	});
});
