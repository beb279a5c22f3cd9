/**
 * Seeded simulated migrations for the gate statistics: Poisson traffic split by the plan's weights, each request of
 * the target failing with a fixed probability, and the real plan state machine (createRollout / nextAction /
 * rolloutReducer) deciding on exact counts of each step's window. No I/O and no timers: 1,000 migrations take seconds.
 */
import {seededRandom, type Random} from '../../source/sim/mesh/rng.js';
import {
	createPlan, createRollout, nextAction, parseGate, rolloutReducer, weightsAt,
	type OnInconclusive, type RolloutState,
} from '../../source/domain/rollout.js';

/** One kind of migration, run many times. */
export interface MigrationScenario {
	/** Requests per second to the service (all versions). */
	rps: number;
	/** Target weights, e.g. [10, 25, 50, 100]. */
	steps: number[];
	/** Hold per step (`--every`). */
	everyMs: number;
	/** `--max-wait` (default 5 × every). */
	maxWaitMs?: number;
	/** `--on-inconclusive` (default pause). */
	onInconclusive?: OnInconclusive;
	/** The gate, e.g. success>=99. */
	gate: string;
	/** The target's true success probability per request. */
	success: number;
	/** The old version's, for baseline gates (default 0.999). */
	baselineSuccess?: number;
	/** Prometheus' scrape interval: the look interval and the settle time (default 1 s). */
	scrapeMs?: number;
}

/** What happened to one migration. */
export interface MigrationRun {
	/** How it ended; 'paused' is a pause on inconclusive evidence (or a failed gate with on-fail pause). */
	outcome: 'completed' | 'rolled-back' | 'paused';
	/** 1-based step at which a gate failed, if one did. */
	failedAtStep?: number;
	/** Requests of the target in each step's window at that step's last look. */
	stepRequests: number[];
	/** Looks the evaluator took over the whole migration. */
	looks: number;
}

function poisson(random: Random, mean: number): number {
	// Knuth's method: the means here are at most a few dozen requests per second.
	const limit = Math.exp(-mean);
	let count = 0;
	let product = random();
	while (product > limit) {
		count++;
		product *= random();
	}

	return count;
}

/** Per-second traffic of the current step, generated as the clock reaches it. */
class StepTraffic {
	private readonly target: Array<{requests: number; successes: number}> = [{requests: 0, successes: 0}];
	private readonly baseline: Array<{requests: number; successes: number}> = [{requests: 0, successes: 0}];

	constructor(private readonly random: Random, private readonly scenario: MigrationScenario, private readonly targetWeight: number) {}

	/** Cumulative counts of the first `seconds` seconds after the write. */
	private grow(seconds: number): void {
		while (this.target.length <= seconds) {
			const previous = this.target.at(-1)!;
			const previousBaseline = this.baseline.at(-1)!;
			const requests = poisson(this.random, (this.scenario.rps * this.targetWeight) / 100);
			const baselineRequests = poisson(this.random, (this.scenario.rps * (100 - this.targetWeight)) / 100);
			let successes = 0;
			for (let index = 0; index < requests; index++) {
				successes += this.random() < this.scenario.success ? 1 : 0;
			}

			let baselineSuccesses = 0;
			for (let index = 0; index < baselineRequests; index++) {
				baselineSuccesses += this.random() < (this.scenario.baselineSuccess ?? 0.999) ? 1 : 0;
			}

			this.target.push({requests: previous.requests + requests, successes: previous.successes + successes});
			this.baseline.push({requests: previousBaseline.requests + baselineRequests, successes: previousBaseline.successes + baselineSuccesses});
		}
	}

	/** Counts in (fromMs, toMs] after the write, whole seconds. */
	window(fromMs: number, toMs: number): {target: {requests: number; successes: number}; baseline: {requests: number; successes: number}} {
		const from = Math.max(0, Math.floor(fromMs / 1000));
		const to = Math.max(from, Math.floor(toMs / 1000));
		this.grow(to);
		const difference = (series: Array<{requests: number; successes: number}>) => ({
			requests: series[to]!.requests - series[from]!.requests,
			successes: series[to]!.successes - series[from]!.successes,
		});
		return {target: difference(this.target), baseline: difference(this.baseline)};
	}
}

