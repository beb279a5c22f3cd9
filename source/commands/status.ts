import {observedShares, type MetricsSnapshot} from '../domain/metrics.js';
import {observedScope, type Route} from '../domain/virtual-service.js';
import {connect, type Connection} from './connect.js';
import {fetchMetrics} from '../prometheus/metrics-source.js';
import {formatMs, formatRatio, formatRps, formatShare} from '../util/format.js';
import type {CommandIo} from './dispatch.js';
import {connectionFlags, type Flags} from './flags.js';
import {errorMessage} from '../util/error-message.js';
import {historyFilePath} from '../trail/history-file.js';
import {resolveInterruptedWrites} from './interrupted-writes.js';

/** The JSON `meshtop status --json` prints (a stable, documented shape). */
export interface StatusReport {
	context: string;
	namespace: string;
	/** The route object's name (the field predates HTTPRoutes). */
	virtualService: string;
	/** VirtualService or HTTPRoute. */
	kind: string;
	/** Whose reports the metrics are: `destination` (sidecars) or `waypoint` (ambient). */
	reporter: string;
	resourceVersion: string | undefined;
	prometheus: {source: string | undefined; window: string | undefined; error: string | undefined};
	routes: Array<{
		name: string;
		match: string;
		editable: boolean;
		readOnlyReason: string | undefined;
		/** HTTPRoutes: what the route is attached to ("Service reviews (mesh)", "Gateway bookinfo-gateway"). */
		parents: string | undefined;
		/**
		 * `route` when the observed figures are this route's own; `service` when they are the whole service's (the route is
		 * one of several sending to the same series, and Istio's metrics carry no route label).
		 */
		observed: 'route' | 'service';
		destinations: Array<{
			/** HTTPRoutes: the `version` label of the backend Service's selector. */
			label: string | undefined;
			version: string;
			host: string;
			subset: string | undefined;
			/** Configured weight, percent (0..100). */
			weight: number;
			/** Share of the route's observed requests, percent (0..100), comparable to weight; null without traffic. */
			observedShare: number | null;
			/** Requests per second over the rate window. */
			rps: number | null;
			/** Non-5xx responses as a ratio (0..1), as Prometheus computes it; null without requests. */
			successRate: number | null;
			/** Latency quantiles in milliseconds. */
			p50Ms: number | null;
			p99Ms: number | null;
			problem: string | undefined;
			/** Why this backend's weight is kept as it is (a backendRef of another kind than Service). */
			readOnly: string | undefined;
		}>;
	}>;
}

function routeReport(route: Route, snapshot: MetricsSnapshot | undefined): StatusReport['routes'][number] {
	const shares = observedShares(snapshot, route.destinations.map(destination => destination.key));
	return {
		name: route.name,
		match: route.match,
		editable: route.editable,
		readOnlyReason: route.readOnlyReason,
		parents: route.parents,
		observed: observedScope(route),
		destinations: route.destinations.map(destination => {
			const metrics = snapshot?.byVersion[destination.key];
			return {
				label: destination.label,
				version: destination.key,
				host: destination.host,
				subset: destination.subset,
				weight: destination.weight,
				observedShare: shares[destination.key] ?? null,
				rps: metrics?.rps ?? null,
				successRate: metrics?.successRate ?? null,
				p50Ms: metrics?.p50Ms ?? null,
				p99Ms: metrics?.p99Ms ?? null,
				problem: destination.problem,
				readOnly: destination.readOnly,
			};
		}),
	};
}

