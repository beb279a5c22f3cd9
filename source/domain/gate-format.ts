/**
 * The words of a gate verdict: the value, the evidence it rests on (n, the interval), the threshold and the outcome,
 * e.g. `success 99.4% (n=1,212, 95% 98.9–99.7%) ≥ 99 ✓`. Pure formatting, shared by shift, --json, the console and the trail.
 */
import type {ProportionInterval} from './binomial.js';
import type {Gate, GateComparator, GateMetric} from './rollout-gates.js';

/** How a gate came out on one look; 'skipped' is a baseline gate at a step where the baseline has no traffic. */
export type GateOutcome = 'pass' | 'fail' | 'inconclusive' | 'skipped';

/** What a verdict rests on, in the gate's units (percent for success, ms for latency, req/s for rps). */
export interface GateEvidence {
	/** Requests of the target version in the step's window (rounded: increase() extrapolates). */
	n: number;
	/** Length of the window in milliseconds. */
	windowMs: number;
	/** Confidence of the interval (0..1), corrected for the step's looks. */
	confidence: number;
	/** The observed value; null without data. */
	value: number | null;
	/** Success gates: the interval of the success rate, in percent. Baseline success gates: of the difference, in points. */
	interval?: ProportionInterval;
	/** The threshold the value was held against, in the gate's unit (for a baseline gate, computed from the baseline). */
	threshold: number | null;
	/** The baseline's side of a baseline gate. */
	baseline?: {
		/** Which versions: "v1", or "v1+v2". */
		label: string;
		/** Its requests in the same window. */
		n: number;
		/** Its value. */
		value: number | null;
	};
	/** Why an inconclusive gate waits: how many requests it needs at this rate and how long that takes. */
	need?: {requests: number | null; etaMs: number | null};
	/** A short reason for an inconclusive or skipped verdict ("no requests yet", "waiting for traffic"). */
	note?: string;
}

const prettyComparator: Record<GateComparator, string> = {'>=': '≥', '<=': '≤', '>': '>', '<': '<'};
const negatedComparator: Record<GateComparator, string> = {'>=': '<', '<=': '>', '>': '≤', '<': '≥'};
const mark: Record<GateOutcome, string> = {pass: '✓', fail: '✗', inconclusive: '?', skipped: '–'};

