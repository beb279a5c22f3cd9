import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import fc from 'fast-check';
import {applyJsonPatch, routesOf} from '../../source/domain/virtual-service.js';
import {weightPatch} from '../../source/domain/weight-patch.js';
import {inverseWeightPatch} from '../../source/domain/undo-patch.js';
import {bookinfoRules, bookinfoVs} from '../helpers/bookinfo.js';

const files = ['virtual-service-all-v1.yaml', 'virtual-service-reviews-50-v3.yaml', 'virtual-service-reviews-80-20.yaml', 'virtual-service-reviews-test-v2.yaml'];

describe('inverseWeightPatch', () => {
	it('property: patch then inverse gives back the route byte for byte, for any split of any Bookinfo reviews route', () => {
		const split = fc.tuple(fc.nat(100), fc.nat(100)).map(([a, b]) => {
			const [low, high] = a <= b ? [a, b] : [b, a];
			return {v1: low, v2: high - low, v3: 100 - high};
		});
		fc.assert(fc.property(fc.constantFrom(...files), split, (file, weights) => {
			const before = bookinfoVs(file, 'reviews', '7');
			for (const route of routesOf(before, bookinfoRules).filter(candidate => candidate.editable)) {
				const forward = weightPatch(before, route, weights);
				const after = applyJsonPatch(before, forward);
				const restored = applyJsonPatch(after, inverseWeightPatch(before, forward));
				assert.equal(JSON.stringify(restored.spec), JSON.stringify(before.spec));
			}
		}));
	});

	it('guards every change with a test of what the patch wrote, so it never undoes someone else\'s value', () => {
		const before = bookinfoVs('virtual-service-all-v1.yaml', 'reviews', '7');
		const forward = weightPatch(before, routesOf(before, bookinfoRules)[0]!, {v1: 60, v3: 40});
		const inverse = inverseWeightPatch(before, forward);
		const after = applyJsonPatch(before, forward);
		const edited = structuredClone(after);
		(edited.spec['http'] as Array<{route: Array<{weight: number}>}>)[0]!.route[0]!.weight = 65;
		assert.throws(() => applyJsonPatch(edited, inverse), /test failed at \/spec\/http\/0\/route\/0\/weight/);
	});

	it('refuses operations a weight patch never contains', () => {
		const before = bookinfoVs('virtual-service-all-v1.yaml');
		assert.throws(() => inverseWeightPatch(before, [{op: 'replace', path: '/spec/hosts', value: []}]), /not a weight patch/);
	});
});
