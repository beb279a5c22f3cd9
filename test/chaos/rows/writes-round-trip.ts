/**
 * Writes row: fuzzed round trips on the real API server, 1,000 cases (100 short). Each case is a VirtualService or an
 * HTTPRoute generated from the CRD schemas (test/helpers/arbitraries), created with strict field validation, shifted by
 * meshtop's write service through the kube adapter and read back: everything but the shifted weights must be as
 * created, the weights exactly the requested ones, read-only routes refused untouched. An object the server rejects is
 * a bug of the generators and fails the row too. The seed is printed, so a failing run can be replayed.
 */
import fc from 'fast-check';
import {loadKubeTarget} from '../../../source/kube/config.js';
import {IstioApi} from '../../../source/kube/istio-api.js';
import {rawEndpoint} from '../../helpers/raw-api.js';
import {ensureNamespace, roundTripCaseArbitrary, runRoundTrip, type RoundTripCase, type RoundTripOutcome} from '../../helpers/round-trip.js';
import type {ChaosContext, ChaosResult, ChaosRow} from '../row.js';
import {rowTestbed} from '../support/writes-testbed.js';
import type {TestbedState} from '../../testbed/main.js';

const namespace = 'meshtop-fuzz';
/** Cases in flight at once: the server is shared with the rest of the machine (2 cores). */
const concurrency = 4;

async function roundTrips(context: ChaosContext, state: TestbedState): Promise<ChaosResult> {
	const total = context.short ? 100 : 1000;
	const seed = Number(process.env['MESHTOP_CHAOS_SEED'] ?? Date.now() % 2_147_483_647);
	const cases: RoundTripCase[] = fc.sample(roundTripCaseArbitrary, {numRuns: total, seed});
	const endpoint = rawEndpoint(state.kubeconfig);
	await ensureNamespace(endpoint, namespace);
	const target = {endpoint, api: new IstioApi(loadKubeTarget({kubeconfig: state.kubeconfig, namespace})), namespace};
	const outcomes: RoundTripOutcome[] = [];
	const started = Date.now();
	let next = 0;
	const worker = async () => {
		while (next < cases.length && !context.signal.aborted) {
			const index = next++;
			outcomes.push(await runRoundTrip(target, `chaos-round-trip-${index}`, cases[index]!));
		}
	};

	// Each case deletes its object; the namespace stays (deleting it would leave it terminating for the next run).
	await Promise.all(Array.from({length: concurrency}, worker));

	const seconds = (Date.now() - started) / 1000;
	const count = (kind: RoundTripOutcome['kind']) => outcomes.filter(outcome => outcome.kind === kind).length;
	const bad = outcomes.filter(outcome => outcome.kind === 'rejected' || outcome.kind === 'mismatch');
	const shifted = count('shifted');
	const ok = outcomes.length === total && bad.length === 0 && shifted >= total / 2;
	return {
		ok,
		figure: `${outcomes.length} cases (${shifted} shifted, ${count('read-only')} read-only refused), ${count('rejected')} rejected by the server, ${count('mismatch')} mismatches, ${seconds.toFixed(0)} s, seed ${seed}`,
		...(bad.length > 0 ? {detail: bad.slice(0, 3).map(outcome => `${outcome.objectKind} ${outcome.kind}: ${'message' in outcome ? outcome.message : ''}`).join('\n')} : {}),
	};
}

/** The round-trip row. */
export const writesRoundTripRows: ChaosRow[] = [{
	group: 'writes',
	name: 'fuzzed round trips: 1,000 generated VirtualServices and HTTPRoutes shifted and read back',
	short: true,
	limitSeconds: 600,
	sharesTestbed: true,
	async run(context) {
		const testbed = await rowTestbed(context);
		try {
			return await roundTrips(context, testbed.state);
		} finally {
			await testbed.release();
		}
	},
}];
