/** The metric a gate watches; success is in percent, p50/p99 in milliseconds, rps in requests per second. */
export type GateMetric = 'success' | 'p99' | 'p50' | 'rps';

/** How a gate compares the observed value with its threshold. */
export type GateComparator = '>=' | '<=' | '>' | '<';

/**
 * A threshold relative to the old version over the same window (Kayenta's canary-vs-baseline judgement), so a
 * mesh-wide incident that hurts every version does not blame the new one: `success>=baseline-0.5%` (points
 * below the baseline's success), `p99<=baseline*1.2` (a factor) or `p99<=baseline+50ms` (an offset).
 */
export type BaselineThreshold = {kind: 'offset'; offset: number} | {kind: 'ratio'; factor: number};

/** A health condition the target version must meet before a plan moves on. */
export interface Gate {
	/** Which metric of the target version is checked. */
	metric: GateMetric;
	/** Observed value `comparator` threshold must hold. */
	comparator: GateComparator;
	/** In the metric's unit: percent for success, milliseconds for latency, requests/s for rps. For a baseline gate, the offset (or factor). */
	threshold: number;
	/** Set when the threshold is relative to the baseline (the versions traffic moves away from). */
	baseline?: BaselineThreshold;
	/** The text the user wrote, kept so reports quote the user's own words. */
	text: string;
}

const metricAliases: Record<string, GateMetric> = {
	success: 'success',
	'success-rate': 'success',
	p99: 'p99',
	p50: 'p50',
	rps: 'rps',
};

const gateExamples = 'e.g. success>=99.5, p99<=500ms, min-rps=1, success>=baseline-0.5%, p99<=baseline*1.2';

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
	const value = comparison[3] ?? '';
	if (/^baseline\b/i.test(value.trim())) {
		const baseline = parseBaseline(metric, value, text);
		return {metric, comparator, threshold: baseline.kind === 'ratio' ? baseline.factor : baseline.offset, baseline, text: trimmed};
	}

	return {metric, comparator, threshold: parseThreshold(metric, value, text), text: trimmed};
}

/** `baseline`, `baseline-0.5%` / `baseline+0.5` (points of success), `baseline*1.2`, `baseline+50ms` (latency). */
function parseBaseline(metric: GateMetric, raw: string, text: string): BaselineThreshold {
	if (metric === 'rps') {
		throw gateError(text, 'rps is a volume, not compared with the baseline');
	}

	const match = /^baseline\s*(?:([*+-])\s*(.+))?$/i.exec(raw.trim());
	if (!match) {
		throw gateError(text, `"${raw}" is not baseline, baseline-X, baseline+X or baseline*F`);
	}

	const operator = match[1];
	if (operator === undefined) {
		return metric === 'success' ? {kind: 'offset', offset: 0} : {kind: 'ratio', factor: 1};
	}

	if (operator === '*') {
		if (metric === 'success') {
			throw gateError(text, 'compare success with the baseline in points, e.g. success>=baseline-0.5%');
		}

		const factor = Number(match[2]);
		if (!(factor > 0) || !/^\d*\.?\d+$/.test((match[2] ?? '').trim())) {
			throw gateError(text, `"${match[2] ?? ''}" is not a positive factor`);
		}

		return {kind: 'ratio', factor};
	}

	const amount = parseThreshold(metric, match[2] ?? '', text);
	return {kind: 'offset', offset: operator === '-' ? -amount : amount};
}