/** Runs one migration from v1 100% to v3 through the scenario's steps, on-fail rollback. */
export function simulateMigration(random: Random, scenario: MigrationScenario): MigrationRun {
	const plan = createPlan({
		keys: ['v1', 'v3'],
		weights: [100, 0],
		target: 'v3',
		steps: scenario.steps,
		intervalMs: scenario.everyMs,
		gates: [parseGate(scenario.gate)],
		onFail: 'rollback',
		policy: {
			scrapeIntervalMs: scenario.scrapeMs ?? 1000,
			onInconclusive: scenario.onInconclusive ?? 'pause',
			...(scenario.maxWaitMs === undefined ? {} : {maxWaitMs: scenario.maxWaitMs}),
		},
	});
	let now = 0;
	let state: RolloutState = createRollout(plan, now);
	let traffic: StepTraffic | undefined;
	const stepRequests: number[] = [];
	let failedAtStep: number | undefined;
	let looks = 0;
	for (let turn = 0; turn < 100_000; turn++) {
		const action = nextAction(state, now);
		if (action.kind === 'done') {
			return {outcome: action.phase === 'completed' ? 'completed' : 'rolled-back', stepRequests, looks, ...(failedAtStep === undefined ? {} : {failedAtStep})};
		}

		if (action.kind === 'apply') {
			state = rolloutReducer(state, {type: 'applied', now, position: action.position});
			traffic = new StepTraffic(random, scenario, weightsAt(plan, action.position)[plan.target] ?? 0);
			continue;
		}

		if (action.kind === 'wait') {
			if (action.until === null) {
				return {outcome: 'paused', stepRequests, looks, ...(failedAtStep === undefined ? {} : {failedAtStep})};
			}

			now = action.until;
			continue;
		}

		const since = now - state.since;
		const counts = traffic!.window(since - action.rangeMs, since);
		looks++;
		state = rolloutReducer(state, {
			type: 'counts',
			now,
			counts: {
				at: now,
				rangeMs: action.rangeMs,
				byVersion: {
					v3: {requests: counts.target.requests, successes: counts.target.successes, p50Ms: 10, p99Ms: 50},
					v1: {requests: counts.baseline.requests, successes: counts.baseline.successes, p50Ms: 10, p99Ms: 50},
				},
			},
		});
		stepRequests[state.position - 1] = counts.target.requests;
		if (failedAtStep === undefined && state.failedGates?.some(result => result.outcome === 'fail') === true) {
			failedAtStep = state.position;
		}
	}

	throw new Error('the migration did not end');
}

/** Aggregates of many seeded runs of one scenario. */
export interface ScenarioRates {
	runs: number;
	completed: number;
	rolledBack: number;
	paused: number;
	/** Runs where a gate failed no later than the first step whose window held ≥ `detectionRequests` requests. */
	detectedEarly: number;
	/** Mean looks per migration. */
	meanLooks: number;
}

/** Runs `runs` migrations from one seed and counts the outcomes. */
export function measure(scenario: MigrationScenario, runs: number, seed: number, detectionRequests = 50): ScenarioRates {
	const random = seededRandom(seed);
	const rates: ScenarioRates = {runs, completed: 0, rolledBack: 0, paused: 0, detectedEarly: 0, meanLooks: 0};
	for (let run = 0; run < runs; run++) {
		const result = simulateMigration(random, scenario);
		rates.meanLooks += result.looks / runs;
		if (result.outcome === 'completed') {
			rates.completed++;
		} else if (result.outcome === 'rolled-back') {
			rates.rolledBack++;
		} else {
			rates.paused++;
		}

		const firstFull = result.stepRequests.findIndex(requests => requests >= detectionRequests) + 1;
		if (result.failedAtStep !== undefined && (firstFull === 0 || result.failedAtStep <= firstFull)) {
			rates.detectedEarly++;
		}
	}

	return rates;
}
