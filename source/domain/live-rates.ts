/**
 * Live figures from Envoy's counters read straight from the pods every second: request rate, success rate and
 * latency quantiles computed by meshtop from counter deltas, with Prometheus' rules for what a delta is (a counter
 * that went down restarted from zero). Pure: polls in, figures out.
 */
import type {PodCounters, SeriesCounters} from './envoy-stats.js';
import {seriesKey} from './envoy-stats.js';
import type {VersionMetrics} from './metrics.js';
import type {Destination} from './virtual-service.js';
import {PairMemo} from '../util/pair-memo.js';

/** One read of every sampled pod at one moment; a pod that could not be read is absent. */
export interface LivePoll {
	/** When the reads were made (epoch milliseconds). */
	at: number;
	/** Counters by pod name. */
	pods: ReadonlyMap<string, PodCounters>;
}

/** Which pods a destination's live figures come from. */
export interface LiveSample {
	/** The pods read (at most N per version). */
	sampled: readonly string[];
	/** How many serving pods the version has: more than `sampled` makes the figures a sample. */
	total: number;
}

/** A destination's live figures and where they come from. */
export interface LiveVersion {
	/** The figures; undefined until some sampled pod was read twice (a rate needs two reads). */
	metrics: VersionMetrics | undefined;
	/** Sampled pods that gave at least one delta in the window. */
	reporting: number;
	/** Pods sampled. */
	sampled: number;
	/** Serving pods of the version. */
	total: number;
}

interface Delta {
	requests: number;
	successes: number;
	buckets: Map<number, number>;
}

/** Whether a counter of the series went down between two reads: the proxy restarted and counts from zero again. */
function restarted(previous: SeriesCounters, current: SeriesCounters): boolean {
	if (current.requests < previous.requests || current.successes < previous.successes) {
		return true;
	}

	for (const [bound, count] of current.buckets) {
		if (count < (previous.buckets.get(bound) ?? 0)) {
			return true;
		}
	}

	return false;
}

/** What a series counted between two reads: the difference, or all of `current` after a reset or when it is new. */
export function counterDelta(previous: SeriesCounters | undefined, current: SeriesCounters): Delta {
	if (previous === undefined || restarted(previous, current)) {
		// Envoy creates a series at its first request and a restarted proxy starts from zero: all of it is new.
		return {requests: current.requests, successes: current.successes, buckets: new Map(current.buckets)};
	}

	const buckets = new Map<number, number>();
	for (const [bound, count] of current.buckets) {
		buckets.set(bound, count - (previous.buckets.get(bound) ?? 0));
	}

	return {requests: current.requests - previous.requests, successes: current.successes - previous.successes, buckets};
}

/**
 * Prometheus' histogram_quantile over cumulative bucket counts (upper bound → count): linear interpolation inside the
 * bucket holding the rank, the highest finite bound when the rank falls in `+Inf`; null without observations.
 */
export function histogramQuantile(q: number, buckets: ReadonlyMap<number, number>): number | null {
	const bounds = [...buckets.keys()].sort((a, b) => a - b);
	// Sums of deltas can wobble by a count between buckets: keep the counts monotonic, as Prometheus does.
	let running = 0;
	const counts = bounds.map(bound => {
		running = Math.max(running, buckets.get(bound) ?? 0);
		return running;
	});
	const total = counts.at(-1) ?? 0;
	if (!(total > 0) || !(q >= 0 && q <= 1)) {
		return null;
	}

	const rank = q * total;
	const index = counts.findIndex(count => count >= rank);
	const upper = bounds[index]!;
	const finite = bounds.filter(bound => Number.isFinite(bound));
	if (!Number.isFinite(upper)) {
		return finite.at(-1) ?? null;
	}

	const lower = index === 0 ? 0 : bounds[index - 1]!;
	const below = index === 0 ? 0 : counts[index - 1]!;
	const inBucket = counts[index]! - below;
	return inBucket > 0 ? lower + ((upper - lower) * (rank - below)) / inBucket : upper;
}