function printTable(report: StatusReport, io: CommandIo): void {
	io.stdout.write(`${report.namespace}/${report.kind === 'HTTPRoute' ? 'httproute/' : ''}${report.virtualService}  context ${report.context}  resourceVersion ${report.resourceVersion ?? '?'}\n`);
	io.stdout.write(report.prometheus.error === undefined
		? `prometheus ${report.prometheus.source ?? '?'}  window ${report.prometheus.window ?? '?'}  reporter ${report.reporter}\n`
		: `prometheus unavailable: ${report.prometheus.error}\n`);
	for (const route of report.routes) {
		io.stdout.write(`\nroute ${route.name} (${route.match})${route.parents === undefined ? '' : `  parent ${route.parents}`}${route.editable ? '' : `  read-only: ${route.readOnlyReason ?? ''}`}\n`);
		if (route.observed === 'service') {
			io.stdout.write(`  observed: all routes of ${report.virtualService} (Istio's metrics carry no route label)\n`);
		}

		io.stdout.write(`  ${'VERSION'.padEnd(12)}${'WEIGHT'.padStart(7)}${'OBSERVED'.padStart(10)}${'RPS'.padStart(8)}${'OK%'.padStart(8)}${'P50'.padStart(8)}${'P99'.padStart(8)}\n`);
		for (const destination of route.destinations) {
			const name = destination.label === undefined ? destination.version : `${destination.version} (${destination.label})`;
			io.stdout.write(`  ${name.padEnd(12)}${String(destination.weight).padStart(7)}${formatShare(destination.observedShare).padStart(10)}`
				+ `${formatRps(destination.rps ?? undefined).padStart(8)}${formatRatio(destination.successRate).padStart(8)}`
				+ `${formatMs(destination.p50Ms).padStart(8)}${formatMs(destination.p99Ms).padStart(8)}\n`);
			if (destination.readOnly !== undefined) {
				io.stdout.write(`    read-only: ${destination.readOnly}\n`);
			}

			if (destination.problem !== undefined) {
				io.stdout.write(`    ⚠ ${destination.problem}\n`);
			}
		}
	}
}

/** `meshtop status <vs> [--json]`: weights and current metrics per version of every route; exit 0 even without Prometheus (weights are still true). */
export async function runStatus(vsName: string, flags: Flags, io: CommandIo): Promise<number> {
	let connection: Connection;
	try {
		connection = await connect({
			vs: vsName,
			...connectionFlags(flags),
			prometheus: 'optional',
		});
	} catch (error) {
		io.stderr.write(`meshtop: ${errorMessage(error)}\n`);
		return 1;
	}

	try {
		if (!flags.readOnly) {
			// --read-only sends nothing: an interrupted write's Event and line wait for a meshtop that may write.
			await resolveInterruptedWrites({target: connection.target, historyPath: historyFilePath(), api: connection.api, output: io.stderr});
		}

		const {prometheus} = connection;
		const report: StatusReport = {
			context: connection.target.contextName,
			namespace: connection.namespace,
			virtualService: connection.vs.metadata.name,
			kind: connection.kind,
			reporter: connection.reporter,
			resourceVersion: connection.vs.metadata.resourceVersion,
			prometheus: {source: prometheus?.label, window: prometheus?.window, error: connection.prometheusError},
			routes: [],
		};
		let snapshots: Array<MetricsSnapshot | undefined> = connection.routes.map(() => undefined);
		if (prometheus !== undefined) {
			try {
				snapshots = await Promise.all(connection.routes.map(async route => route.destinations.length === 0 ? undefined : fetchMetrics(prometheus.client, route.destinations, prometheus.window, undefined, connection.reporter)));
			} catch (error) {
				report.prometheus.error = errorMessage(error);
			}
		}

		report.routes = connection.routes.map((route, index) => routeReport(route, snapshots[index]));
		if (flags.json) {
			io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
			if (report.prometheus.error !== undefined) {
				io.stderr.write(`meshtop: metrics unavailable: ${report.prometheus.error}\n`);
			}
		} else {
			printTable(report, io);
			if (flags.chart === true) {
				const {statusChartLines} = await import('./status-chart.js');
				const width = (io.stdout as NodeJS.WriteStream).columns ?? 100;
				try {
					io.stdout.write(`${(await statusChartLines(connection, {history: flags.history ?? '5m', width})).join('\n')}\n`);
				} catch (error) {
					io.stderr.write(`meshtop: chart unavailable: ${errorMessage(error)}\n`);
				}
			}
		}

		return 0;
	} finally {
		await connection.close();
	}
}
