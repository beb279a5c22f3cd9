/**
 * `meshtop status --chart`: the console's four chart modes over the last `--history` (default 5m), from Prometheus'
 * query_range, as plain text for a one-shot look over SSH. Weight changes come from the trail (the history file).
 */
import {parseDuration} from '../domain/duration.js';
import type {WeightChange} from '../domain/weight-change.js';
import {fetchMetricsRange} from '../prometheus/metrics-source.js';
import {parsePrometheusDuration} from '../prometheus/client.js';
import {ChartHistory, chartModes} from '../state/chart-history.js';
import {plotChart} from '../ui/chart-plot.js';
import {HistoryFile, historyFilePath} from '../trail/history-file.js';
import {isAppliedChange} from '../domain/write-intent.js';
import type {Connection} from './connect.js';

/** Lines of each mode's chart (legend, plot, time axis). */
const chartHeight = 12;

/** The configured weights at `time`: after the last change before it, else before the first change after it. */
export function weightsAt(time: number, changes: readonly WeightChange[], current: Readonly<Record<string, number>>): Readonly<Record<string, number>> {
	let weights: Readonly<Record<string, number>> | undefined;
	for (const change of changes) {
		if (Date.parse(change.time) <= time) {
			weights = change.after;
		} else {
			return weights ?? change.before;
		}
	}

	return weights ?? current;
}

/** The four charts of the connection's route as text lines, `width` columns wide. */
export async function statusChartLines(connection: Connection, options: {history: string; width: number; historyFile?: string}): Promise<string[]> {
	const {prometheus, route} = connection;
	if (prometheus === undefined) {
		return [`no chart: ${connection.prometheusError ?? 'Prometheus unavailable'}`];
	}

	const historyMs = parseDuration(options.history);
	const columns = Math.max(10, options.width - 8);
	const windowSeconds = parsePrometheusDuration(prometheus.window) ?? 4;
	// A column per step: the rate window at least (finer steps repeat each other), wider when the range needs it.
	const stepSeconds = Math.max(windowSeconds, Math.ceil(historyMs / 1000 / columns));
	const end = new Date();
	const snapshots = await fetchMetricsRange(prometheus.client, route.destinations, prometheus.window, {start: new Date(end.getTime() - historyMs), end, stepSeconds}, connection.reporter);
	const {records} = await new HistoryFile(options.historyFile ?? historyFilePath()).read({vs: connection.vs.metadata.name, namespace: connection.namespace, context: connection.target.contextName});
	const changes = records.filter(record => record.route === route.name && isAppliedChange(record)).sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
	const current = Object.fromEntries(route.destinations.map(destination => [destination.key, destination.weight]));
	const keys = route.destinations.map(destination => destination.key);
	let history = new ChartHistory(columns);
	for (const snapshot of snapshots) {
		history = history.withSample({at: snapshot.at, snapshot, weights: weightsAt(snapshot.at, changes, current)}, keys);
	}

	const lines: string[] = [];
	for (const mode of chartModes) {
		lines.push('', ...plotChart({mode, history, keys, width: options.width, height: chartHeight}).map(segments => segments.map(segment => segment.text).join('').trimEnd()));
	}

	return lines;
}
