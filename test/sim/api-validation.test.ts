import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import {pruneUnknownFields} from '../../source/sim/api/crd-schemas.js';
import {istioRuleErrors} from '../../source/sim/api/istio-rules.js';
import {StatusError} from '../../source/sim/api/status.js';
import type {KubeObject} from '../../source/sim/api/store.js';
import {fieldPath, validateCustomObject} from '../../source/sim/api/validation.js';

const group = 'networking.istio.io';

function reviews(route: unknown[]): KubeObject {
	return {
		apiVersion: 'networking.istio.io/v1',
		kind: 'VirtualService',
		metadata: {name: 'reviews', namespace: 'bookinfo'},
		spec: {hosts: ['reviews'], http: [{route}]},
	};
}

function failure(run: () => unknown): StatusError {
	try {
		run();
	} catch (error) {
		assert.ok(error instanceof StatusError, String(error));
		return error;
	}
	assert.fail('expected a StatusError');
}

describe('CRD validation of VirtualService / DestinationRule writes', () => {
	test('a valid VirtualService passes in every served version', () => {
		const object = reviews([{destination: {host: 'reviews', subset: 'v1'}, weight: 50}, {destination: {host: 'reviews', subset: 'v3'}, weight: 50}]);
		for (const version of ['v1', 'v1beta1', 'v1alpha3']) {
			assert.deepEqual(validateCustomObject(group, 'VirtualService', version, object).object.spec, object.spec);
		}
	});

	test('unknown spec fields are pruned and reported; status keeps unknown fields (preserve-unknown-fields)', () => {
		const object: KubeObject = {...reviews([{destination: {host: 'reviews'}}]), status: {custom: 1}, extra: true};
		(object.spec as Record<string, unknown>).bogus = 1;
		const result = validateCustomObject(group, 'VirtualService', 'v1', object);
		assert.deepEqual(result.unknownFields.sort(), ['extra', 'spec.bogus']);
		assert.equal((result.object.spec as Record<string, unknown>).bogus, undefined);
		assert.deepEqual(result.object.status, {custom: 1});
		assert.equal(result.object.extra, undefined);
		assert.equal(result.object.metadata.name, 'reviews');
	});

	test('a weight of the wrong type is 422 with the kube-openapi message', () => {
		const error = failure(() => validateCustomObject(group, 'VirtualService', 'v1', reviews([{destination: {host: 'reviews'}, weight: 'fifty'}])));
		assert.equal(error.code, 422);
		assert.equal(error.status.reason, 'Invalid');
		// As kube-apiserver 1.36 answers (the differential test compares the two): the CRD's CEL rules were skipped, and it says so.
		assert.equal(error.message, 'VirtualService.networking.istio.io "reviews" is invalid: [spec.http[0].route[0].weight: Invalid value: "string": spec.http[0].route[0].weight in body must be of type integer: "string", <nil>: Invalid value: null: some validation rules were not checked because the object was invalid; correct the existing errors to complete validation]');
		assert.deepEqual(error.status.details, {
			name: 'reviews',
			group,
			kind: 'VirtualService',
			causes: [
				{reason: 'FieldValueTypeInvalid', message: 'Invalid value: "string": spec.http[0].route[0].weight in body must be of type integer: "string"', field: 'spec.http[0].route[0].weight'},
				{reason: 'FieldValueInvalid', message: 'Invalid value: null: some validation rules were not checked because the object was invalid; correct the existing errors to complete validation', field: '<nil>'},
			],
		});
	});

	test('several failures are aggregated in brackets; required fields are reported', () => {
		const object = reviews([{destination: {}, weight: 1.5}]);
		(object.spec as Record<string, unknown>).hosts = 'reviews';
		const error = failure(() => validateCustomObject(group, 'VirtualService', 'v1', object));
		assert.match(error.message, /is invalid: \[/);
		const fields = (error.status.details?.causes ?? []).map(cause => `${cause.field}:${cause.reason}`).sort();
		// The real server also reports the int32 format of a float weight as a second <nil> cause; the sim does not.
		assert.deepEqual(fields, [
			'<nil>:FieldValueInvalid',
			'spec.hosts:FieldValueTypeInvalid',
			'spec.http[0].route[0].destination.host:FieldValueRequired',
			'spec.http[0].route[0].weight:FieldValueTypeInvalid',
		]);
	});

	test('a negative weight passes the schema but fails Istio\'s rule', () => {
		const error = failure(() => validateCustomObject(group, 'VirtualService', 'v1beta1', reviews([{destination: {host: 'reviews'}, weight: 110}, {destination: {host: 'reviews'}, weight: -10}])));
		assert.equal(error.code, 422);
		assert.deepEqual((error.status.details?.causes ?? []).map(cause => cause.field), ['spec.http[0].route[0].weight', 'spec.http[0].route[1].weight']);
	});

	test('DestinationRule schema is enforced too', () => {
		const error = failure(() => validateCustomObject(group, 'DestinationRule', 'v1', {
			apiVersion: 'networking.istio.io/v1',
			kind: 'DestinationRule',
			metadata: {name: 'reviews'},
			spec: {host: 'reviews', subsets: [{labels: {version: 'v1'}}]},
		}));
		assert.deepEqual((error.status.details?.causes ?? []).map(cause => cause.field), ['spec.subsets[0].name', '<nil>']);
	});
});

describe('Istio weight rules', () => {
	test('single destinations may omit the weight; several need a positive total; sums other than 100 are allowed', () => {
		assert.deepEqual(istioRuleErrors('VirtualService', reviews([{destination: {host: 'a'}}])), []);
		assert.deepEqual(istioRuleErrors('VirtualService', reviews([{destination: {host: 'a'}, weight: 30}, {destination: {host: 'b'}, weight: 30}])), []);
		const zero = istioRuleErrors('VirtualService', reviews([{destination: {host: 'a'}, weight: 0}, {destination: {host: 'b'}, weight: 0}]));
		assert.deepEqual(zero.map(error => error.field), ['spec.http[0].route']);
		assert.deepEqual(istioRuleErrors('DestinationRule', reviews([{weight: -1}])), []);
	});

	test('tcp and tls routes are checked like http', () => {
		const object = reviews([]);
		(object.spec as Record<string, unknown>).tcp = [{route: [{destination: {host: 'a'}, weight: -1}]}];
		assert.deepEqual(istioRuleErrors('VirtualService', object).map(error => error.field), ['spec.tcp[0].route[0].weight']);
	});
});

describe('helpers', () => {
	test('fieldPath turns JSON pointers into Kubernetes field paths', () => {
		assert.equal(fieldPath('/spec/http/0/route/12/weight'), 'spec.http[0].route[12].weight');
		assert.equal(fieldPath(''), '');
	});

	test('pruneUnknownFields honours additionalProperties and items', () => {
		const value = {labels: {a: 'x'}, list: [{keep: 1, drop: 2}], gone: 1};
		const dropped = pruneUnknownFields(value, {
			type: 'object',
			properties: {
				labels: {type: 'object', additionalProperties: {type: 'string'}},
				list: {type: 'array', items: {type: 'object', properties: {keep: {type: 'integer'}}}},
			},
		});
		assert.deepEqual(value, {labels: {a: 'x'}, list: [{keep: 1}]});
		assert.deepEqual(dropped, ['list[0].drop', 'gone']);
	});
});
