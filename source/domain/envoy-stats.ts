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

const requestsName = 'istio_requests_total';
const bucketName = 'istio_request_duration_milliseconds_bucket';
/** What both names start with: the only lines worth looking at. */
const commonPrefix = 'istio_request';

/**
 * The `filter` of a read (`/stats/prometheus?filter=…`, URL-encoded): Envoy then answers only the stats whose name the
 * regex finds a match in (RE2, a partial match) instead of all of them. A sidecar has thousands of its own stats
 * (every cluster's, listener's, server's), hundreds of kB a read; meshtop needs Istio's request counter and duration
 * histogram. `istio_request` alone also let through `istio_request_bytes`, a histogram of request sizes with a line per
 * bucket for every label set, read from every sampled pod every second and thrown away. (The simulated sidecars do not
 * have it, so the bench does not see this.)
 */
export const envoyStatsFilter = encodeURIComponent('istio_request(s_total|_duration_milliseconds)');

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

/**
 * What a sample line of one of the two metrics counts toward; null for a line that counts toward nothing (another
 * reporter's, a bucket without a usable bound, malformed labels).
 */
type LineMeaning = {
	/** The {@link seriesKey}. */
	series: string;
	/** A bucket's upper bound; undefined for a line of the request counter. */
	bound?: number;
	/** For the request counter: whether its response_code is not 5xx. */
	success: boolean;
} | null;

function meaningOf(name: string, labels: Labels, reporter: StatsReporter): LineMeaning {
	if (labels.reporter !== reporter) {
		return null;
	}

	const series = seriesKey(labels.destination_service_name ?? '', labels.destination_version ?? '');
	if (name === requestsName) {
		return {series, success: !/^5\d\d$/.test(labels.response_code ?? '')};
	}

	const bound = parseBound(labels.le);
	return bound === undefined ? null : {series, bound, success: false};
}

/**
 * What the lines of earlier reads meant, by their text before the value. An Envoy answers the same lines every second
 * with new values: a line seen before is looked up instead of parsed, and its labels are not copied again. Bounded:
 * it starts over beyond `limit` lines. Meanings depend on the reporter read, so a memory serves one reporter.
 */
export class EnvoyLineMemory {
	private readonly meanings = new Map<string, LineMeaning>();

	/** `limit`: lines remembered at most (a sidecar's two metrics have a few hundred). */
	constructor(readonly reporter: StatsReporter, private readonly limit = 4096) {}

	/** What `head` meant, if it was seen. */
	get(head: string): LineMeaning | undefined {
		return this.meanings.get(head);
	}

	/** Remembers what `head` means. */
	set(head: string, meaning: LineMeaning): void {
		if (this.meanings.size >= this.limit) {
			this.meanings.clear();
		}

		this.meanings.set(detached(head), meaning);
	}
}

/**
 * A copy of `text` that refers to no other string: V8 makes a slice of a long string a view of it, and a view kept as
 * a key would keep the whole read it came from alive.
 */
function detached(text: string): string {
	return structuredClone(text);
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
 * metrics are looked at, and of their labels only the five above are copied. With a `memory` of the reporter's, a
 * line seen in an earlier read is not parsed again.
 */
export function parseEnvoyStats(text: string, reporter: StatsReporter, memory?: EnvoyLineMemory): PodCounters {
	const counters = new Map<string, MutableCounters>();
	const of = (key: string): MutableCounters => {
		let entry = counters.get(key);
		if (entry === undefined) {
			entry = {requests: 0, successes: 0, buckets: new Map()};
			counters.set(key, entry);
		}

		return entry;
	};

	// The memory serves only the reporter it was made for: another reporter's lines mean something else.
	const lines = memory?.reporter === reporter ? memory : undefined;
	let lineStart = text.startsWith(commonPrefix) ? 0 : nextCandidate(text, 0);
	while (lineStart !== -1) {
		let lineEnd = text.indexOf('\n', lineStart);
		lineEnd = lineEnd === -1 ? text.length : lineEnd;
		const name = text.startsWith(requestsName, lineStart) ? requestsName : text.startsWith(bucketName, lineStart) ? bucketName : undefined;
		if (name !== undefined && text[lineStart + name.length] === '{') {
			// The line's name and labels (up to its last space, before the value) as read the last time they were seen.
			const valueSpace = lines === undefined ? -1 : text.lastIndexOf(' ', lineEnd - 1);
			const head = valueSpace > lineStart ? text.slice(lineStart, valueSpace) : undefined;
			let meaning = head === undefined ? undefined : lines?.get(head);
			let valueFrom = valueSpace;
			if (meaning === undefined) {
				const parsed = parseLabels(text, lineStart + name.length, lineEnd);
				meaning = parsed === undefined ? null : meaningOf(name, parsed.labels, reporter);
				valueFrom = parsed?.end ?? lineEnd;
				// Remembered only when the value follows the labels at once: the same head then always means the same.
				if (head !== undefined && parsed?.end === valueSpace) {
					lines?.set(head, meaning);
				}
			}

			if (meaning !== null) {
				valuePattern.lastIndex = 0;
				const valueText = valuePattern.exec(text.slice(valueFrom, lineEnd))?.[1];
				const value = valueText === undefined || valueText === '' ? Number.NaN : Number(valueText);
				if (Number.isFinite(value) && value >= 0) {
					const entry = of(meaning.series);
					if (meaning.bound === undefined) {
						entry.requests += value;
						entry.successes += meaning.success ? value : 0;
					} else {
						entry.buckets.set(meaning.bound, (entry.buckets.get(meaning.bound) ?? 0) + value);
					}
				}
			}
		}

		lineStart = nextCandidate(text, lineEnd);
	}

	return counters;
}
