/**
 * Fuzzed round trips through meshtop's write path: fast-check builds 100 valid VirtualServices and HTTPRoutes from the
 * CRD schemas (many rules, matches, headers, retries, mirrors, CORS, delegates, tcp/tls routes, filters including
 * RequestMirror, labels and annotations of any shape, a VirtualService status field the schema keeps unknown), each is
 * created on the API server, one weighable route is shifted by the write service through the kube adapter, and the
 * object read back must be the created one with only that route's weights changed, to exactly the requested ones.
 * Read-only routes must be refused without a byte changing. Runs on the real kube-apiserver of the test bed (its CRD
 * schemas and CEL rules judge every generated object) and on the simulated cluster (which also asks Istio's 0..100
 * weights). `npm run chaos` runs the same with 1,000 cases on the test bed.
 */
import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';
import fc from 'fast-check';
import {loadKubeTarget} from '../../source/kube/config.js';
import {IstioApi} from '../../source/kube/istio-api.js';
import {backends, type ClusterFixture} from '../helpers/cluster-fixture.js';
import {rawEndpoint} from '../helpers/raw-api.js';
import {ensureNamespace, roundTripCaseArbitrary, runRoundTrip, splitOf, type RoundTripOutcome} from '../helpers/round-trip.js';

const namespace = 'meshtop-fuzz';

describe('splitOf', () => {
	it('cuts 0..100 into integer weights summing to 100, one per destination', () => {
		fc.assert(fc.property(fc.array(fc.integer({min: 0, max: 100}), {minLength: 16, maxLength: 16}), fc.integer({min: 1, max: 16}), (cuts, count) => {
			const weights = splitOf(cuts, count);
			assert.equal(weights.length, count);
			assert.equal(weights.reduce((sum, weight) => sum + weight, 0), 100);
			assert.ok(weights.every(weight => Number.isInteger(weight) && weight >= 0));
		}));
		assert.deepEqual(splitOf([70, 20], 3), [20, 50, 30]);
	});
});

for (const backend of backends) describe(`fuzzed round trips through the write path (${backend.name})`, {timeout: 300_000, skip: backend.skip}, () => {
	let cluster: ClusterFixture;
	before(async () => {
		cluster = await backend.start();
	});
	after(async () => {
		await cluster?.stop();
	});

	it('100 generated routes: the server accepts each, and only the shifted weights change', async t => {
		const endpoint = rawEndpoint(cluster.kubeconfig);
		await ensureNamespace(endpoint, namespace);
		const target = {endpoint, api: new IstioApi(loadKubeTarget({kubeconfig: cluster.kubeconfig, namespace})), namespace};
		const counts = new Map<string, number>();
		let serial = 0;
		const started = Date.now();
		await fc.assert(fc.asyncProperty(roundTripCaseArbitrary, async testCase => {
			const outcome: RoundTripOutcome = await runRoundTrip(target, `round-trip-${process.pid}-${serial++}`, testCase);
			const key = `${outcome.objectKind} ${outcome.kind}`;
			counts.set(key, (counts.get(key) ?? 0) + 1);
			if (outcome.kind === 'rejected' || outcome.kind === 'mismatch') {
				assert.fail(`${outcome.kind}: ${outcome.message}`);
			}
		}), {numRuns: 100});
		t.diagnostic(`${[...counts].map(([key, count]) => `${key} ${count}`).join(', ')} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
		// Both kinds were shifted many times: a generator that only made read-only routes would prove nothing.
		assert.ok((counts.get('VirtualService shifted') ?? 0) >= 25, `VirtualServices shifted: ${JSON.stringify([...counts])}`);
		assert.ok((counts.get('HTTPRoute shifted') ?? 0) >= 25, `HTTPRoutes shifted: ${JSON.stringify([...counts])}`);
	});
});