/** "1,212": counts of requests are read at a glance. */
export function formatCount(value: number): string {
	// By hand: toLocaleString costs more than the rest of a gate's evaluation.
	return String(Math.round(value)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** "≈70 s", "≈6 min", "≈2 h" (seconds up to five minutes). */
export function formatEta(ms: number): string {
	const seconds = Math.max(1, Math.round(ms / 1000));
	if (seconds < 300) {
		return `≈${seconds} s`;
	}

	const minutes = Math.round(seconds / 60);
	return minutes < 120 ? `≈${minutes} min` : `≈${Math.round(minutes / 60)} h`;
}

/**
 * A bound in percent, rounded outward (a lower bound down, an upper bound up: the shown interval is never narrower
 * than the one judged), with as many decimals as it takes to stay on its side of the threshold: an upper bound of
 * 98.996% under a threshold of 99 reads "98.996", never a misleading "99.0" next to "< 99 ✗".
 */
function formatBound(value: number, threshold: number | null, direction: 'down' | 'up'): string {
	for (const decimals of [1, 2, 3, 4]) {
		const scale = 10 ** decimals;
		// The epsilon keeps 99.5 from becoming 99.6 through binary noise.
		const rounded = direction === 'down' ? Math.floor((value * scale) + 1e-9) / scale : Math.ceil((value * scale) - 1e-9) / scale;
		if (threshold === null || (rounded < threshold) === (value < threshold) || decimals === 4) {
			return rounded.toFixed(decimals);
		}
	}

	return value.toFixed(4);
}

function formatThresholdNumber(value: number): string {
	return String(Number(value.toFixed(3)));
}

/** Formats a value in the gate's unit: "99.8%", "12 ms", "9.8". */
export function formatMetricValue(metric: GateMetric, value: number): string {
	switch (metric) {
		case 'success': {
			return `${value.toFixed(1)}%`;
		}

		case 'p50':
		case 'p99': {
			return `${value < 10 ? value.toFixed(1) : Math.round(value).toString()} ms`;
		}

		case 'rps': {
			return value.toFixed(1);
		}
	}
}

function formatThreshold(gate: Gate, threshold: number | null): string {
	if (gate.baseline !== undefined) {
		const relative = gate.baseline.kind === 'ratio'
			? (gate.baseline.factor === 1 ? 'baseline' : `baseline×${formatThresholdNumber(gate.baseline.factor)}`)
			: gate.baseline.offset === 0 ? 'baseline'
				: `baseline${gate.baseline.offset < 0 ? '−' : '+'}${formatThresholdNumber(Math.abs(gate.baseline.offset))}${gate.metric === 'success' ? '' : ' ms'}`;
		return gate.metric === 'success' || threshold === null ? relative : `${relative} = ${formatMetricValue(gate.metric, threshold)}`;
	}

	return gate.metric === 'success' || gate.metric === 'rps' ? formatThresholdNumber(gate.threshold) : formatMetricValue(gate.metric, gate.threshold);
}

function percentInterval(interval: ProportionInterval, confidence: number, threshold: number | null): string {
	return `${formatConfidence(confidence)} ${formatBound(interval.low, threshold, 'down')}–${formatBound(interval.high, threshold, 'up')}%`;
}

/** "95%": the confidence as the user asked for it. */
export function formatConfidence(confidence: number): string {
	return `${Number((confidence * 100).toFixed(2))}%`;
}

function signedPoints(value: number, threshold: number | null, direction: 'down' | 'up'): string {
	const text = formatBound(value, threshold, direction);
	return value > 0 ? `+${text}` : text.replace('-', '−');
}

function evidenceText(gate: Gate, evidence: GateEvidence): string {
	const n = `n=${formatCount(evidence.n)}`;
	if (gate.metric === 'rps') {
		return `(${n} in ${Math.round(evidence.windowMs / 1000)} s)`;
	}

	if (evidence.baseline !== undefined) {
		const counts = `${n} vs ${formatCount(evidence.baseline.n)}`;
		if (gate.metric === 'success' && evidence.interval !== undefined) {
			const {low, high} = evidence.interval;
			return `(${counts}, ${formatConfidence(evidence.confidence)} diff ${signedPoints(low, gate.threshold, 'down')}…${signedPoints(high, gate.threshold, 'up')} pts)`;
		}

		return `(${counts})`;
	}

	if (gate.metric === 'success' && evidence.interval !== undefined && evidence.n > 0) {
		return `(${n}, ${percentInterval(evidence.interval, evidence.confidence, evidence.threshold)})`;
	}

	return `(${n})`;
}

function valueText(gate: Gate, evidence: GateEvidence): string {
	const own = evidence.value === null ? '-' : formatMetricValue(gate.metric, evidence.value);
	if (evidence.baseline === undefined) {
		return own;
	}

	const theirs = evidence.baseline.value === null ? '-' : formatMetricValue(gate.metric, evidence.baseline.value);
	return `${own} vs ${evidence.baseline.label} ${theirs}`;
}

function inconclusiveText(evidence: GateEvidence): string {
	if (evidence.note !== undefined) {
		return evidence.note;
	}

	const need = evidence.need;
	if (need === undefined || need.requests === null) {
		return `n=${formatCount(evidence.n)}, too close to the threshold to tell at any volume`;
	}

	const eta = need.etaMs === null ? '' : ` (${formatEta(need.etaMs)})`;
	return `n=${formatCount(evidence.n)}, need ~${formatCount(roundNeed(need.requests))} at this rate${eta}`;
}

/** Two significant digits: the estimate is a forecast at the current rate, not a promise. */
function roundNeed(requests: number): number {
	if (requests < 100) {
		return Math.ceil(requests);
	}

	const magnitude = 10 ** (Math.floor(Math.log10(requests)) - 1);
	return Math.ceil(requests / magnitude) * magnitude;
}

/**
 * The verdict after the metric's name: `99.4% (n=1,212, 95% 98.9–99.7%) ≥ 99 ✓`,
 * `98.3% (n=58, 95% 90.1–99.7%) ≥ 99 ? inconclusive: n=58, need ~700 at this rate (≈5 min)`, `212 ms (n=430) ≤ 500 ms ✓`.
 */
export function describeVerdict(gate: Gate, outcome: GateOutcome, evidence: GateEvidence): string {
	const head = `${valueText(gate, evidence)} ${evidenceText(gate, evidence)}`;
	const threshold = formatThreshold(gate, evidence.threshold);
	switch (outcome) {
		case 'pass': {
			return `${head} ${prettyComparator[gate.comparator]} ${threshold} ${mark.pass}`;
		}

		case 'fail': {
			return `${head} ${negatedComparator[gate.comparator]} ${threshold} ${mark.fail}`;
		}

		case 'inconclusive': {
			return `${head} ${prettyComparator[gate.comparator]} ${threshold} ${mark.inconclusive} inconclusive: ${inconclusiveText(evidence)}`;
		}

		case 'skipped': {
			return `${head} ${prettyComparator[gate.comparator]} ${threshold} ${mark.skipped} skipped: ${evidence.note ?? 'not judged at this step'}`;
		}
	}
}
