/** The Envoy stats parser as it was before the lean one (source/domain/envoy-stats.ts), kept as the reference its test compares against. */
import {seriesKey, type PodCounters, type StatsReporter} from '../../source/domain/envoy-stats.js';
const requestsName = 'istio_requests_total';
const bucketName = 'istio_request_duration_milliseconds_bucket';

/** One parsed sample line, or undefined for a line that is not one (comment, blank, malformed). */
interface Line {
	name: string;
	labels: Record<string, string>;
	value: number;
}

const escapes: Record<string, string> = {n: '\n', '\\': '\\', '"': '"'};

/** Parses `{a="x",b="y\"z"}` starting at `start` (the `{`); returns the labels and the index after `}`. */
function parseLabels(text: string, start: number): {labels: Record<string, string>; end: number} | undefined {
	const labels: Record<string, string> = {};
	let at = start + 1;
	while (at < text.length) {
		while (text[at] === ' ' || text[at] === ',') {
			at++;
		}

		if (text[at] === '}') {
			return {labels, end: at + 1};
		}

		const equals = text.indexOf('=', at);
		if (equals < 0 || text[equals + 1] !== '"') {
			return undefined;
		}

		const name = text.slice(at, equals).trim();
		let value = '';
		at = equals + 2;
		while (at < text.length && text[at] !== '"') {
			if (text[at] === '\\' && at + 1 < text.length) {
				const next = text[at + 1]!;
				value += escapes[next] ?? `\\${next}`;
				at += 2;
			} else {
				value += text[at];
				at++;
			}
		}

		if (at >= text.length) {
			return undefined;
		}

		labels[name] = value;
		at++;
	}

	return undefined;
}

/** A sample line of one of the two metrics meshtop reads; every other line is skipped without parsing its labels. */
function parseLine(line: string): Line | undefined {
	const name = line.startsWith(requestsName) ? requestsName : line.startsWith(bucketName) ? bucketName : undefined;
	if (name === undefined || line[name.length] !== '{') {
		return undefined;
	}

	const parsed = parseLabels(line, name.length);
	if (parsed === undefined) {
		return undefined;
	}

	// The value, then an optional timestamp.
	const [valueText] = line.slice(parsed.end).trim().split(/\s+/);
	const value = valueText === undefined || valueText === '' ? Number.NaN : Number(valueText);
	return {name, labels: parsed.labels, value};
}

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
 */
export function referenceParseEnvoyStats(text: string, reporter: StatsReporter): PodCounters {
	const counters = new Map<string, MutableCounters>();
	const of = (labels: Record<string, string>): MutableCounters => {
		const key = seriesKey(labels['destination_service_name'] ?? '', labels['destination_version'] ?? '');
		let entry = counters.get(key);
		if (entry === undefined) {
			entry = {requests: 0, successes: 0, buckets: new Map()};
			counters.set(key, entry);
		}

		return entry;
	};

	for (const raw of text.split('\n')) {
		const line = parseLine(raw);
		if (line === undefined || line.labels['reporter'] !== reporter || !Number.isFinite(line.value) || line.value < 0) {
			continue;
		}

		if (line.name === requestsName) {
			const entry = of(line.labels);
			entry.requests += line.value;
			if (!/^5\d\d$/.test(line.labels['response_code'] ?? '')) {
				entry.successes += line.value;
			}
		} else {
			const bound = parseBound(line.labels['le']);
			if (bound !== undefined) {
				const entry = of(line.labels);
				entry.buckets.set(bound, (entry.buckets.get(bound) ?? 0) + line.value);
			}
		}
	}

	return counters;
}
