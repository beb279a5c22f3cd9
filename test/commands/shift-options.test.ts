/** What `meshtop shift` prints and refuses before it touches a cluster. */
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {selectRoute} from '../../source/commands/connect.js';
import {runShift} from '../../source/commands/shift.js';
import {clockTime, describePlan, formatGates, formatSplit} from '../../source/commands/shift-output.js';
import {createPlan, judgeGates, parseGate} from '../../source/domain/rollout.js';
import {routesOf, type VirtualService} from '../../source/domain/virtual-service.js';
import {CapturedOutput} from './shift-fixture.js';

const plan = createPlan({
	keys: ['v1', 'v2', 'v3'],
	weights: [100, 0, 0],
	target: 'v3',
	steps: [5, 10, 25, 50, 100],
	intervalMs: 30_000,
	gates: ['success>=99.5', 'p99<=500ms', 'min-rps=1'].map(text => parseGate(text)),
});

describe('shift output', () => {
	it('shows the split with the target last and leaves out versions that never had traffic', () => {
		assert.equal(formatSplit(plan, [50, 0, 50]), 'v1 50 → v3 50');
		const threeWay = createPlan({keys: ['v1', 'v2', 'v3'], weights: [60, 40, 0], target: 'v3', step: 50, intervalMs: 1000});
		assert.equal(formatSplit(threeWay, [30, 20, 50]), 'v1 30 v2 20 → v3 50');
		assert.equal(formatSplit(threeWay, [0, 0, 100]), 'v1 0 v2 0 → v3 100');
	});

	it('shows each gate next to its threshold, with its evidence', () => {
		const results = judgeGates(plan.gates, {
			target: {requests: 58_800, successes: 58_800, p50Ms: 5, p99Ms: 12},
			baseline: undefined, baselineLabel: 'v1', baselineActive: true, windowMs: 6000, alpha: 0.025 / 30, confidence: 0.95, minRequests: 100, final: false,
		});
		assert.equal(formatGates(plan, results), 'gates: success 100.0% (n=58,800, 95% 99.9–100.0%) ≥ 99.5 ✓  p99 12 ms (n=58,800) ≤ 500 ms ✓  rps 9800.0 (n=58,800 in 6 s) ≥ 1 ✓');
		assert.equal(formatGates(plan, undefined), 'gates: -');
		assert.equal(formatGates({...plan, gates: []}, results), 'gates: none');
	});

	it('describes the plan and the time of day', () => {
		assert.equal(describePlan(plan, '30s'), 'v3 0 → 100 in 5 steps (5, 10, 25, 50, 100) every 30s; gates success>=99.5, p99<=500ms, min-rps=1; on failure: pause; 95% confidence, at most 150 s a step, if inconclusive: pause');
		assert.match(clockTime(Date.UTC(2025, 0, 1, 12, 0, 5)), /^\d\d:\d\d:05$/);
	});
});

describe('shift usage errors', () => {
	it('rejects bad flags with exit 2 before connecting', async () => {
		for (const [overrides, message] of [
			[{gates: ['latency<5']}, /invalid gate "latency<5": unknown metric/],
			[{steps: '5,ten'}, /--steps: "ten" is not an integer percentage/],
			[{every: 'soon'}, /invalid duration "soon"/],
			[{onFail: 'panic'}, /--on-fail must be pause or rollback/],
			[{onInconclusive: 'shrug'}, /--on-inconclusive must be pause, proceed or rollback/],
			[{every: '30s', maxWait: '10s'}, /--max-wait \(10000 ms\) must be at least the hold --every/],
			[{confidence: 'sure'}, /--confidence: "sure" is not a percentage/],
			[{failureLimit: 0}, /--failure-limit must be a positive integer/],
			[{gates: ['rps>=baseline']}, /rps is a volume/],
		] as const) {
			const output = new CapturedOutput();
			// A kubeconfig that does not exist: reaching the connection step would fail with exit 1, not 2.
			const code = await runShift({vs: 'reviews', to: 'v3', kubeconfig: '/nonexistent/kubeconfig', ...overrides}, output);
			assert.equal(code, 2, output.err);
			assert.match(output.err, message);
			assert.match(output.err, /Usage: meshtop shift/);
		}
	});

	it('an abort before the start writes nothing and exits 130', async () => {
		const output = new CapturedOutput();
		const code = await runShift({vs: 'reviews', to: 'v3', kubeconfig: '/nonexistent/kubeconfig', signal: AbortSignal.abort()}, output);
		assert.equal(code, 130);
		assert.match(output.err, /nothing was written/);
	});

	it('a connection failure is exit 1 with the reason', async () => {
		const output = new CapturedOutput();
		assert.equal(await runShift({vs: 'reviews', to: 'v3', kubeconfig: '/nonexistent/kubeconfig'}, output), 1);
		assert.match(output.err, /no kubeconfig: \/nonexistent\/kubeconfig/);
	});
});

describe('selectRoute', () => {
	const vs: VirtualService = {
		apiVersion: 'networking.istio.io/v1',
		kind: 'VirtualService',
		metadata: {name: 'reviews', namespace: 'bookinfo', resourceVersion: '1'},
		spec: {
			hosts: ['reviews'],
			http: [
				{name: 'jason', match: [{headers: {'end-user': {exact: 'jason'}}}], route: [{destination: {host: 'reviews', subset: 'v2'}}]},
				{route: [{destination: {host: 'reviews', subset: 'v1'}}]},
			],
			tcp: [{route: [{destination: {host: 'reviews'}}]}],
		},
	};
	const routes = routesOf(vs, []);

	it('finds a route by name or position, else the first editable http route', () => {
		assert.equal(selectRoute(routes, 'jason', 'reviews').index, 0);
		assert.equal(selectRoute(routes, 'http[1]', 'reviews').index, 1);
		assert.equal(selectRoute(routes, undefined, 'reviews').name, 'jason');
	});

	it('lists the routes when the name is unknown', () => {
		assert.throws(() => selectRoute(routes, 'nope', 'reviews'), /VirtualService reviews has no route "nope"; routes: jason \(http\[0\]\), http\[1\], tcp\[0\]/);
	});
});