/**
 * Each pair of polls' deltas, by pod and series: every read computes the figures over the whole window, and all of a
 * window's pairs but the newest were computed by the reads before, so they are remembered, keyed by the later poll and
 * then by the earlier one. Both keys are weak and no value refers to a poll: a value that held the poll before it
 * would chain every poll ever made to the newest, and keep them all. Deltas are never changed once made.
 */
const deltasByPair = new PairMemo<LivePoll, LivePoll, Map<string, ReadonlyMap<string, Delta>>>();
const newByPod = () => new Map<string, ReadonlyMap<string, Delta>>();

/** What `pod`'s series counted from poll `before` to poll `after`; undefined when it was not read at both. */
function podDeltas(before: LivePoll, after: LivePoll, pod: string): ReadonlyMap<string, Delta> | undefined {
	const previous = before.pods.get(pod);
	const current = after.pods.get(pod);
	if (previous === undefined || current === undefined) {
		return undefined;
	}

	const byPod = deltasByPair.get(after, before, newByPod);
	let deltas = byPod.get(pod);
	if (deltas === undefined) {
		const made = new Map<string, Delta>();
		for (const [key, counters] of current) {
			made.set(key, counterDelta(previous.get(key), counters));
		}

		deltas = made;
		byPod.set(pod, deltas);
	}

	return deltas;
}

/**
 * Whether a series key is one of `destination`'s: its version's, or any version of its service when it names none.
 * Made once per destination and read, so that the series of every pair of polls are matched without splitting keys.
 */
function seriesOf(destination: Destination): (key: string) => boolean {
	const {service, version} = destination.metric;
	if (version !== undefined) {
		const wanted = seriesKey(service, version);
		return key => key === wanted;
	}

	const prefix = seriesKey(service, '');
	return key => key.startsWith(prefix);
}

/**
 * The live figures of each destination from consecutive polls (oldest first): per sampled pod, the deltas between
 * each pair of reads it was present in (a pod appearing counts from its second read; a pod gone stops counting);
 * the rate is the pods' summed deltas over their time, scaled from the reporting pods to all of the version's pods.
 */
export function liveFigures(polls: readonly LivePoll[], destinations: readonly Destination[], samples: Readonly<Record<string, LiveSample>>): Record<string, LiveVersion> {
	const figures: Record<string, LiveVersion> = {};
	for (const destination of destinations) {
		const sample = samples[destination.key] ?? {sampled: [], total: 0};
		let rps = 0;
		let reporting = 0;
		const total: Delta = {requests: 0, successes: 0, buckets: new Map()};
		const matches = seriesOf(destination);
		const addBucket = (count: number, bound: number) => {
			total.buckets.set(bound, (total.buckets.get(bound) ?? 0) + count);
		};

		for (const pod of sample.sampled) {
			let podRequests = 0;
			let seconds = 0;
			for (let index = 1; index < polls.length; index++) {
				const before = polls[index - 1]!;
				const after = polls[index]!;
				const deltas = after.at > before.at ? podDeltas(before, after, pod) : undefined;
				if (deltas === undefined) {
					continue;
				}

				seconds += (after.at - before.at) / 1000;
				// forEach rather than for-of: no [key, value] pair per series and bucket, every second, for every pair of polls.
				deltas.forEach((delta, key) => {
					if (!matches(key)) {
						return;
					}

					podRequests += delta.requests;
					total.requests += delta.requests;
					total.successes += delta.successes;
					delta.buckets.forEach(addBucket);
				});
			}

			if (seconds > 0) {
				reporting++;
				rps += podRequests / seconds;
			}
		}

		const scale = reporting > 0 ? Math.max(sample.total, reporting) / reporting : 0;
		const served = total.requests > 0;
		figures[destination.key] = {
			metrics: reporting === 0 ? undefined : {
				rps: rps * scale,
				successRate: served ? Math.min(1, total.successes / total.requests) : null,
				p50Ms: served ? histogramQuantile(0.5, total.buckets) : null,
				p99Ms: served ? histogramQuantile(0.99, total.buckets) : null,
			},
			reporting,
			sampled: sample.sampled.length,
			total: sample.total,
		};
	}

	return figures;
}
