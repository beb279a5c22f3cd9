import type {Destination} from '../domain/virtual-service.js';

/** Used when the scrape interval is unknown or nonsense: Prometheus' own default. */
const defaultScrapeIntervalSeconds = 15;

/** Formats milliseconds as one-unit PromQL duration, the largest unit that divides it exactly ("1m", "90s", "400ms"). */
function formatDuration(milliseconds: number): string {
	const units: Array<[string, number]> = [['h', 3_600_000], ['m', 60_000], ['s', 1000]];
	for (const [unit, size] of units) {
		if (milliseconds % size === 0) {
			return `${milliseconds / size}${unit}`;
		}
	}

	return `${milliseconds}ms`;
}

/** Grafana's $__rate_interval rule: max(4 × scrape interval, …) formatted as a PromQL duration, e.g. 1 s → "4s", 15 s → "1m". */
export function rateWindow(scrapeIntervalSeconds: number): string {
	// Grafana: max($__interval + scrape, 4 × scrape). meshtop evaluates instant queries (no $__interval), so 4 × scrape:
	// rate() needs at least two samples in the window, and 4 tolerates a missed scrape or two.
	const scrape = Number.isFinite(scrapeIntervalSeconds) && scrapeIntervalSeconds > 0 ? scrapeIntervalSeconds : defaultScrapeIntervalSeconds;
	return formatDuration(Math.max(1, Math.round(scrape * 4 * 1000)));
}

/** Escapes a value for a double-quoted PromQL string literal. */
function quote(value: string): string {
	return `"${value.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n')}"`;
}

/** Escapes RE2 metacharacters so a label value matches itself inside `=~`. */
function regexLiteral(value: string): string {
	return value.replaceAll(/[\\^$.|?*+()[\]{}]/g, String.raw`\$&`);
}

/** `name="v"` for one value, `name=~"a|b"` for several (sorted, so the query text is stable). */
function labelMatcher(name: string, values: ReadonlySet<string>): string {
	const sorted = [...values].sort();
	if (sorted.length === 1) {
		return `${name}=${quote(sorted[0]!)}`;
	}

	return `${name}=~${quote(sorted.map(value => regexLiteral(value)).join('|'))}`;
}

/**
 * Which proxy's reports to read: the destination sidecar's, or in ambient mode (no sidecars; namespace labelled
 * `istio.io/dataplane-mode=ambient`) the waypoint's. Reading one reporter never counts a request twice.
 */
export type Reporter = 'destination' | 'waypoint';

/** The reporter of a namespace from its labels: `waypoint` when it is enrolled in ambient mode. */
export function reporterFor(namespaceLabels: Readonly<Record<string, string>>): Reporter {
	return namespaceLabels['istio.io/dataplane-mode'] === 'ambient' ? 'waypoint' : 'destination';
}

/** The selector shared by every query: one series per (service, version) of the destinations' services. */
function selector(destinations: readonly Destination[], extra: string[] = [], reporter: Reporter = 'destination'): string {
	if (destinations.length === 0) {
		throw new RangeError('metricQueries needs at least one destination');
	}

	const services = new Set(destinations.map(destination => destination.metric.service));
	const namespaces = new Set(destinations.flatMap(destination => destination.metric.namespace === undefined ? [] : [destination.metric.namespace]));
	const matchers = [`reporter="${reporter}"`];
	if (namespaces.size > 0) {
		matchers.push(labelMatcher('destination_service_namespace', namespaces));
	}

	matchers.push(labelMatcher('destination_service_name', services), ...extra);
	return `{${matchers.join(', ')}}`;
}

/**
 * The labels a split's versions are told apart by: `destination_version` for subsets (one Service, a version label per
 * pod), `destination_service_name` alone when every version is a Service of its own (HTTPRoute backends, host-per-version
 * VirtualServices), so a Service's pods are one series and its latency quantile is exact.
 */
export function groupLabels(destinations: readonly Destination[]): string {
	return destinations.every(destination => destination.metric.version === undefined)
		? 'destination_service_name'
		: 'destination_service_name, destination_version';
}

