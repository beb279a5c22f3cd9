import assert from 'node:assert/strict';
import {test} from 'node:test';
import v8 from 'node:v8';
import vm from 'node:vm';
import fc from 'fast-check';
import {EnvoyLineMemory, envoyStatsFilter, parseEnvoyStats, type PodCounters} from '../../source/domain/envoy-stats.js';
import {referenceParseEnvoyStats} from '../helpers/envoy-stats-reference.js';

/** Counters as plain data, series and buckets in a fixed order, for deepEqual. */
function plain(counters: PodCounters): unknown {
	return [...counters].sort(([a], [b]) => a.localeCompare(b)).map(([key, series]) => [key, series.requests, series.successes, [...series.buckets].sort(([a], [b]) => a - b)]);
}

// Pieces of an Envoy exposition, well-formed and not: the two metrics and their neighbours, labels meshtop reads and
// labels it skips (escapes, spaces, duplicates, a name like __proto__), values Prometheus allows and garbage.
const name = fc.constantFrom('istio_requests_total', 'istio_request_duration_milliseconds_bucket', 'istio_requests_total', 'istio_request_duration_milliseconds_bucket', 'istio_request_duration_milliseconds_sum', 'istio_requests_totalx', ' istio_requests_total', 'envoy_cluster_upstream_rq_total', 'istio_request_bytes_bucket');
const labelName = fc.constantFrom('reporter', 'destination_service_name', 'destination_version', 'response_code', 'le', ' le', 'source_workload', 'connection_security_policy', '__proto__', 'constructor');
const labelValue = fc.constantFrom('destination', 'waypoint', 'source', 'reviews', 'ratings', 'v1', 'v3', '', '200', '503', '5xx', '404', '10', '+Inf', '0.5', 'x', String.raw`a\"b`, String.raw`c\\d`, String.raw`e\nf`, String.raw`g\qh`, 'a,b}', String.raw`tail\\`);
const label = fc.tuple(labelName, labelValue, fc.constantFrom(',', ' , ', ',')).map(([key, value, separator]) => `${key}="${value}"${separator}`);
const value = fc.constantFrom('90', '1e3', '0', '3', '4', '-4', 'NaN', '+Inf', '', ' 5 1700000000000', '7\r', '0x10', 'abc', '12.5');
// Most samples are the reporter's (or nothing would be compared beyond the reporter check), labels in any order.
const reporterLabel = fc.constantFrom('reporter="destination",', 'reporter="waypoint",', 'reporter="destination",', 'reporter="source",');
// A sample's text before its value: name and labels.
const sampleHead = fc.tuple(name, fc.array(label, {maxLength: 6}), reporterLabel, fc.nat(6), fc.constantFrom('}', '}', '}', '', '}}'))
	.map(([metric, labels, reporter, at, close]) => {
		const all = [...labels.slice(0, at), reporter, ...labels.slice(at)];
		return `${metric}{${all.join('').replace(/[ ,]+$/, '')}${close}`;
	});
const sample = fc.tuple(sampleHead, value).map(([head, number]) => `${head} ${number}`);
const line = fc.oneof(
	{weight: 6, arbitrary: sample},
	fc.constantFrom('# TYPE istio_requests_total counter', '', 'istio_requests_total 5', 'istio_requests_total{', 'istio_requests_total{reporter="destination', '<html>error</html>'),
);
const exposition = fc.tuple(fc.array(line, {maxLength: 30}), fc.constantFrom('\n', '')).map(([lines, end]) => lines.join('\n') + end);

test('the lean parser reads every exposition as the full parser did', () => {
	fc.assert(fc.property(exposition, fc.constantFrom('destination', 'waypoint') , (text, reporter) => {
		assert.deepEqual(plain(parseEnvoyStats(text, reporter)), plain(referenceParseEnvoyStats(text, reporter)));
	}), {numRuns: 2000});
});

