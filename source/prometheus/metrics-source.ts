import type {MetricsSnapshot, VersionMetrics} from '../domain/metrics.js';
import type {Destination} from '../domain/virtual-service.js';
import type {PrometheusClient, PrometheusRangeSeries, PrometheusSample} from './client.js';
import {metricQueries, oneQuery, partLabel, type Reporter} from './queries.js';

/** Samples of one query indexed by service, then version ('' for series without a version label). */
export type SeriesIndex = Map<string, Map<string, number>>;

/** Indexes one query's samples by service and version. */
export function indexSamples(samples: readonly PrometheusSample[]): SeriesIndex {
	const index: SeriesIndex = new Map();
	for (const sample of samples) {
		const service = sample.metric['destination_service_name'] ?? '';
		const version = sample.metric['destination_version'] ?? '';
		let versions = index.get(service);
		if (versions === undefined) {
			versions = new Map();
			index.set(service, versions);
		}

		versions.set(version, sample.value);
	}

	return index;
}

/** The values of a destination's series: one version, or every version of the service when the version is unknown. */
export function valuesOf(index: SeriesIndex, destination: Destination): number[] {
	const versions = index.get(destination.metric.service);
	if (versions === undefined) {
		return [];
	}

	if (destination.metric.version === undefined) {
		return [...versions.values()];
	}

	const value = versions.get(destination.metric.version);
	return value === undefined ? [] : [value];
}

/** Sum of the finite values. */
export function sumOf(values: readonly number[]): number {
	return values.reduce((sum, value) => sum + (Number.isFinite(value) ? value : 0), 0);
}

/**
 * A latency of a destination, null without data. Quantiles of several series cannot be combined exactly,
 * so for a whole service with several versions this is the slowest version's (an upper bound, the safe side for a gate).
 */
export function latencyOf(values: readonly number[]): number | null {
	const finite = values.filter(value => Number.isFinite(value));
	return finite.length === 0 ? null : Math.max(...finite);
}

/** The four queries of one refresh or look (requests, successes, p50, p99), sent together, each indexed by series. */
export interface IndexedAnswers {
	requests: SeriesIndex;
	successes: SeriesIndex;
	p50: SeriesIndex;
	p99: SeriesIndex;
}

/**
 * Sends the four queries as one request ({@link oneQuery}: one whatever the number of versions, and one evaluation time
 * for all four) and indexes each part's answers.
 */
export async function queryIndexed(client: Pick<PrometheusClient, 'query'>, queries: {requests: string; successes: string; p50: string; p99: string}, at: Date): Promise<IndexedAnswers> {
	const parts: Record<string, PrometheusSample[]> = {requests: [], successes: [], p50: [], p99: []};
	for (const sample of await client.query(oneQuery(queries), at)) {
		parts[sample.metric[partLabel] ?? '']?.push(sample);
	}

	return {requests: indexSamples(parts['requests']!), successes: indexSamples(parts['successes']!), p50: indexSamples(parts['p50']!), p99: indexSamples(parts['p99']!)};
}

/** Runs the 4 queries (of `reporter`'s reports) in one request and maps series to Destination.key (by metric.service + metric.version; version undefined = sum over versions of that service). successRate = successes/requests (null when requests = 0); latency NaN → null. */
export async function fetchMetrics(client: Pick<PrometheusClient, 'query'>, destinations: readonly Destination[], window: string, now?: Date, reporter: Reporter = 'destination'): Promise<MetricsSnapshot> {
	// One evaluation time for all four parts, so rates and ratios describe the same window.
	const at = now ?? new Date();
	if (destinations.length === 0) {
		return {at: at.getTime(), window, byVersion: {}};
	}

	return snapshotOf(at.getTime(), window, destinations, await queryIndexed(client, metricQueries(destinations, window, reporter), at));
}

/**
 * A snapshot without figures, taken once Prometheus has evaluated a constant at `now`: for a refresh whose figures all
 * come from elsewhere (live reads of every version), it still says whether Prometheus answers and when, for the
 * header, without the four queries' evaluation, answer and indexing (on the simulated cluster, a console used about
 * a sixth less CPU).
 */
export async function probeMetrics(client: Pick<PrometheusClient, 'query'>, window: string, now?: Date): Promise<MetricsSnapshot> {
	const at = now ?? new Date();
	await client.query('1', at);
	return {at: at.getTime(), window, byVersion: {}};
}

/** The four queries' answers at one time, mapped to each destination's metrics. */
function snapshotOf(at: number, window: string, destinations: readonly Destination[], index: IndexedAnswers): MetricsSnapshot {
	const byVersion: Record<string, VersionMetrics> = {};
	for (const destination of destinations) {
		const rps = sumOf(valuesOf(index.requests, destination));
		const ok = sumOf(valuesOf(index.successes, destination));
		byVersion[destination.key] = {
			rps,
			successRate: rps > 0 ? Math.min(1, ok / rps) : null,
			p50Ms: rps > 0 ? latencyOf(valuesOf(index.p50, destination)) : null,
			p99Ms: rps > 0 ? latencyOf(valuesOf(index.p99, destination)) : null,
		};
	}

	return {at, window, byVersion};
}

/**
 * The same four queries over a past range (`query_range`, one point per `stepSeconds`): a snapshot per step, oldest
 * first, as if the console had been open then. Four requests whatever the range and the number of versions.
 */
export async function fetchMetricsRange(client: Pick<PrometheusClient, 'queryRange'>, destinations: readonly Destination[], window: string, range: {start: Date; end: Date; stepSeconds: number}, reporter: Reporter = 'destination'): Promise<MetricsSnapshot[]> {
	if (destinations.length === 0) {
		return [];
	}

	const queries = metricQueries(destinations, window, reporter);
	const run = async (promql: string) => client.queryRange(promql, range.start, range.end, range.stepSeconds);
	const [requests, successes, p50, p99] = await Promise.all([run(queries.requests), run(queries.successes), run(queries.p50), run(queries.p99)]);
	const times = [...new Set(requests.flatMap(series => series.points.map(([time]) => time)))].sort((a, b) => a - b);
	// Each step indexed as an instant query's answer would be, so a past step maps exactly like a live refresh.
	const at = (series: readonly PrometheusRangeSeries[], time: number) => indexSamples(series.flatMap((one): PrometheusSample[] => {
		const point = one.points.find(([pointTime]) => pointTime === time);
		return point === undefined ? [] : [{metric: one.metric, value: point[1]}];
	}));
	return times.map(time => snapshotOf(time, window, destinations, {
		requests: at(requests, time),
		successes: at(successes, time),
		p50: at(p50, time),
		p99: at(p99, time),
	}));
}