/** Requests per second per (service, version). */
export function requestRate(destinations: readonly Destination[], window: string, reporter: Reporter = 'destination'): string {
	return `sum by (${groupLabels(destinations)}) (rate(istio_requests_total${selector(destinations, [], reporter)}[${window}]))`;
}

/** Non-5xx requests per second per (service, version); divided by requestRate it is the success rate. */
export function successRate(destinations: readonly Destination[], window: string, reporter: Reporter = 'destination'): string {
	return `sum by (${groupLabels(destinations)}) (rate(istio_requests_total${selector(destinations, ['response_code!~"5.."'], reporter)}[${window}]))`;
}

/** Quantile q (0..1) of request duration in milliseconds per (service, version), from Istio's histogram. */
export function latencyQuantile(q: number, destinations: readonly Destination[], window: string, reporter: Reporter = 'destination'): string {
	if (!(q >= 0 && q <= 1)) {
		throw new RangeError(`quantile must be within 0..1, got ${q}`);
	}

	return `histogram_quantile(${q}, sum by (${groupLabels(destinations)}, le) (rate(istio_request_duration_milliseconds_bucket${selector(destinations, [], reporter)}[${window}])))`;
}

/** The PromQL for one metric for ALL destinations at once (one query per metric per refresh, whatever the number of versions): grouped by {@link groupLabels}, filtered by `reporter` (destination, or waypoint in ambient mode), destination_service_namespace, destination_service_name (=~ when several hosts). Builders: requestRate, successRate (numerator non-5xx: response_code!~"5.."), latencyQuantile(q). Label values escaped. */
export function metricQueries(destinations: readonly Destination[], window: string, reporter: Reporter = 'destination'): {requests: string; successes: string; p50: string; p99: string} {
	return {
		requests: requestRate(destinations, window, reporter),
		successes: successRate(destinations, window, reporter),
		p50: latencyQuantile(0.5, destinations, window, reporter),
		p99: latencyQuantile(0.99, destinations, window, reporter),
	};
}

/** The label {@link oneQuery} tells its parts' series apart by. */
export const partLabel = 'meshtop_query';

/**
 * Several instant queries as one: each part's series get `meshtop_query="<part>"` (label_replace) and the parts are
 * joined with `or`, which keeps them all since their labels differ. One HTTP request per refresh instead of one per
 * metric: through a port-forward each request is a round trip over a WebSocket of the API server, and at a 1 s refresh
 * the three extra ones were a good part of the console's idle CPU.
 */
export function oneQuery(parts: Readonly<Record<string, string>>): string {
	return Object.entries(parts).map(([part, promql]) => `label_replace(${promql}, "${partLabel}", ${quote(part)}, "", "")`).join(' or ');
}

/**
 * A step's range Δ as a PromQL duration: whole milliseconds, at least 1 ms ("5500ms"; "6s" when exact).
 * increase() needs two samples inside it, so a Δ shorter than two scrapes answers nothing, and the gate waits.
 */
export function countRange(rangeMs: number): string {
	return formatDuration(Math.max(1, Math.round(rangeMs)));
}

/**
 * The PromQL for the gates of one evaluation: requests, non-5xx requests and the latency quantiles as counts over the
 * step's window with `increase(...[Δ])` (not rates), for ALL destinations at once, grouped like {@link metricQueries}.
 * A quantile over increase() is the quantile of the requests in the window, as with rate().
 */
export function countQueries(destinations: readonly Destination[], range: string, reporter: Reporter = 'destination'): {requests: string; successes: string; p50: string; p99: string} {
	const groupBy = groupLabels(destinations);
	const quantile = (q: number) => `histogram_quantile(${q}, sum by (${groupBy}, le) (increase(istio_request_duration_milliseconds_bucket${selector(destinations, [], reporter)}[${range}])))`;
	return {
		requests: `sum by (${groupBy}) (increase(istio_requests_total${selector(destinations, [], reporter)}[${range}]))`,
		successes: `sum by (${groupBy}) (increase(istio_requests_total${selector(destinations, ['response_code!~"5.."'], reporter)}[${range}]))`,
		p50: quantile(0.5),
		p99: quantile(0.99),
	};
}
