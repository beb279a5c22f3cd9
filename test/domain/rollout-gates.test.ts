import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {binomialCdf, compareToThreshold, exactInterval, gateInterval, normalQuantile, wilsonInterval} from '../../source/domain/binomial.js';
import {formatGateResult, judgeGates, type GateLook} from '../../source/domain/gate-evidence.js';
import {gatePolicy, lookSchedule, nextLookMs, perLookAlpha} from '../../source/domain/gate-policy.js';
import {parseGate} from '../../source/domain/rollout-gates.js';

describe('parseGate', () => {
	it('reads the comparison form with units', () => {
		assert.deepEqual(parseGate('success>=99.5'), {metric: 'success', comparator: '>=', threshold: 99.5, text: 'success>=99.5'});
		assert.deepEqual(parseGate('p99<=500ms'), {metric: 'p99', comparator: '<=', threshold: 500, text: 'p99<=500ms'});
		assert.equal(parseGate('p99 <= 0.5s').threshold, 500);
		assert.equal(parseGate('p50<80').comparator, '<');
		assert.equal(parseGate('success >= 99%').threshold, 99);
	});

	it('reads the min-/max- forms', () => {
		assert.deepEqual(parseGate('min-rps=1'), {metric: 'rps', comparator: '>=', threshold: 1, text: 'min-rps=1'});
		assert.deepEqual(parseGate('max-p99=250ms'), {metric: 'p99', comparator: '<=', threshold: 250, text: 'max-p99=250ms'});
		assert.equal(parseGate('min-success=99.9').metric, 'success');
	});

	it('explains bad input', () => {
		assert.throws(() => parseGate('latency<5'), /invalid gate "latency<5": unknown metric "latency".*success>=99\.5/);
		assert.throws(() => parseGate('success'), /expected METRIC OP VALUE/);
		assert.throws(() => parseGate('success>=abc'), /"abc" is not a number/);
		assert.throws(() => parseGate('success>=120'), /between 0 and 100/);
		assert.throws(() => parseGate('p99<=5%'), /duration/);
		assert.throws(() => parseGate('min-rps=2ms'), /requests per second/);
		assert.throws(() => parseGate('rps>=baseline'), /volume/);
		assert.throws(() => parseGate('success>=baseline*0.9'), /in points/);
		assert.throws(() => parseGate('p99<=baseline*x'), /not a positive factor/);
	});

	it('reads thresholds relative to the baseline', () => {
		assert.deepEqual(parseGate('success>=baseline-0.5%'), {metric: 'success', comparator: '>=', threshold: -0.5, baseline: {kind: 'offset', offset: -0.5}, text: 'success>=baseline-0.5%'});
		assert.deepEqual(parseGate('p99<=baseline*1.2').baseline, {kind: 'ratio', factor: 1.2});
		assert.deepEqual(parseGate('p99<=baseline+50ms').baseline, {kind: 'offset', offset: 50});
		assert.deepEqual(parseGate('success>=baseline').baseline, {kind: 'offset', offset: 0});
	});
});

describe('binomial intervals', () => {
	it('Φ⁻¹ matches the table', () => {
		assert.ok(Math.abs(normalQuantile(0.975) - 1.959_964) < 1e-6);
		assert.ok(Math.abs(normalQuantile(0.999) - 3.090_232) < 1e-6);
		assert.ok(Math.abs(normalQuantile(0.01) + 2.326_348) < 1e-6);
	});

	it('Wilson: 95% interval of 81 of 263 is 25.6–36.5% (Newcombe 1998, example)', () => {
		const {low, high} = wilsonInterval(81, 263, normalQuantile(0.975));
		assert.equal(low.toFixed(4), '0.2553');
		assert.equal(high.toFixed(4), '0.3662');
		assert.deepEqual(wilsonInterval(0, 0, 2), {low: 0, high: 1});
	});

	it('exact: Clopper–Pearson bounds invert the binomial tail', () => {
		const {low, high} = exactInterval(95, 100, 0.025);
		assert.ok(Math.abs(binomialCdf(94, 100, low) - 0.975) < 1e-6, 'P(X ≥ 95 | low) = 2.5%');
		assert.ok(Math.abs(binomialCdf(95, 100, high) - 0.025) < 1e-6, 'P(X ≤ 95 | high) = 2.5%');
		assert.equal(low.toFixed(4), '0.8872');
		assert.equal(high.toFixed(4), '0.9836');
		assert.ok(Math.abs(exactInterval(10, 10, 0.025).low - 0.025 ** 0.1) < 1e-12);
	});

	it('the gate interval is never narrower than either, and widens Wilson where failures are few', () => {
		const alpha = 0.0008;
		const z = normalQuantile(1 - alpha);
		const wilson = wilsonInterval(52, 55, z);
		const gate = gateInterval(52, 55, alpha);
		assert.ok(gate.high >= wilson.high && gate.low <= wilson.low);
		// 3 failures in 55 requests: Wilson alone says "below 99%"; the exact tail says not yet sure.
		assert.ok(wilson.high < 0.99);
		assert.equal(compareToThreshold(52, 55, alpha, 0.99), 'straddles');
		assert.equal(compareToThreshold(40, 55, alpha, 0.99), 'below');
		assert.equal(compareToThreshold(5000, 5000, alpha, 0.99), 'above');
	});
});

