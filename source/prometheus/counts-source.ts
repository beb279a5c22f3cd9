import type {StepCounts, VersionCounts} from '../domain/step-counts.js';
import type {Destination} from '../domain/virtual-service.js';
import type {PrometheusClient} from './client.js';
import {latencyOf, queryIndexed, sumOf, valuesOf} from './metrics-source.js';
import {countQueries, countRange, type Reporter} from './queries.js';

/**
 * Counts of every destination over the last `rangeMs` (of `reporter`'s reports), for the gates of one evaluation: the four queries of
 * {@link countQueries} at one evaluation time, mapped to Destination.key like fetchMetrics. Requests and successes are
 * rounded by the gates, not here: the JSON output shows what Prometheus answered.
 */
export async function fetchCounts(client: Pick<PrometheusClient, 'query'>, destinations: readonly Destination[], rangeMs: number, now?: Date, reporter: Reporter = 'destination'): Promise<StepCounts> {
	const at = now ?? new Date();
	if (destinations.length === 0) {
		return {at: at.getTime(), rangeMs, byVersion: {}};
	}

	const index = await queryIndexed(client, countQueries(destinations, countRange(rangeMs), reporter), at);
	const byVersion: Record<string, VersionCounts> = {};
	for (const destination of destinations) {
		const total = sumOf(valuesOf(index.requests, destination));
		const ok = sumOf(valuesOf(index.successes, destination));
		byVersion[destination.key] = {
			requests: total,
			successes: Math.min(total, ok),
			p50Ms: total > 0 ? latencyOf(valuesOf(index.p50, destination)) : null,
			p99Ms: total > 0 ? latencyOf(valuesOf(index.p99, destination)) : null,
		};
	}

	return {at: at.getTime(), rangeMs, byVersion};
}
