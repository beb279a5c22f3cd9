/**
 * The gate evaluator on 1,000 seeded simulated migrations per case (no I/O): every look it takes counts, so the
 * rates below include the inflation of repeated looks at growing data that the alpha spending corrects for.
 * The measured rates are printed (and quoted in the readme).
 */
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {measure, type MigrationScenario, type ScenarioRates} from '../helpers/migration-sim.js';

const runs = 1000;

/** The field case of the issue: 20 req/s, steps 10,25,50,100 every 6 s (at most 30 s a step), a 1 s scrape. */
const fieldCase: Omit<MigrationScenario, 'success'> = {rps: 20, steps: [10, 25, 50, 100], everyMs: 6000, gate: 'success>=99'};

/** The same with the default hold of 30 s (at most 150 s a step). */
const defaultHold: Omit<MigrationScenario, 'success'> = {...fieldCase, everyMs: 30_000};

function percent(count: number, total: number): string {
	return `${((100 * count) / total).toFixed(1)}%`;
}

function report(name: string, rates: ScenarioRates): void {
	console.log(`# ${name}: ${rates.runs} migrations: completed ${percent(rates.completed, rates.runs)}, rolled back ${percent(rates.rolledBack, rates.runs)}, paused ${percent(rates.paused, rates.runs)}, ${rates.meanLooks.toFixed(0)} looks each on average`);
}

describe('gate statistics on 1,000 simulated migrations', () => {
	it('a 99.5% version against success>=99 is rolled back in ≤ 2% of migrations (every look counted)', () => {
		for (const [name, scenario] of [
			['field case, if inconclusive: pause', {...fieldCase, success: 0.995}],
			['field case, if inconclusive: proceed', {...fieldCase, success: 0.995, onInconclusive: 'proceed'}],
			['default hold, if inconclusive: proceed', {...defaultHold, success: 0.995, onInconclusive: 'proceed'}],
		] as const) {
			const rates = measure(scenario, runs, 14);
			report(`99.5% vs success>=99, ${name}`, rates);
			console.log(`#   false rollbacks: ${percent(rates.rolledBack, runs)} (bound 2%)`);
			assert.ok(rates.rolledBack / runs <= 0.02, `${name}: ${rates.rolledBack} false rollbacks`);
		}
	});

	it('a 98.5% version against success>=99 is promoted in ≤ 5% of migrations', () => {
		for (const [name, scenario] of [
			['field case', {...fieldCase, success: 0.985}],
			['default hold', {...defaultHold, success: 0.985}],
		] as const) {
			const rates = measure(scenario, runs, 15);
			report(`98.5% vs success>=99, ${name}`, rates);
			console.log(`#   wrong promotions: ${percent(rates.completed, runs)} (bound 5%)`);
			assert.ok(rates.completed / runs <= 0.05, `${name}: ${rates.completed} wrong promotions`);
		}
	});

	it('a 90% version against success>=99 is caught within the first step that has ≥ 50 requests in ≥ 99% of migrations', () => {
		const rates = measure({...defaultHold, success: 0.9}, runs, 16);
		report('90% vs success>=99, default hold', rates);
		console.log(`#   detected within the first step with ≥ 50 requests: ${percent(rates.detectedEarly, runs)} (bound 99%)`);
		assert.ok(rates.detectedEarly / runs >= 0.99, `${rates.detectedEarly} detections`);
		const field = measure({...fieldCase, success: 0.9}, runs, 17);
		report('90% vs success>=99, field case', field);
		console.log(`#   field case: rolled back ${percent(field.rolledBack, runs)}, detected within the first step with ≥ 50 requests ${percent(field.detectedEarly, runs)}; never promoted: ${field.completed === 0}`);
		assert.equal(field.completed, 0, 'a 90% version is never promoted');
	});

	it('at the threshold (99.0% against success>=99) a step fails in ≤ 2.5% of migrations: the interval keeps its promise', () => {
		const rates = measure({...fieldCase, success: 0.99}, runs, 18);
		report('99.0% vs success>=99, field case', rates);
		console.log(`#   failed at the threshold: ${percent(rates.rolledBack, runs)} (one-sided error 2.5%)`);
		assert.ok(rates.rolledBack / runs <= 0.025, `${rates.rolledBack} failures at the threshold`);
	});
});