describe('looks and alpha spending', () => {
	it('a step looks once per scrape from settle + two scrapes, at its hold, and at its maximum wait', () => {
		const policy = gatePolicy({intervalMs: 6500, scrapeIntervalMs: 1000});
		const schedule = lookSchedule(policy, 6500);
		assert.deepEqual({first: schedule.firstMs, last: schedule.lastMs, maxLooks: schedule.maxLooks}, {first: 3000, last: 32_500, maxLooks: 32});
		const looks: number[] = [];
		for (let look: number | undefined; look === undefined || look < schedule.lastMs;) {
			look = nextLookMs(schedule, look);
			looks.push(look);
		}

		assert.deepEqual(looks.slice(0, 6), [3000, 4000, 5000, 6000, 6500, 7000]);
		assert.equal(looks.at(-1), 32_500);
		assert.ok(looks.length <= schedule.maxLooks, `${looks.length} looks within the ${schedule.maxLooks} the budget was split over`);
		assert.ok(Math.abs(perLookAlpha(policy, schedule) - 0.025 / 32) < 1e-15);
	});

	it('rejects a maximum wait shorter than the hold', () => {
		assert.throws(() => gatePolicy({intervalMs: 10_000, maxWaitMs: 5000}), /--max-wait .* must be at least the hold/);
		assert.throws(() => gatePolicy({intervalMs: 10_000, confidence: 1}), /--confidence/);
	});
});

