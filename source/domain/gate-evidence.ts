/**
 * Judges a plan's gates on one look at a step's counts, with three outcomes: pass when the evidence is enough to say
 * the gate holds, fail when it is enough to say it does not, inconclusive otherwise (the step keeps collecting).
 * Every verdict carries its evidence (n, interval, what is still needed) so no one has to trust a bare ✓ or ✗.
 */
import {compareToThreshold, gateInterval, normalQuantile, wilsonInterval, type ProportionInterval} from './binomial.js';
import {describeVerdict, formatMetricValue, type GateEvidence, type GateOutcome} from './gate-format.js';
import type {Gate} from './rollout-gates.js';
import type {VersionCounts} from './step-counts.js';

export type {GateEvidence, GateOutcome} from './gate-format.js';

/** The verdict of one gate on one look. */
export interface GateResult {
	/** The gate that was evaluated. */
	gate: Gate;
	/** Pass, fail, inconclusive (wait for more traffic) or skipped (a baseline gate without baseline traffic). */
	outcome: GateOutcome;
	/** True only for 'pass': silence and doubt never pass. */
	pass: boolean;
	/** Observed value in the gate's unit; null when there was nothing to measure. */
	value: number | null;
	/** The threshold in the gate's unit (computed from the baseline for a baseline gate; null when it has no data). */
	threshold: number | null;
	/** The verdict in words after the metric's name, e.g. "99.4% (n=1,212, 95% 98.9–99.7%) ≥ 99 ✓". */
	reason: string;
	/** What the verdict rests on. */
	evidence: GateEvidence;
}

/** Everything one look knows besides the gates. */
export interface GateLook {
	/** The target version's counts over the window; undefined when it had no series at all. */
	target: VersionCounts | undefined;
	/** The baseline's counts (the versions traffic moves away from); undefined when the plan has none. */
	baseline: VersionCounts | undefined;
	/** Names of the baseline versions, for the line ("v1"). */
	baselineLabel: string;
	/** Whether the baseline has weight at this step; at 100% it has none and baseline gates are skipped. */
	baselineActive: boolean;
	/** Length of the window in milliseconds. */
	windowMs: number;
	/** Error this look may spend on each side (see perLookAlpha). */
	alpha: number;
	/** The confidence the user asked for, shown on the line. */
	confidence: number;
	/** Requests a latency gate needs before it judges. */
	minRequests: number;
	/** True on the step's last look: a volume gate still short of its minimum then fails. */
	final: boolean;
}

function result(gate: Gate, outcome: GateOutcome, evidence: GateEvidence): GateResult {
	return {gate, outcome, pass: outcome === 'pass', value: evidence.value, threshold: evidence.threshold, reason: describeVerdict(gate, outcome, evidence), evidence};
}

function requestsOf(counts: VersionCounts | undefined): number {
	return Math.max(0, Math.round(counts?.requests ?? 0));
}

function successesOf(counts: VersionCounts | undefined): number {
	return Math.min(requestsOf(counts), Math.max(0, Math.round(counts?.successes ?? 0)));
}

function latencyOf(gate: Gate, counts: VersionCounts | undefined): number | null {
	const value = gate.metric === 'p99' ? counts?.p99Ms : gate.metric === 'p50' ? counts?.p50Ms : undefined;
	return value === undefined || value === null || !Number.isFinite(value) ? null : value;
}

function rateOf(requests: number, windowMs: number): number {
	return windowMs > 0 ? requests / (windowMs / 1000) : 0;
}

/** How long `more` requests take at the rate seen so far; null when nothing has arrived yet. */
function etaMs(more: number, requests: number, windowMs: number): number | null {
	const rate = rateOf(requests, windowMs);
	return rate > 0 ? (Math.max(0, more) / rate) * 1000 : null;
}

function holds(value: number, comparator: Gate['comparator'], threshold: number): boolean {
	switch (comparator) {
		case '>=': {
			return value >= threshold;
		}

		case '<=': {
			return value <= threshold;
		}

		case '>': {
			return value > threshold;
		}

		case '<': {
			return value < threshold;
		}
	}
}

/** The smallest multiple s ≥ 1 of the current traffic at which `decisive(s)` holds, by doubling then bisection; null beyond a million-fold. */
function scaleNeeded(decisive: (scale: number) => boolean): number | null {
	let high = 1;
	while (!decisive(high)) {
		high *= 2;
		if (high > 1e6) {
			return null;
		}
	}

	let low = high / 2;
	if (high === 1) {
		return 1;
	}

	// 16 halvings of [s/2, s]: far finer than the two significant digits the line shows.
	for (let iteration = 0; iteration < 16; iteration++) {
		const middle = (low + high) / 2;
		if (decisive(middle)) {
			high = middle;
		} else {
			low = middle;
		}
	}

	return high;
}

