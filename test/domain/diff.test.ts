import {describe, test} from 'node:test';
import assert from 'node:assert/strict';
import {describeChange} from '../../source/domain/diff.js';
import {routesOf, type DestinationRuleInfo, type Route} from '../../source/domain/virtual-service.js';

const rules: DestinationRuleInfo[] = [{host: 'reviews', subsets: ['v1', 'v2', 'v3'].map(name => ({name, labels: {version: name}}))}];

function reviewsRoute(route: unknown[]): Route {
	const [first] = routesOf({apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: {name: 'reviews', namespace: 'bookinfo'}, spec: {hosts: ['reviews'], http: [{route}]}}, rules);
	assert.ok(first);
	return first;
}

describe('describeChange', () => {
	const allV1 = reviewsRoute([{destination: {host: 'reviews', subset: 'v1'}}]);

	test('all-v1 → 50/50 with v3: one line per changed version, arrows aligned, the added destination named', () => {
		assert.deepEqual(describeChange(allV1, {v1: 50, v3: 50}), [
			'v1   100 → 50',
			'v3     0 → 50  (adds destination reviews/v3)',
		]);
	});

	test('a version going to 0 is said to be kept', () => {
		const split = reviewsRoute([{destination: {host: 'reviews', subset: 'v1'}, weight: 80}, {destination: {host: 'reviews', subset: 'v2'}, weight: 20}]);
		assert.deepEqual(describeChange(split, {v2: 100}), [
			'v1    80 → 0  (no traffic; destination kept)',
			'v2    20 → 100',
		]);
	});

	test('keys of different length are padded so the numbers line up', () => {
		const hosts = reviewsRoute([{destination: {host: 'reviews-v1'}, weight: 100}, {destination: {host: 'reviews-canary'}, weight: 0}]);
		const lines = describeChange(hosts, {'reviews-v1': 95, 'reviews-canary': 5});
		assert.deepEqual(lines, ['reviews-v1       100 → 95', 'reviews-canary     0 → 5']);
		assert.equal(new Set(lines.map(line => line.indexOf('→'))).size, 1);
	});

	test('no change gives no lines', () => {
		assert.deepEqual(describeChange(allV1, {v1: 100}), []);
		assert.deepEqual(describeChange(allV1, {v1: 100, v2: 0}), []);
	});

	test('unknown versions and a wrong total are visible in the diff', () => {
		assert.deepEqual(describeChange(allV1, {v1: 50, v9: 40}), [
			'v1   100 → 50',
			'v9: not a version of route http[0] (ignored)',
			'total 50, must be 100',
		]);
	});
});