describe('judgeGates', () => {
	const gates = ['success>=99', 'p99<=500ms', 'min-rps=1'].map(text => parseGate(text));
	const look = (target: GateLook['target'], overrides: Partial<GateLook> = {}): GateLook => ({
		target, baseline: undefined, baselineLabel: '', baselineActive: false, windowMs: 10_000, alpha: 0.025 / 30, confidence: 0.95, minRequests: 100, final: false, ...overrides,
	});

	it('passes on enough evidence and says what it rests on', () => {
		const results = judgeGates(gates, look({requests: 12_120, successes: 12_100, p50Ms: 5, p99Ms: 212}));
		assert.deepEqual(results.map(result => result.outcome), ['pass', 'pass', 'pass']);
		assert.match(formatGateResult(results[0]!), /^success 99\.8% \(n=12,120, 95% 99\.6–100\.0%\) ≥ 99 ✓$/);
		assert.equal(formatGateResult(results[1]!), 'p99 212 ms (n=12,120) ≤ 500 ms ✓');
		assert.equal(formatGateResult(results[2]!), 'rps 1212.0 (n=12,120 in 10 s) ≥ 1 ✓');
	});

	it('fails on enough evidence, at any look', () => {
		const results = judgeGates(gates, look({requests: 200, successes: 140, p50Ms: 5, p99Ms: 900}));
		assert.deepEqual(results.map(result => result.outcome), ['fail', 'fail', 'pass']);
		assert.match(results[0]!.reason, /^70\.0% \(n=200, 95% 5\d\.\d–7\d\.\d%\) < 99 ✗$/);
		assert.equal(results[1]!.reason, '900 ms (n=200) > 500 ms ✗');
	});

	it('is inconclusive when the interval straddles the threshold, and says how many requests it needs', () => {
		const [success] = judgeGates(gates, look({requests: 58, successes: 58, p50Ms: 5, p99Ms: 12}));
		assert.equal(success!.outcome, 'inconclusive');
		assert.equal(success!.pass, false);
		assert.match(success!.reason, /^100\.0% \(n=58, 95% 8\d\.\d–100\.0%\) ≥ 99 \? inconclusive: n=58, need ~[\d,]+ at this rate \(≈\d+ (s|min)\)$/);
		const needed = success!.evidence.need?.requests ?? 0;
		assert.ok(needed > 58 && needed < 2000, `${needed}`);
		// The estimate is right: at that n, all successes clear 99% with the same alpha.
		assert.equal(compareToThreshold(needed * 1.05, needed * 1.05, 0.025 / 30, 0.99), 'above');
	});

	it('a latency gate waits for --min-requests; a volume gate fails only on the last look', () => {
		const results = judgeGates(gates, look({requests: 5, successes: 5, p50Ms: 5, p99Ms: 12}, {windowMs: 10_000}));
		assert.equal(results[1]!.reason, '12 ms (n=5) ≤ 500 ms ? inconclusive: n=5 < 100 minimum (≈190 s at this rate)');
		assert.equal(results[2]!.outcome, 'inconclusive');
		assert.match(results[2]!.reason, /waiting for traffic \(0\.5 req\/s so far\)/);
		const last = judgeGates(gates, look({requests: 5, successes: 5, p50Ms: 5, p99Ms: 12}, {final: true}));
		assert.equal(last[2]!.outcome, 'fail');
		assert.equal(last[2]!.reason, '0.5 (n=5 in 10 s) < 1 ✗');
	});

	it('never passes on silence', () => {
		for (const target of [undefined, {requests: 0, successes: 0, p50Ms: null, p99Ms: null}]) {
			const results = judgeGates(gates, look(target));
			assert.deepEqual(results.map(result => result.pass), [false, false, false]);
			assert.match(formatGateResult(results[0]!), /^success - \(n=0\) ≥ 99 \? inconclusive: no requests yet$/);
		}
	});

	it('baseline gates judge the new version against the old one over the same window', () => {
		const baselineGates = ['success>=baseline-0.5%', 'p99<=baseline*1.2'].map(text => parseGate(text));
		const incident = {baselineLabel: 'v1', baselineActive: true};
		// A mesh-wide incident: both versions at 97%: the canary is not to blame.
		const both = judgeGates(baselineGates, look({requests: 20_000, successes: 19_400, p50Ms: 5, p99Ms: 200}, {...incident, baseline: {requests: 60_000, successes: 58_200, p50Ms: 5, p99Ms: 190}}));
		assert.deepEqual(both.map(result => result.outcome), ['pass', 'pass']);
		assert.match(formatGateResult(both[0]!), /^success 97\.0% vs v1 97\.0% \(n=20,000 vs 60,000, 95% diff −0\.\d+…\+0\.\d+ pts\) ≥ baseline−0\.5 ✓$/);
		assert.equal(formatGateResult(both[1]!), 'p99 200 ms vs v1 190 ms (n=20,000 vs 60,000) ≤ baseline×1.2 = 228 ms ✓');
		// The canary alone is worse by 3 points: it fails.
		const worse = judgeGates(baselineGates, look({requests: 20_000, successes: 19_400, p50Ms: 5, p99Ms: 400}, {...incident, baseline: {requests: 60_000, successes: 60_000, p50Ms: 5, p99Ms: 190}}));
		assert.deepEqual(worse.map(result => result.outcome), ['fail', 'fail']);
		// At 100% the baseline has no traffic: skipped, not failed and not passed on silence.
		const full = judgeGates(baselineGates, look({requests: 20_000, successes: 20_000, p50Ms: 5, p99Ms: 200}, {baselineLabel: 'v1', baselineActive: false, baseline: {requests: 0, successes: 0, p50Ms: null, p99Ms: null}}));
		assert.deepEqual(full.map(result => result.outcome), ['skipped', 'skipped']);
		assert.match(full[0]!.reason, /– skipped: v1 has no traffic at this step$/);
	});
});
