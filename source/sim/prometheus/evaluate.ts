import {PromQlError, type PromExpr} from './promql.js';
import type {SampleHistory, StoredSeries} from './sample-history.js';

/** One element of an instant vector. */
export interface VectorElement {
	/** Output labels (no metric name after a function or aggregation). */
	metric: Record<string, string>;
	/** Value at the evaluation time. */
	value: number;
}

/** How far back an instant selector looks for the latest point, like Prometheus' lookback delta. */
const lookbackMs = 300_000;

/** Evaluates a parsed query at `timeMs` against the stored scrapes, with Prometheus' semantics for each function. */
export function evaluate(expr: PromExpr, history: SampleHistory, timeMs: number): VectorElement[] {
	switch (expr.type) {
		case 'selector': {
			return selectSeries(history, expr.metric, expr.matchers).flatMap(series => {
				const index = lastIndexAtOrBefore(series.times, timeMs);
				if (index < 0 || series.times[index]! <= timeMs - lookbackMs) {
					return [];
				}

				return [{metric: {__name__: series.name, ...series.labels}, value: series.values[index]!}];
			});
		}

		case 'rate': {
			const {metric, matchers, rangeMs} = expr.selector;
			return selectSeries(history, metric, matchers).flatMap(series => {
				const value = extrapolatedRate(series, timeMs - rangeMs, timeMs);
				return value === undefined ? [] : [{metric: {...series.labels}, value: expr.increase === true ? value * (rangeMs / 1000) : value}];
			});
		}

		case 'sum': {
			const groups = new Map<string, VectorElement>();
			for (const element of evaluate(expr.expr, history, timeMs)) {
				const metric: Record<string, string> = {};
				for (const label of expr.by ?? []) {
					const value = element.metric[label];
					if (value !== undefined && value !== '') {
						metric[label] = value;
					}
				}

				const key = JSON.stringify(Object.entries(metric).sort());
				const group = groups.get(key);
				if (group) {
					group.value += element.value;
				} else {
					groups.set(key, {metric, value: element.value});
				}
			}

			return [...groups.values()];
		}

		case 'histogram_quantile': {
			return histogramQuantile(expr.quantile, evaluate(expr.expr, history, timeMs));
		}

		case 'label_replace': {
			return labelReplace(evaluate(expr.expr, history, timeMs), expr);
		}

		case 'or': {
			// Every element of the left side, and those of the right whose labels (the name aside) the left lacks.
			const left = evaluate(expr.left, history, timeMs);
			const seen = new Set(left.map(element => labelSetKey(element.metric)));
			return [...left, ...evaluate(expr.right, history, timeMs).filter(element => !seen.has(labelSetKey(element.metric)))];
		}
	}
}

/** A label set as a string, the metric name left out (how Prometheus' `or` matches elements). */
function labelSetKey(metric: Readonly<Record<string, string>>): string {
	return JSON.stringify(Object.entries(metric).filter(([name]) => name !== '__name__').sort(([a], [b]) => a.localeCompare(b)));
}

/**
 * Prometheus' label_replace: where the fully anchored `regex` matches the `source` label's value ('' when absent), the
 * `destination` label becomes `replacement` with `$1`, `${name}` expanded; an empty result removes the label.
 */
function labelReplace(vector: readonly VectorElement[], expr: Extract<PromExpr, {type: 'label_replace'}>): VectorElement[] {
	let pattern: RegExp;
	try {
		pattern = new RegExp(`^(?:${expr.regex})$`, 'u');
	} catch (error) {
		throw new PromQlError(`invalid regular expression in label_replace(): ${(error as Error).message}`);
	}

	return vector.map(element => {
		const match = pattern.exec(element.metric[expr.source] ?? '');
		if (match === null) {
			return element;
		}

		const value = expr.replacement.replaceAll(/\$(?:(\d+)|\{(\w+)\})/g, (_, index?: string, name?: string) => (index === undefined ? match.groups?.[name ?? ''] : match[Number(index)]) ?? '');
		const {[expr.destination]: _replaced, ...others} = element.metric;
		return {metric: value === '' ? others : {...others, [expr.destination]: value}, value: element.value};
	});
}

function selectSeries(history: SampleHistory, metric: string, matchers: Parameters<SampleHistory['select']>[1]): StoredSeries[] {
	try {
		return history.select(metric, matchers);
	} catch (error) {
		throw new PromQlError(`invalid regular expression in label matcher: ${(error as Error).message}`);
	}
}

/**
 * Prometheus' extrapolatedRate for counters over the range (start, end]: the increase between the first and
 * last point (counter resets added back), extrapolated towards the range edges when the points come close to
 * them, and not below the counter's zero; divided by the range. Undefined with fewer than two points.
 */
