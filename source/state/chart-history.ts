/**
 * What the chart's four modes draw, one sample per rate window: per version the request rate, observed share,
 * success rate and p99, the configured weight at that moment, and when the sample was taken. A value like
 * SeriesHistory (each sample returns a new one), so the reducer stays pure and the chart redraws on identity.
 */
import {observedShares, type MetricsSnapshot} from '../domain/metrics.js';
import {SeriesHistory} from '../domain/series.js';

/** The chart's modes, in the order `c` cycles through them. */
export const chartModes = ['rps', 'share', 'success', 'p99'] as const;

/** One chart mode: request rate, observed share vs configured weight, success rate, p99 latency. */
export type ChartMode = typeof chartModes[number];

/** The mode after `mode` (wrapping around). */
export function nextChartMode(mode: ChartMode): ChartMode {
	return chartModes[(chartModes.indexOf(mode) + 1) % chartModes.length]!;
}

/** The per-version series of one sample: its metrics and the weights configured when it was taken. */
export interface ChartSample {
	/** When the metrics were evaluated (epoch milliseconds). */
	at: number;
	snapshot: MetricsSnapshot;
	/** Configured weight per version key (0..100); absent when unknown (a backfilled past): no weight line there. */
	weights?: Readonly<Record<string, number>>;
}

/** Bounded, immutable history of every series the chart modes draw. */
export class ChartHistory {
	/** Requests per second per version. */
	readonly rps: SeriesHistory;
	/** Observed share per version, percent (null without traffic). */
	readonly share: SeriesHistory;
	/** Success rate per version, percent (null without requests). */
	readonly success: SeriesHistory;
	/** p99 latency per version, milliseconds. */
	readonly p99: SeriesHistory;
	/** Configured weight per version, percent: where it steps, a weight change was applied. */
	readonly weight: SeriesHistory;
	/** Sample times (epoch ms), oldest first, aligned with every series. */
	readonly times: readonly number[];

	/** @param capacity Samples kept (the widest chart). */
	constructor(readonly capacity: number, parts?: Omit<ChartHistory, 'capacity' | 'withSample' | 'cleared'>) {
		this.rps = parts?.rps ?? new SeriesHistory(capacity);
		this.share = parts?.share ?? new SeriesHistory(capacity);
		this.success = parts?.success ?? new SeriesHistory(capacity);
		this.p99 = parts?.p99 ?? new SeriesHistory(capacity);
		this.weight = parts?.weight ?? new SeriesHistory(capacity);
		this.times = parts?.times ?? [];
	}

	/** A new history with `sample` appended for the versions `keys` (the oldest sample drops beyond the capacity). */
	withSample(sample: ChartSample, keys: readonly string[]): ChartHistory {
		const shares = observedShares(sample.snapshot, keys);
		const pick = (value: (key: string) => number | null) => Object.fromEntries(keys.map(key => [key, value(key)]));
		const metrics = (key: string) => sample.snapshot.byVersion[key];
		return new ChartHistory(this.capacity, {
			rps: this.rps.withSample(pick(key => metrics(key)?.rps ?? 0)),
			share: this.share.withSample(pick(key => shares[key] ?? null)),
			success: this.success.withSample(pick(key => {
				const rate = metrics(key)?.successRate;
				return rate === null || rate === undefined ? null : 100 * rate;
			})),
			p99: this.p99.withSample(pick(key => metrics(key)?.p99Ms ?? null)),
			weight: this.weight.withSample(pick(key => sample.weights === undefined ? null : sample.weights[key] ?? 0)),
			times: Object.freeze([...this.times, sample.at].slice(-this.capacity)),
		});
	}

	/** An empty history of the same capacity (another VirtualService was picked). */
	cleared(): ChartHistory {
		return new ChartHistory(this.capacity);
	}
}
