import type {VersionMetrics} from './metrics.js';

/** The metric a gate watches; success is in percent, p50/p99 in milliseconds, rps in requests per second. */
export type GateMetric = 'success' | 'p99' | 'p50' | 'rps';

/** How a gate compares the observed value with its threshold. */
export type GateComparator = '>=' | '<=' | '>' | '<';

/** A health condition the target version must meet before a plan moves on. */
export interface Gate {
	/** Which metric of the target version is checked. */
	metric: GateMetric;
	/** Observed value `comparator` threshold must hold. */
	comparator: GateComparator;
	/** In the metric's unit: percent for success, milliseconds for latency, requests/s for rps. */
	threshold: number;
	/** The text the user wrote, kept so reports quote the user's own words. */
	text: string;
}

/** The verdict of one gate on one metrics snapshot. */
export interface GateResult {
	/** The gate that was evaluated. */
	gate: Gate;
	/** Observed value in the gate's unit; null when there was nothing to measure. */
	value: number | null;
	/** Copy of the gate's threshold, so a display needs only the result. */
	threshold: number;
	/** True only when the value was measured and meets the threshold: silence never passes. */
	pass: boolean;
	/** Human explanation, e.g. "79.8% < 99.5%" or "insufficient data (no requests)". */
	reason: string;
}

const metricAliases: Record<string, GateMetric> = {
	success: 'success',
	'success-rate': 'success',
	p99: 'p99',
	p50: 'p50',
	rps: 'rps',
};

const gateExamples = 'e.g. success>=99.5, p99<=500ms, min-rps=1';

function gateError(text: string, why: string): Error {
	return new Error(`invalid gate "${text}": ${why} (${gateExamples}; metrics: success, p99, p50, rps)`);
}

function parseThreshold(metric: GateMetric, raw: string, text: string): number {
	const match = /^(\d+(?:\.\d+)?|\.\d+)\s*(%|ms|s|\/s)?$/.exec(raw.trim());
	if (!match) {
		throw gateError(text, `"${raw}" is not a number`);
	}

	const number = Number(match[1]);
	const unit = match[2];
	switch (metric) {
		case 'success': {
			if (unit !== undefined && unit !== '%') {
				throw gateError(text, `success is a percentage, not "${unit}"`);
			}

			if (number > 100) {
				throw gateError(text, 'success is a percentage between 0 and 100');
			}

			return number;
		}

		case 'p50':
		case 'p99': {
			if (unit === '%' || unit === '/s') {
				throw gateError(text, `${metric} is a duration (ms or s), not "${unit}"`);
			}

			return unit === 's' ? number * 1000 : number;
		}

		case 'rps': {
			if (unit !== undefined && unit !== '/s') {
				throw gateError(text, `rps is requests per second, not "${unit}"`);
			}

			return number;
		}
	}
}

function metricOf(name: string, text: string): GateMetric {
	const metric = metricAliases[name.toLowerCase()];
	if (metric === undefined) {
		throw gateError(text, `unknown metric "${name}"`);
	}

	return metric;
}

/**
 * Parses a gate as written on the command line or in the plan dialog.
 * Accepts `METRIC OP VALUE` (OP one of >=, <=, >, <) and the `min-METRIC=VALUE` / `max-METRIC=VALUE` forms,
 * because both spellings are common in Flagger/Argo docs and users will type either. Throws with an example on bad input.
 */
export function parseGate(text: string): Gate {
	const trimmed = text.trim();
	const bound = /^(min|max)-([a-z0-9-]+)\s*=\s*(.+)$/i.exec(trimmed);
	if (bound) {
		const metric = metricOf(bound[2] ?? '', text);
		const comparator: GateComparator = bound[1]?.toLowerCase() === 'min' ? '>=' : '<=';
		return {metric, comparator, threshold: parseThreshold(metric, bound[3] ?? '', text), text: trimmed};
	}

	const comparison = /^([a-z0-9-]+)\s*(>=|<=|>|<|=>|=<)\s*(.+)$/i.exec(trimmed);
	if (!comparison) {
		throw gateError(text, 'expected METRIC OP VALUE');
	}

	const metric = metricOf(comparison[1] ?? '', text);
	const rawComparator = comparison[2] ?? '';
	const comparator = (rawComparator === '=>' ? '>=' : rawComparator === '=<' ? '<=' : rawComparator) as GateComparator;
	return {metric, comparator, threshold: parseThreshold(metric, comparison[3] ?? '', text), text: trimmed};
}