export function extrapolatedRate(series: Pick<StoredSeries, 'times' | 'values'>, startMs: number, endMs: number): number | undefined {
	const first = firstIndexAfter(series.times, startMs);
	const last = lastIndexAtOrBefore(series.times, endMs);
	if (first < 0 || last - first < 1) {
		return undefined;
	}

	const firstValue = series.values[first]!;
	let increase = series.values[last]! - firstValue;
	for (let index = first + 1; index <= last; index++) {
		if (series.values[index]! < series.values[index - 1]!) {
			increase += series.values[index - 1]!;
		}
	}

	const firstTime = series.times[first]! / 1000;
	const lastTime = series.times[last]! / 1000;
	const sampledInterval = lastTime - firstTime;
	const averageInterval = sampledInterval / (last - first);
	let durationToStart = firstTime - startMs / 1000;
	const durationToEnd = endMs / 1000 - lastTime;
	if (increase > 0 && firstValue >= 0) {
		const durationToZero = sampledInterval * (firstValue / increase);
		durationToStart = Math.min(durationToStart, durationToZero);
	}

	const threshold = averageInterval * 1.1;
	let extrapolateTo = sampledInterval;
	extrapolateTo += durationToStart < threshold ? durationToStart : averageInterval / 2;
	extrapolateTo += durationToEnd < threshold ? durationToEnd : averageInterval / 2;
	return (increase * (extrapolateTo / sampledInterval)) / ((endMs - startMs) / 1000);
}

/**
 * Prometheus' histogram_quantile over classic buckets: groups by every label but `le`, requires a +Inf bucket,
 * repairs non-monotonic counts, and interpolates linearly inside the bucket holding the rank
 * (the +Inf bucket answers the highest finite bound). NaN when a group saw no observations.
 */
export function histogramQuantile(quantile: number, vector: readonly VectorElement[]): VectorElement[] {
	const groups = new Map<string, {metric: Record<string, string>; buckets: Array<{upper: number; count: number}>}>();
	for (const element of vector) {
		const {le, __name__: _name, ...metric} = element.metric;
		if (le === undefined) {
			continue;
		}

		const upper = le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le);
		if (Number.isNaN(upper)) {
			continue;
		}

		const key = JSON.stringify(Object.entries(metric).sort());
		let group = groups.get(key);
		if (!group) {
			group = {metric, buckets: []};
			groups.set(key, group);
		}

		group.buckets.push({upper, count: element.value});
	}

	return [...groups.values()].map(({metric, buckets}) => ({metric, value: bucketQuantile(quantile, buckets)}));
}

function bucketQuantile(quantile: number, unsorted: Array<{upper: number; count: number}>): number {
	if (Number.isNaN(quantile)) {
		return Number.NaN;
	}

	if (quantile < 0) {
		return Number.NEGATIVE_INFINITY;
	}

	if (quantile > 1) {
		return Number.POSITIVE_INFINITY;
	}

	const buckets: Array<{upper: number; count: number}> = [];
	for (const bucket of [...unsorted].sort((a, b) => a.upper - b.upper)) {
		const previous = buckets.at(-1);
		if (previous?.upper === bucket.upper) {
			previous.count += bucket.count;
		} else {
			buckets.push({...bucket});
		}
	}

	if (buckets.length < 2 || buckets.at(-1)!.upper !== Number.POSITIVE_INFINITY) {
		return Number.NaN;
	}

	for (let index = 1; index < buckets.length; index++) {
		buckets[index]!.count = Math.max(buckets[index]!.count, buckets[index - 1]!.count);
	}

	const observations = buckets.at(-1)!.count;
	if (observations === 0) {
		return Number.NaN;
	}

	let rank = quantile * observations;
	const found = buckets.findIndex(bucket => bucket.count >= rank);
	if (found === buckets.length - 1) {
		return buckets.at(-2)!.upper;
	}

	if (found === 0 && buckets[0]!.upper <= 0) {
		return buckets[0]!.upper;
	}

	let start = 0;
	let count = buckets[found]!.count;
	if (found > 0) {
		start = buckets[found - 1]!.upper;
		count -= buckets[found - 1]!.count;
		rank -= buckets[found - 1]!.count;
	}

	return start + ((buckets[found]!.upper - start) * (rank / count));
}

function firstIndexAfter(times: readonly number[], timeMs: number): number {
	let low = 0;
	let high = times.length;
	while (low < high) {
		const middle = (low + high) >>> 1;
		if (times[middle]! > timeMs) {
			high = middle;
		} else {
			low = middle + 1;
		}
	}

	return low < times.length ? low : -1;
}

function lastIndexAtOrBefore(times: readonly number[], timeMs: number): number {
	const after = firstIndexAfter(times, timeMs);
	return after === -1 ? times.length - 1 : after - 1;
}