// Reads of one pod: the same few heads again and again (as an Envoy answers), each time with values of that read.
const reads = fc.tuple(fc.array(sampleHead, {minLength: 1, maxLength: 6}), fc.array(fc.array(fc.tuple(fc.nat(), value, fc.nat(9)), {maxLength: 12}), {minLength: 2, maxLength: 5}))
	.map(([heads, texts]) => texts.map(lines => lines.map(([index, number, other]) => other === 0 ? '# TYPE istio_requests_total counter' : `${heads[index % heads.length]!} ${number}`).join('\n')));

test('with a memory of earlier reads, every read of a sequence is read as the full parser reads it alone', () => {
	fc.assert(fc.property(fc.oneof(reads, fc.array(exposition, {minLength: 2, maxLength: 5})), fc.constantFrom('destination', 'waypoint'), fc.constantFrom(4096, 3), (texts, reporter, limit) => {
		const memory = new EnvoyLineMemory(reporter, limit);
		for (const text of texts) {
			assert.deepEqual(plain(parseEnvoyStats(text, reporter, memory)), plain(referenceParseEnvoyStats(text, reporter)));
		}
	}), {numRuns: 1000});
});

test('a line read before gets the meaning it had, with the value of this read; a memory of another reporter is not used', () => {
	const line = (value: number, code = '200') => `istio_requests_total{reporter="destination",destination_service_name="reviews",destination_version="v3",response_code="${code}"} ${value}\n`;
	const memory = new EnvoyLineMemory('destination');
	assert.equal(parseEnvoyStats(line(5) + line(2, '503'), 'destination', memory).get('reviews\u0000v3')?.successes, 5);
	const again = parseEnvoyStats(line(9) + line(4, '503'), 'destination', memory).get('reviews\u0000v3')!;
	assert.deepEqual([again.requests, again.successes], [13, 9]);
	assert.equal(parseEnvoyStats(line(9), 'waypoint', memory).size, 0);
});

test('a sample on the first line and on the last line without a newline are both read', () => {
	const text = 'istio_requests_total{reporter="destination",destination_service_name="reviews",response_code="200"} 2\n# x\nistio_requests_total{reporter="destination",destination_service_name="reviews",response_code="503"} 3';
	const series = [...parseEnvoyStats(text, 'destination').values()];
	assert.equal(series.length, 1);
	assert.equal(series[0]!.requests, 5);
	assert.equal(series[0]!.successes, 2);
});

test('the memory keeps copies of the lines it remembers, not the reads they came from', () => {
	v8.setFlagsFromString('--expose-gc');
	const gc = vm.runInNewContext('gc') as () => void;
	const memory = new EnvoyLineMemory('destination');
	gc();
	const before = process.memoryUsage().heapUsed;
	for (let read = 0; read < 40; read++) {
		// A megabyte of other stats before each line, as a sidecar's unfiltered answer has.
		const text = `# ${'x'.repeat(1_000_000)}${read}\nistio_requests_total{reporter="destination",destination_service_name="s${read}"} 1\n`;
		assert.equal(parseEnvoyStats(text, 'destination', memory).size, 1);
	}

	gc();
	const grownMb = (process.memoryUsage().heapUsed - before) / 1024 / 1024;
	assert.ok(grownMb < 10, `40 reads of 1 MB left ${grownMb.toFixed(1)} MB behind`);
});

test("the read's filter lets through Istio's request counter and duration histogram, not a sidecar's other stats", () => {
	// Envoy matches the regex anywhere in a stat's name (RE2 partial match), as RegExp.test does.
	const filter = new RegExp(decodeURIComponent(envoyStatsFilter), 'u');
	const names = [
		'istio_requests_total', 'istio_request_duration_milliseconds', 'istio_request_bytes', 'istio_response_bytes',
		'istio_tcp_sent_bytes_total', 'istio_tcp_connections_opened_total', 'envoy_cluster_upstream_rq_total', 'envoy_server_live',
	];
	assert.deepEqual(names.filter(name => filter.test(name)), ['istio_requests_total', 'istio_request_duration_milliseconds']);
	assert.doesNotMatch(envoyStatsFilter, /\|/, 'URL-encoded in the query');
});
