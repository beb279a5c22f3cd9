/**
 * Envoy's Prometheus exposition (a sidecar's or waypoint's `:15090/stats/prometheus`) read into the counters meshtop
 * needs: Istio's request counter and duration histogram, summed per (service, version). Pure: text in, numbers out.
 */

/** Which proxy's reports to read (`destination` sidecars, or the `waypoint` in ambient mode). */
export type StatsReporter = 'destination' | 'waypoint';

/** The counters of one (service, version) in one pod, summed over every other label (codes, callers, flags). */
export interface SeriesCounters {
	/** `istio_requests_total`. */
	requests: number;
	/** Of those, answers whose response_code is not 5xx (the same rule as the Prometheus queries). */
	successes: number;
	/** `istio_request_duration_milliseconds_bucket` by upper bound (ms, Infinity for `+Inf`), cumulative as exposed. */
	buckets: ReadonlyMap<number, number>;
}

/** A pod's counters by {@link seriesKey}. */
export type PodCounters = ReadonlyMap<string, SeriesCounters>;

/** The key of a (service, version) series; the version is '' when the sample has no destination_version. */
export function seriesKey(service: string, version: string): string {
	return `${service}\u0000${version}`;
}

/** The service and version of a {@link seriesKey}. */
export function splitSeriesKey(key: string): {service: string; version: string} {
	const at = key.indexOf('\u0000');
	return {service: key.slice(0, at), version: key.slice(at + 1)};
}

const requestsName = 'istio_requests_total';
const bucketName = 'istio_request_duration_milliseconds_bucket';
/** What both names start with: the only lines worth looking at. */
const commonPrefix = 'istio_request';

/**
 * The `filter` of a read (`/stats/prometheus?filter=istio_request`): Envoy then answers only the stats whose name
 * contains it (a partial regex match) instead of all of them. A sidecar has thousands of its own stats (every
 * cluster's, listener's, server's), hundreds of kB a read; meshtop needs Istio's two request metrics only.
 */
export const envoyStatsFilter = commonPrefix;

/** The labels meshtop reads; every other label (Istio has about twenty-five) is stepped over, never copied. */
interface Labels {
	reporter?: string;
	destination_service_name?: string;
	destination_version?: string;
	response_code?: string;
	le?: string;
}

const wantedLabels = new Set<string>(['reporter', 'destination_service_name', 'destination_version', 'response_code', 'le']);

const escapes: Record<string, string> = {n: '\n', '\\': '\\', '"': '"'};

/**
 * Parses `{a="x",b="y\"z"}` in `text` from `start` (the `{`) to `limit` (the end of the line); returns the wanted
 * labels and the index after `}`, or undefined for a malformed set. Values without escapes are sliced, not rebuilt.
 */
function parseLabels(text: string, start: number, limit: number): {labels: Labels; end: number} | undefined {
	const labels: Record<string, string> = {};
	let at = start + 1;
	while (at < limit) {
		while (text[at] === ' ' || text[at] === ',') {
			at++;
		}

		if (text[at] === '}') {
			return {labels, end: at + 1};
		}

		const equals = text.indexOf('=', at);
		if (equals < 0 || equals >= limit || text[equals + 1] !== '"') {
			return undefined;
		}

		const name = text.slice(at, equals).trim();
		const wanted = wantedLabels.has(name);
		const valueStart = equals + 2;
		at = valueStart;
		let escaped = false;
		while (at < limit && text[at] !== '"') {
			if (text[at] === '\\' && at + 1 < limit) {
				escaped = true;
				at += 2;
			} else {
				at++;
			}
		}

		if (at >= limit) {
			return undefined;
		}

		if (wanted) {
			labels[name] = escaped ? unescape(text, valueStart, at) : text.slice(valueStart, at);
		}

		at++;
	}

	return undefined;
}

/** A label value with `\n`, `\\` and `\"` resolved (any other escaped character is kept with its backslash). */
function unescape(text: string, start: number, end: number): string {
	let value = '';
	for (let at = start; at < end; at++) {
		if (text[at] === '\\' && at + 1 < end) {
			const next = text[at + 1]!;
			value += escapes[next] ?? `\\${next}`;
			at++;
		} else {
			value += text[at];
		}
	}

	return value;
}

/** Where the next line starting with {@link commonPrefix} after `from` starts, or -1. */
function nextCandidate(text: string, from: number): number {
	const at = text.indexOf(`\n${commonPrefix}`, from);
	return at === -1 ? -1 : at + 1;
}

/** The sample's value: the first word after the labels (a timestamp may follow). */
const valuePattern = /\s*(\S*)/y;

function parseBound(text: string | undefined): number | undefined {
	if (text === '+Inf') {
		return Number.POSITIVE_INFINITY;
	}

	const bound = text === undefined || text === '' ? Number.NaN : Number(text);
	return Number.isFinite(bound) ? bound : undefined;
}

interface MutableCounters {
	requests: number;
	successes: number;
	buckets: Map<number, number>;
}

/**
 * The counters of `reporter`'s reports in one exposition, per (destination_service_name, destination_version).
 * Samples that are not finite non-negative numbers (NaN, +Inf, garbage) are skipped: a counter can be neither.
 * Read every second from each sampled pod: the text (thousands of Envoy lines) is not split; only lines of the two
 * metrics are looked at, and of their labels only the five above are copied.
 */
export function parseEnvoyStats(text: string, reporter: StatsReporter): PodCounters {
	const counters = new Map<string, MutableCounters>();
	const of = (labels: Labels): MutableCounters => {
		const key = seriesKey(labels.destination_service_name ?? '', labels.destination_version ?? '');
		let entry = counters.get(key);
		if (entry === undefined) {
			entry = {requests: 0, successes: 0, buckets: new Map()};
			counters.set(key, entry);
		}

		return entry;
	};

	let lineStart = text.startsWith(commonPrefix) ? 0 : nextCandidate(text, 0);
	while (lineStart !== -1) {
		let lineEnd = text.indexOf('\n', lineStart);
		lineEnd = lineEnd === -1 ? text.length : lineEnd;
		const name = text.startsWith(requestsName, lineStart) ? requestsName : text.startsWith(bucketName, lineStart) ? bucketName : undefined;
		const parsed = name === undefined || text[lineStart + name.length] !== '{' ? undefined : parseLabels(text, lineStart + name.length, lineEnd);
		if (parsed !== undefined && parsed.labels.reporter === reporter) {
			valuePattern.lastIndex = 0;
			const valueText = valuePattern.exec(text.slice(parsed.end, lineEnd))?.[1];
			const value = valueText === undefined || valueText === '' ? Number.NaN : Number(valueText);
			if (Number.isFinite(value) && value >= 0) {
				if (name === requestsName) {
					const entry = of(parsed.labels);
					entry.requests += value;
					if (!/^5\d\d$/.test(parsed.labels.response_code ?? '')) {
						entry.successes += value;
					}
				} else {
					const bound = parseBound(parsed.labels.le);
					if (bound !== undefined) {
						const entry = of(parsed.labels);
						entry.buckets.set(bound, (entry.buckets.get(bound) ?? 0) + value);
					}
				}
			}
		}

		lineStart = nextCandidate(text, lineEnd);
	}

	return counters;
}