/** Formats a value in the gate's unit: "99.8%", "12ms", "9.8". */
export function formatGateValue(metric: GateMetric, value: number): string {
	switch (metric) {
		case 'success': {
			return `${value.toFixed(1)}%`;
		}

		case 'p50':
		case 'p99': {
			return `${value < 10 ? value.toFixed(1) : Math.round(value).toString()}ms`;
		}

		case 'rps': {
			return value.toFixed(1);
		}
	}
}

function formatThreshold(gate: Gate): string {
	switch (gate.metric) {
		case 'success': {
			return String(gate.threshold);
		}

		case 'p50':
		case 'p99': {
			return `${gate.threshold}ms`;
		}

		case 'rps': {
			return String(gate.threshold);
		}
	}
}

const prettyComparator: Record<GateComparator, string> = {'>=': '≥', '<=': '≤', '>': '>', '<': '<'};

const negatedComparator: Record<GateComparator, string> = {'>=': '<', '<=': '>', '>': '≤', '<': '≥'};

function holds(value: number, comparator: GateComparator, threshold: number): boolean {
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

function observed(metric: GateMetric, metrics: VersionMetrics): number | null {
	const raw = metric === 'success'
		? (metrics.successRate === null ? null : metrics.successRate * 100)
		: metric === 'p99' ? metrics.p99Ms : metric === 'p50' ? metrics.p50Ms : metrics.rps;
	return raw === null || !Number.isFinite(raw) ? null : raw;
}

/**
 * Judges every gate against the target version's metrics.
 * Silence is not health: no metrics, no requests, or fewer requests per second than a `min-rps` gate asks for
 * make the quality gates fail with "insufficient data", so a plan never promotes a version nobody has called.
 */
export function evaluateGates(gates: readonly Gate[], metrics: VersionMetrics | undefined): GateResult[] {
	const volumeGates = gates.filter(gate => gate.metric === 'rps');
	const rps = metrics ? observed('rps', metrics) : null;
	const tooQuiet = rps === null || rps <= 0
		? 'insufficient data (no requests)'
		: volumeGates.some(gate => !holds(rps, gate.comparator, gate.threshold))
			? `insufficient data (rps ${formatGateValue('rps', rps)} below the minimum volume)`
			: undefined;
	return gates.map(gate => {
		const value = metrics ? observed(gate.metric, metrics) : null;
		const base = {gate, value, threshold: gate.threshold};
		if (!metrics) {
			return {...base, pass: false, reason: 'insufficient data (no metrics)'};
		}

		if (gate.metric !== 'rps' && tooQuiet !== undefined) {
			return {...base, pass: false, reason: tooQuiet};
		}

		if (value === null) {
			return {...base, pass: false, reason: 'insufficient data (no samples)'};
		}

		const pass = holds(value, gate.comparator, gate.threshold);
		const comparator = pass ? prettyComparator[gate.comparator] : negatedComparator[gate.comparator];
		return {...base, pass, reason: `${formatGateValue(gate.metric, value)} ${comparator} ${formatThreshold(gate)}`};
	});
}

/** One gate verdict as shown on a progress line: `success 100.0% ≥ 99.5 ✓`, or `p99 ? (insufficient data …) ✗`. */
export function formatGateResult(result: GateResult): string {
	const name = result.gate.metric;
	const mark = result.pass ? '✓' : '✗';
	if (result.value === null || result.reason.startsWith('insufficient')) {
		return `${name} ${result.reason} ✗`;
	}

	return `${name} ${result.reason} ${mark}`;
}
