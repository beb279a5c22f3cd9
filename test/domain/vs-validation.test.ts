import {describe, test} from 'node:test';
import assert from 'node:assert/strict';
import {validateVirtualService} from '../../source/domain/virtual-service.js';

function errorsOf(object: unknown): string[] {
	const result = validateVirtualService(object);
	assert.equal(result.ok, false, 'expected the object to be rejected');
	return result.ok ? [] : result.errors;
}

const valid = {
	apiVersion: 'networking.istio.io/v1beta1',
	kind: 'VirtualService',
	metadata: {name: 'reviews', namespace: 'bookinfo', resourceVersion: '7', generation: 3, labels: {app: 'reviews'}},
	spec: {
		hosts: ['reviews'],
		http: [{name: 'primary', match: [{uri: {prefix: '/'}}], route: [
			{destination: {host: 'reviews', subset: 'v1', port: {number: 9080}}, weight: 90},
			{destination: {host: 'reviews', subset: 'v2'}, weight: 10},
		], retries: {attempts: 3}, somethingNew: {kept: true}}],
		tcp: [{route: [{destination: {host: 'mongo'}}]}],
	},
	status: {},
};

describe('validateVirtualService', () => {
	test('accepts a valid object and returns it as is, unknown fields included', () => {
		const result = validateVirtualService(valid);
		assert.ok(result.ok);
		assert.equal(result.vs, valid);
	});

	test('accepts relative weights above 100 (Istio 1.15+)', () => {
		const relative = structuredClone(valid);
		relative.spec.http[0]!.route[0]!.weight = 900;
		assert.ok(validateVirtualService(relative).ok);
	});

	test('names the exact field and the bad value', () => {
		const bad = structuredClone(valid) as unknown as {spec: {http: Array<{route: Array<Record<string, unknown>>}>}};
		bad.spec.http[0]!.route[1]!['weight'] = 'fifty';
		assert.deepEqual(errorsOf(bad), ['spec.http[0].route[1].weight must be a non-negative integer (got "fifty")']);
	});

	test('reports every problem at once', () => {
		const errors = errorsOf({
			apiVersion: 'v1',
			kind: 'Service',
			metadata: {namespace: 7, labels: {a: 1}},
			spec: {
				hosts: 'reviews',
				http: [{route: [{destination: {subset: 'v1'}, weight: -1}, {weight: 2.5}], delegate: {}}],
				tls: {},
			},
		});
		assert.deepEqual(errors, [
			'apiVersion must be networking.istio.io/<version> (got "v1")',
			'kind must be "VirtualService" (got "Service")',
			'metadata.name must be a non-empty string (got nothing)',
			'metadata.namespace must be a non-empty string (got 7)',
			'metadata.labels["a"] must be a string (got 1)',
			'spec.hosts must be a list (got "reviews")',
			'spec.http[0].route[0].destination.host must be a non-empty string (got nothing)',
			'spec.http[0].route[0].weight must be a non-negative integer (got -1)',
			'spec.http[0].route[1].destination must be an object (got nothing)',
			'spec.http[0].route[1].weight must be a non-negative integer (got 2.5)',
			'spec.http[0].delegate.name must be a non-empty string (got nothing)',
			'spec.tls must be a list (got {})',
		]);
	});

	test('rejects non-objects and missing sections', () => {
		assert.deepEqual(errorsOf(null), ['VirtualService must be an object (got null)']);
		assert.deepEqual(errorsOf([]), ['VirtualService must be an object (got an array)']);
		assert.deepEqual(errorsOf({apiVersion: 'networking.istio.io/v1', kind: 'VirtualService'}), [
			'metadata must be an object (got nothing)',
			'spec must be an object (got nothing)',
		]);
	});

	test('checks ports', () => {
		const bad = structuredClone(valid);
		bad.spec.http[0]!.route[0]!.destination.port!.number = 70_000;
		assert.deepEqual(errorsOf(bad), ['spec.http[0].route[0].destination.port.number must be a port 1..65535 (got 70000)']);
	});
});
