import type {Destination} from '../source/domain/virtual-service.js';
import {fetchMetrics} from '../source/prometheus/metrics-source.js';
import type {PrometheusClient} from '../source/prometheus/client.js';
import {failedRow, type Row} from './report.js';

/** `count` versions of reviews, as routesOf would produce them (subset = version label). */
function destinations(count: number): Destination[] {
	return Array.from({length: count}, (_, index) => ({
		key: `v${index + 1}`,
		host: 'reviews',
		subset: `v${index + 1}`,
		weight: index === 0 ? 100 : 0,
		index,
		metric: {service: 'reviews', namespace: 'bookinfo', version: `v${index + 1}`},
	}));
}

/** How many Prometheus queries one refresh (one fetchMetrics) sends for 2, 5 and 20 versions. */
export async function countQueriesPerRefresh(versionCounts: readonly number[] = [2, 5, 20]): Promise<Array<{versions: number; queries: number}>> {
	const results: Array<{versions: number; queries: number}> = [];
	for (const versions of versionCounts) {
		let queries = 0;
		const client: Pick<PrometheusClient, 'query'> = {
			async query() {
				queries++;
				return [];
			},
		};
		await fetchMetrics(client, destinations(versions), '4s');
		results.push({versions, queries});
	}

	return results;
}

/** The table row: the counts side by side, ok when they are all the same. */
export async function runQueryCountBench(): Promise<Row[]> {
	const label = 'Prometheus queries per refresh (2 / 5 / 20 versions)';
	try {
		const counts = await countQueriesPerRefresh();
		const values = counts.map(count => count.queries);
		return [{measurement: label, value: values.join(' / '), target: 'constant', ok: values.every(value => value === values[0])}];
	} catch (error) {
		return [failedRow(label, 'constant', error)];
	}
}