/** A gate's verdict on a proportion: 'above' (interval over T) means pass for ≥ gates and fail for ≤ gates. */
function outcomeOf(gate: Gate, position: 'above' | 'below' | 'straddles'): GateOutcome {
	if (position === 'straddles') {
		return 'inconclusive';
	}

	const wantsHigh = gate.comparator === '>=' || gate.comparator === '>';
	return (position === 'above') === wantsHigh ? 'pass' : 'fail';
}

function judgeSuccess(gate: Gate, look: GateLook): GateResult {
	const n = requestsOf(look.target);
	const successes = successesOf(look.target);
	const threshold = gate.threshold / 100;
	const base = {n, windowMs: look.windowMs, confidence: look.confidence, threshold: gate.threshold};
	if (n === 0) {
		return result(gate, 'inconclusive', {...base, value: null, note: 'no requests yet'});
	}

	const outcome = outcomeOf(gate, compareToThreshold(successes, n, look.alpha, threshold));
	const interval = gateInterval(successes, n, look.alpha);
	const evidence: GateEvidence = {...base, value: (100 * successes) / n, interval: {low: 100 * interval.low, high: 100 * interval.high}};
	if (outcome !== 'inconclusive') {
		return result(gate, outcome, evidence);
	}

	// At the rate seen so far, how many requests until the interval leaves the threshold (Wilson's, so "~").
	const rate = successes / n;
	const z = normalQuantile(1 - look.alpha);
	const scale = rate === threshold ? null : scaleNeeded(s => {
		const bounds = wilsonInterval(rate * n * s, n * s, z);
		return rate > threshold ? bounds.low >= threshold : bounds.high < threshold;
	});
	const requests = scale === null ? null : Math.ceil(n * scale);
	return result(gate, 'inconclusive', {...evidence, need: {requests, etaMs: requests === null ? null : etaMs(requests - n, n, look.windowMs)}});
}

/**
 * Newcombe's hybrid score interval of a difference of proportions (the MOVER method over each side's interval):
 * the Wilson-based companion of the single-rate gates, here over the same exact-checked intervals.
 */
function differenceInterval(target: {successes: number; n: number}, baseline: {successes: number; n: number}, interval: (successes: number, n: number) => ProportionInterval): ProportionInterval {
	const p1 = target.successes / target.n;
	const p2 = baseline.successes / baseline.n;
	const first = interval(target.successes, target.n);
	const second = interval(baseline.successes, baseline.n);
	const difference = p1 - p2;
	return {
		low: difference - Math.hypot(p1 - first.low, second.high - p2),
		high: difference + Math.hypot(first.high - p1, p2 - second.low),
	};
}

function judgeSuccessAgainstBaseline(gate: Gate, look: GateLook): GateResult {
	const n = requestsOf(look.target);
	const successes = successesOf(look.target);
	const baselineN = requestsOf(look.baseline);
	const baselineSuccesses = successesOf(look.baseline);
	const offset = gate.threshold;
	const base = {
		n, windowMs: look.windowMs, confidence: look.confidence,
		value: n > 0 ? (100 * successes) / n : null,
		baseline: {label: look.baselineLabel, n: baselineN, value: baselineN > 0 ? (100 * baselineSuccesses) / baselineN : null},
	};
	if (!look.baselineActive) {
		return result(gate, 'skipped', {...base, threshold: null, note: `${look.baselineLabel || 'the baseline'} has no traffic at this step`});
	}

	if (n === 0 || baselineN === 0) {
		return result(gate, 'inconclusive', {...base, threshold: null, note: n === 0 ? 'no requests yet' : `no requests to ${look.baselineLabel} yet`});
	}

	const threshold = (base.baseline.value ?? 0) + offset;
	const interval = differenceInterval({successes, n}, {successes: baselineSuccesses, n: baselineN}, (x, count) => gateInterval(x, count, look.alpha));
	const margin = offset / 100;
	const wantsHigh = gate.comparator === '>=' || gate.comparator === '>';
	const position = interval.low >= margin ? 'above' : interval.high < margin ? 'below' : 'straddles';
	const outcome = outcomeOf({...gate, comparator: wantsHigh ? '>=' : '<='}, position);
	const evidence: GateEvidence = {...base, threshold, interval: {low: 100 * interval.low, high: 100 * interval.high}};
	if (outcome !== 'inconclusive') {
		return result(gate, outcome, evidence);
	}

	const p1 = successes / n;
	const p2 = baselineSuccesses / baselineN;
	const z = normalQuantile(1 - look.alpha);
	const scale = p1 - p2 === margin ? null : scaleNeeded(s => {
		const bounds = differenceInterval({successes: p1 * n * s, n: n * s}, {successes: p2 * baselineN * s, n: baselineN * s}, (x, count) => wilsonInterval(x, count, z));
		return p1 - p2 > margin ? bounds.low >= margin : bounds.high < margin;
	});
	const requests = scale === null ? null : Math.ceil(n * scale);
	return result(gate, 'inconclusive', {...evidence, need: {requests, etaMs: requests === null ? null : etaMs(requests - n, n, look.windowMs)}});
}

