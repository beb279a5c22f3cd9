/**
 * How a plan's gates judge a step: when they look at the step's traffic, how many looks a step may take,
 * and how much error each look may spend. Pure; the numbers come from flags (or the plan dialog's defaults).
 */

/** What an inconclusive step does once it has waited `maxWaitMs`. */
export type OnInconclusive = 'pause' | 'proceed' | 'rollback';

/** The judging rules of a plan, fixed when it starts. */
export interface GatePolicy {
	/** Confidence of every interval, e.g. 0.95; the error (1 − confidence) / 2 on each side is shared by a step's looks. */
	confidence: number;
	/** Requests a latency gate needs in the step's window before it judges (a p99 of 20 requests is one request). */
	minRequests: number;
	/** Consecutive failed evaluations before the plan's on-fail reaction. */
	failureLimit: number;
	/** Longest a step may wait for conclusive evidence, counted from its write; at least the hold. */
	maxWaitMs: number;
	/** What a step still inconclusive after `maxWaitMs` does. */
	onInconclusive: OnInconclusive;
	/** Traffic of the first `settleMs` after a write is left out: Envoy is still taking the new weights, and the scrape that straddles the write mixes both splits. */
	settleMs: number;
	/** Time between looks: one scrape interval, since no new data arrives in between. */
	lookIntervalMs: number;
}

/** Options of {@link gatePolicy}; everything but the hold has a default. */
export interface GatePolicyOptions {
	/** Hold per step (`--every`): the soonest a step may pass. */
	intervalMs: number;
	/** Prometheus' scrape interval; default 1 s. Settle time and look interval default to it. */
	scrapeIntervalMs?: number;
	/** Default 0.95. */
	confidence?: number;
	/** Default 100. */
	minRequests?: number;
	/** Default 1. */
	failureLimit?: number;
	/** Default 5 × the hold. */
	maxWaitMs?: number;
	/** Default 'pause'. */
	onInconclusive?: OnInconclusive;
	/** Default one scrape interval. */
	settleMs?: number;
}

/** Fills in the defaults and checks the values; throws with a message for the user. */
export function gatePolicy(options: GatePolicyOptions): GatePolicy {
	const scrape = options.scrapeIntervalMs !== undefined && options.scrapeIntervalMs > 0 ? options.scrapeIntervalMs : 1000;
	const confidence = options.confidence ?? 0.95;
	if (!(confidence >= 0.5 && confidence < 1)) {
		throw new Error(`--confidence must be between 50% and 99.99% (got ${confidence * 100}%)`);
	}

	const minRequests = options.minRequests ?? 100;
	if (!Number.isInteger(minRequests) || minRequests < 1) {
		throw new Error(`--min-requests must be a positive integer (got ${minRequests})`);
	}

	const failureLimit = options.failureLimit ?? 1;
	if (!Number.isInteger(failureLimit) || failureLimit < 1) {
		throw new Error(`--failure-limit must be a positive integer (got ${failureLimit})`);
	}

	const maxWaitMs = options.maxWaitMs ?? 5 * options.intervalMs;
	if (!(maxWaitMs >= options.intervalMs)) {
		throw new Error(`--max-wait (${maxWaitMs} ms) must be at least the hold --every (${options.intervalMs} ms)`);
	}

	const settleMs = options.settleMs ?? scrape;
	if (!(settleMs >= 0)) {
		throw new Error(`the settle time must not be negative (got ${settleMs} ms)`);
	}

	return {confidence, minRequests, failureLimit, maxWaitMs, onInconclusive: options.onInconclusive ?? 'pause', settleMs, lookIntervalMs: scrape};
}

/** Parses "95%", "95" or "0.95" as a confidence level (0..1). */
export function parseConfidence(text: string): number {
	const match = /^(\d+(?:\.\d+)?)\s*(%)?$/.exec(text.trim());
	if (match === null) {
		throw new Error(`--confidence: "${text}" is not a percentage (e.g. 95%)`);
	}

	const value = Number(match[1]);
	return match[2] === '%' || value > 1 ? value / 100 : value;
}

/** When a step looks at its traffic, relative to its write. */
export interface LookSchedule {
	/** First look: after the settle time and two scrapes, the least increase() can measure. */
	firstMs: number;
	/** Time between looks. */
	everyMs: number;
	/** The hold: no step passes before it, so there is always a look at it. */
	holdMs: number;
	/** The last look: the step's maximum wait. */
	lastMs: number;
	/** Most looks a step can take (the grid from first to last, plus the hold and the last look themselves). */
	maxLooks: number;
}

/** The looks of a step with hold `intervalMs` under `policy`. */
export function lookSchedule(policy: GatePolicy, intervalMs: number): LookSchedule {
	const everyMs = Math.max(1, policy.lookIntervalMs);
	const firstMs = policy.settleMs + 2 * everyMs;
	const lastMs = Math.max(policy.maxWaitMs, firstMs);
	return {firstMs, everyMs, holdMs: intervalMs, lastMs, maxLooks: Math.floor((lastMs - firstMs) / everyMs) + 3};
}

/** Time of the look after one taken at `lastLookMs` (relative to the write; undefined before the first look). */
export function nextLookMs(schedule: LookSchedule, lastLookMs: number | undefined): number {
	if (lastLookMs === undefined) {
		return Math.min(schedule.firstMs, schedule.lastMs);
	}

	const onGrid = schedule.firstMs + (Math.floor((lastLookMs - schedule.firstMs) / schedule.everyMs) + 1) * schedule.everyMs;
	// The hold's end and the maximum wait are looks of their own even off the grid: decisions are due exactly then.
	const candidates = [onGrid, schedule.holdMs, schedule.lastMs].filter(time => time > lastLookMs);
	return Math.min(...candidates, schedule.lastMs);
}

/**
 * The error each look may spend on each side: alpha spending over the most looks a step can take, spent evenly
 * (Bonferroni). Whatever the traffic does, the chance that any look of a step errs on a side is at most
 * (1 − confidence) / 2; looks at growing data are correlated, so the real rate is lower still.
 */
export function perLookAlpha(policy: GatePolicy, schedule: LookSchedule): number {
	return (1 - policy.confidence) / 2 / schedule.maxLooks;
}
