import type {Sample} from '../metrics/istio-metrics.js';
import type {LabelMatcher} from './promql.js';

/** One stored series: its identity and its points, oldest first. */
export interface StoredSeries {
	/** Metric name. */
	name: string;
	/** Labels without the name. */
	labels: Readonly<Record<string, string>>;
	/** Scrape times, epoch milliseconds. */
	times: number[];
	/** Values at those times. */
	values: number[];
}

/** A compiled matcher: tests one label value (absent labels are the empty string, as in Prometheus). */
type CompiledMatcher = {name: string; test: (value: string) => boolean};

/**
 * A tiny in-memory TSDB for the built-in Prometheus: every scrape appends one point per series,
 * points older than the retention are dropped, and queries select series by name and matchers.
 */
export class SampleHistory {
	private readonly series = new Map<string, StoredSeries>();
	private readonly retentionMs: number;

	/** Keeps `retentionMs` of history (default 10 minutes, enough for any rate window meshtop uses). */
	constructor(options: {retentionMs?: number} = {}) {
		this.retentionMs = options.retentionMs ?? 600_000;
	}

	/** Appends one scrape taken at `timeMs`. */
	add(timeMs: number, samples: readonly Sample[]): void {
		for (const sample of samples) {
			const key = seriesKey(sample.name, sample.labels);
			let stored = this.series.get(key);
			if (!stored) {
				stored = {name: sample.name, labels: {...sample.labels}, times: [], values: []};
				this.series.set(key, stored);
			}

			stored.times.push(timeMs);
			stored.values.push(sample.value);
		}

		this.prune(timeMs - this.retentionMs);
	}

	/** Series of `name` matching every matcher. Throws on an invalid regex (a `bad_data` query). */
	select(name: string, matchers: readonly LabelMatcher[]): StoredSeries[] {
		const compiled = matchers.map(matcher => compileMatcher(matcher));
		const result: StoredSeries[] = [];
		for (const stored of this.series.values()) {
			if (stored.name === name && compiled.every(matcher => matcher.test(stored.labels[matcher.name] ?? ''))) {
				result.push(stored);
			}
		}

		return result;
	}

	/** Number of stored series (for tests and memory checks). */
	get size(): number {
		return this.series.size;
	}

	private prune(before: number): void {
		for (const [key, stored] of this.series) {
			let drop = 0;
			while (drop < stored.times.length && stored.times[drop]! < before) {
				drop++;
			}

			if (drop === stored.times.length) {
				this.series.delete(key);
			} else if (drop > 0) {
				stored.times.splice(0, drop);
				stored.values.splice(0, drop);
			}
		}
	}
}

function seriesKey(name: string, labels: Readonly<Record<string, string>>): string {
	const parts = Object.keys(labels).sort().map(key => `${key}=${JSON.stringify(labels[key])}`);
	return `${name}{${parts.join(',')}}`;
}

function compileMatcher(matcher: LabelMatcher): CompiledMatcher {
	switch (matcher.op) {
		case '=': {
			return {name: matcher.name, test: value => value === matcher.value};
		}

		case '!=': {
			return {name: matcher.name, test: value => value !== matcher.value};
		}

		default: {
			// Prometheus anchors label regexes at both ends.
			const pattern = new RegExp(`^(?:${matcher.value})$`, 's');
			return matcher.op === '=~'
				? {name: matcher.name, test: value => pattern.test(value)}
				: {name: matcher.name, test: value => !pattern.test(value)};
		}
	}
}