function judgeLatency(gate: Gate, look: GateLook): GateResult {
	const n = requestsOf(look.target);
	const value = latencyOf(gate, look.target);
	const againstBaseline = gate.baseline !== undefined;
	const baselineN = requestsOf(look.baseline);
	const baselineValue = latencyOf(gate, look.baseline);
	const threshold = gate.baseline === undefined
		? gate.threshold
		: baselineValue === null ? null : gate.baseline.kind === 'ratio' ? baselineValue * gate.baseline.factor : baselineValue + gate.baseline.offset;
	const evidence: GateEvidence = {
		n, windowMs: look.windowMs, confidence: look.confidence, value, threshold,
		...(againstBaseline ? {baseline: {label: look.baselineLabel, n: baselineN, value: baselineValue}} : {}),
	};
	if (againstBaseline && !look.baselineActive) {
		return result(gate, 'skipped', {...evidence, note: `${look.baselineLabel || 'the baseline'} has no traffic at this step`});
	}

	// A p99 of fewer than ~100 requests is one or two requests: it says nothing yet.
	const short = n < look.minRequests ? n : againstBaseline && baselineN < look.minRequests ? baselineN : undefined;
	if (short !== undefined) {
		const who = short === n ? '' : `${look.baselineLabel} `;
		const eta = short === n ? etaMs(look.minRequests - n, n, look.windowMs) : etaMs(look.minRequests - baselineN, baselineN, look.windowMs);
		return result(gate, 'inconclusive', {
			...evidence,
			need: {requests: look.minRequests, etaMs: eta},
			note: `${who}n=${short} < ${look.minRequests} minimum${eta === null ? '' : ` (≈${Math.max(1, Math.round(eta / 1000))} s at this rate)`}`,
		});
	}

	if (value === null || threshold === null) {
		return result(gate, 'inconclusive', {...evidence, note: 'no latency histogram data'});
	}

	return result(gate, holds(value, gate.comparator, threshold) ? 'pass' : 'fail', evidence);
}

function judgeVolume(gate: Gate, look: GateLook): GateResult {
	const n = requestsOf(look.target);
	const value = rateOf(look.target?.requests ?? 0, look.windowMs);
	const evidence: GateEvidence = {n, windowMs: look.windowMs, confidence: look.confidence, value, threshold: gate.threshold};
	if (holds(value, gate.comparator, gate.threshold)) {
		return result(gate, 'pass', evidence);
	}

	// Traffic may still be ramping (Envoy taking the weights, clients reconnecting); only the last look can say it never came.
	return look.final
		? result(gate, 'fail', evidence)
		: result(gate, 'inconclusive', {...evidence, note: `waiting for traffic (${formatMetricValue('rps', value)} req/s so far)`});
}

/** Judges every gate of a plan on one look. */
export function judgeGates(gates: readonly Gate[], look: GateLook): GateResult[] {
	return gates.map(gate => {
		if (gate.metric === 'rps') {
			return judgeVolume(gate, look);
		}

		if (gate.metric === 'success') {
			return gate.baseline === undefined ? judgeSuccess(gate, look) : judgeSuccessAgainstBaseline(gate, look);
		}

		return judgeLatency(gate, look);
	});
}

/** A result for every gate when the look itself failed (Prometheus unreachable): nothing is known, so nothing passes. */
export function unknownResults(gates: readonly Gate[], why: string, look: Pick<GateLook, 'windowMs' | 'confidence'>): GateResult[] {
	return gates.map(gate => result(gate, 'inconclusive', {n: 0, windowMs: look.windowMs, confidence: look.confidence, value: null, threshold: gate.baseline === undefined ? gate.threshold : null, note: `metrics unavailable: ${why}`}));
}

/** One gate verdict as shown on a progress line: `success 99.4% (n=1,212, 95% 98.9–99.7%) ≥ 99 ✓`. */
export function formatGateResult(result: GateResult): string {
	return `${result.gate.metric} ${result.reason}`;
}
