/**
 * fast-check arbitraries of valid Istio VirtualServices (networking.istio.io/v1), built field by field from the CRD's
 * schema in data/istio/crds/networking-crds.yaml: every property the v1 schema declares for http, tcp and tls routes,
 * each string match as exactly one of exact/prefix/regex (the schema's oneOf), every duration a CEL-valid one
 * (`duration(self) >= duration('1ms')`), unsigned integers within 0..4294967295, int32 where the schema says int32.
 * The real API server judges: a generated object it rejects is a bug of these arbitraries.
 */
import fc from 'fast-check';
import {labelsArbitrary, annotationsArbitrary, dnsLabel, type FuzzObject, type Json} from './common.js';

/** Free text: any printable Unicode, as the schema's untyped strings allow. */
const text = fc.string({unit: 'grapheme', maxLength: 8});
/** A lowercase HTTP header name. */
const headerName = fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/);
const uint32 = fc.integer({min: 0, max: 4_294_967_295});
const port = fc.integer({min: 1, max: 65_535});
/** What the CEL rule accepts: a Go duration of at least 1 ms. */
const duration = fc.oneof(
	fc.tuple(fc.integer({min: 1, max: 99_999}), fc.constantFrom('ms', 's', 'm', 'h')).map(([n, unit]) => `${n}${unit}`),
	fc.tuple(fc.integer({min: 1, max: 59}), fc.integer({min: 1, max: 999})).map(([s, ms]) => `${s}.${String(ms).padStart(3, '0')}s`),
	fc.tuple(fc.integer({min: 1, max: 23}), fc.integer({min: 1, max: 59})).map(([h, m]) => `${h}h${m}m`),
);
const percentage = fc.record({value: fc.double({min: 0, max: 100, noNaN: true, noDefaultInfinity: true})});
/** StringMatch: exactly one of exact, prefix, regex. */
const stringMatch = fc.oneof(
	fc.record({exact: text}),
	fc.record({prefix: text}),
	fc.record({regex: fc.constantFrom('.*', '^/api/v[0-9]+', '[a-z]+', 'x|y')}),
);
const stringMap = fc.dictionary(headerName, text, {maxKeys: 3});
const headerOperations = fc.record({
	set: stringMap,
	add: stringMap,
	remove: fc.array(headerName, {maxLength: 3}),
}, {requiredKeys: []});
const headers = fc.record({request: headerOperations, response: headerOperations}, {requiredKeys: []});

/** Hosts destinations point at: short names, FQDNs, external hosts (the pool is small so collisions happen). */
export const destinationHost = fc.constantFrom('reviews', 'ratings', 'reviews.fuzz.svc.cluster.local', 'details.bookinfo.svc.cluster.local', 'httpbin.org');
const subset = fc.constantFrom('v1', 'v2', 'v3', 'canary', 'stable');
const destination = fc.record({
	host: destinationHost,
	subset,
	port: fc.record({number: port}),
}, {requiredKeys: ['host']});

const httpMatch = fc.record({
	name: text,
	uri: stringMatch,
	scheme: stringMatch,
	method: stringMatch,
	authority: stringMatch,
	headers: fc.dictionary(headerName, stringMatch, {maxKeys: 3}),
	withoutHeaders: fc.dictionary(headerName, stringMatch, {maxKeys: 2}),
	queryParams: fc.dictionary(headerName, stringMatch, {maxKeys: 2}),
	port: uint32,
	sourceLabels: fc.dictionary(dnsLabel, dnsLabel, {maxKeys: 2}),
	gateways: fc.array(fc.constantFrom('mesh', 'bookinfo/bookinfo-gateway'), {maxLength: 2}),
	sourceNamespace: dnsLabel,
	ignoreUriCase: fc.boolean(),
	statPrefix: text,
}, {requiredKeys: []});

/**
 * Weighted destinations of one route: one without a weight (Istio's implicit 100), absolute percentages, or relative
 * weights (Istio 1.15+) not summing to 100; meshtop must read all three and write integers summing to 100. Each weight
 * stays within 0..100, which Istio's validation (and the simulated API server) asks although the CRD schema does not.
 */
function weightedEntries<T extends Record<string, Json>>(entry: fc.Arbitrary<T>): fc.Arbitrary<Array<T & {weight?: number}>> {
	return fc.oneof(
		entry.map(single => [single]),
		fc.array(fc.tuple(entry, fc.integer({min: 0, max: 100})), {minLength: 1, maxLength: 5}).map(pairs => pairs.map(([item, weight]) => ({...item, weight}))),
		fc.array(fc.tuple(entry, fc.integer({min: 1, max: 100})), {minLength: 2, maxLength: 4}).map(pairs => pairs.map(([item, weight]) => ({...item, weight}))),
	);
}

const httpRouteDestination = fc.record({destination, headers}, {requiredKeys: ['destination']});

/** What an http route does: route (weighted destinations), redirect, directResponse or delegate. */
const httpAction = fc.oneof(
	{weight: 6, arbitrary: weightedEntries(httpRouteDestination).map(route => ({route}))},
	{weight: 1, arbitrary: fc.record({redirect: fc.oneof(
		fc.record({uri: text, authority: dnsLabel, redirectCode: fc.constantFrom(301, 302, 307, 308), scheme: fc.constantFrom('http', 'https'), port: uint32}, {requiredKeys: []}),
		fc.record({uri: text, derivePort: fc.constantFrom('FROM_PROTOCOL_DEFAULT', 'FROM_REQUEST_PORT')}, {requiredKeys: ['derivePort']}),
	)})},
	{weight: 1, arbitrary: fc.record({directResponse: fc.record({
		status: fc.integer({min: 200, max: 599}),
		// The API server's byte format refuses an empty string (found by the chaos row: 4 of 1,000 rejected).
		body: fc.oneof(fc.record({string: text}), fc.uint8Array({minLength: 1, maxLength: 12}).map(bytes => ({bytes: Buffer.from(bytes).toString('base64')}))),
	}, {requiredKeys: ['status']})})},
	{weight: 1, arbitrary: fc.record({delegate: fc.record({name: dnsLabel, namespace: dnsLabel}, {requiredKeys: ['name']})})},
);

const httpDecorations = fc.record({
	name: text,
	match: fc.array(httpMatch, {maxLength: 3}),
	rewrite: fc.record({uri: text, authority: dnsLabel}, {requiredKeys: []}),
	timeout: duration,
	retries: fc.record({
		attempts: fc.integer({min: 0, max: 10}),
		perTryTimeout: duration,
		retryOn: fc.constantFrom('5xx', 'gateway-error,connect-failure,refused-stream', 'retriable-4xx'),
		retryRemoteLocalities: fc.boolean(),
		retryIgnorePreviousHosts: fc.boolean(),
		backoff: duration,
	}, {requiredKeys: []}),
	fault: fc.record({
		delay: fc.record({fixedDelay: duration, percentage}, {requiredKeys: ['fixedDelay']}),
		abort: fc.oneof(fc.record({httpStatus: fc.integer({min: 400, max: 599}), percentage}), fc.record({grpcStatus: fc.constantFrom('UNAVAILABLE', 'INTERNAL')})),
	}, {requiredKeys: []}),
	mirror: destination,
	mirrorPercentage: percentage,
	mirrors: fc.array(fc.record({destination, percentage}, {requiredKeys: ['destination']}), {maxLength: 2}),
	corsPolicy: fc.record({
		allowOrigins: fc.array(stringMatch, {maxLength: 3}),
		allowMethods: fc.array(fc.constantFrom('GET', 'POST', 'PUT', 'DELETE'), {maxLength: 3}),
		allowHeaders: fc.array(headerName, {maxLength: 3}),
		exposeHeaders: fc.array(headerName, {maxLength: 3}),
		maxAge: duration,
		allowCredentials: fc.boolean(),
		unmatchedPreflights: fc.constantFrom('UNSPECIFIED', 'FORWARD', 'IGNORE'),
	}, {requiredKeys: []}),
	headers,
}, {requiredKeys: []});

const httpRoute = fc.tuple(httpDecorations, httpAction).map(([decorations, action]) => ({...decorations, ...action}));
const routedHttpRoute = fc.tuple(httpDecorations, weightedEntries(httpRouteDestination)).map(([decorations, route]) => ({...decorations, route}));
const l4Destination = fc.record({destination});
const l4Match = {
	destinationSubnets: fc.array(fc.constantFrom('10.0.0.0/8', '192.168.1.0/24', '1.2.3.4'), {maxLength: 2}),
	port: uint32,
	sourceLabels: fc.dictionary(dnsLabel, dnsLabel, {maxKeys: 2}),
	gateways: fc.array(fc.constantFrom('mesh', 'bookinfo/bookinfo-gateway'), {maxLength: 2}),
	sourceNamespace: dnsLabel,
};
const tcpRoute = fc.record({
	match: fc.array(fc.record({...l4Match, sourceSubnet: fc.constantFrom('10.1.0.0/16', '')}, {requiredKeys: []}), {maxLength: 2}),
	route: weightedEntries(l4Destination),
}, {requiredKeys: []});
const tlsRoute = fc.record({
	match: fc.array(fc.record({...l4Match, sniHosts: fc.array(fc.constantFrom('a.example.com', '*.example.org'), {minLength: 1, maxLength: 2})}, {requiredKeys: ['sniHosts']}), {minLength: 1, maxLength: 2}),
	route: weightedEntries(l4Destination),
}, {requiredKeys: ['match']});

/** A VirtualService spec: at least one routed http rule first unless it is a delegate (no hosts). */
const virtualServiceSpec = fc.record({
	hosts: fc.array(fc.constantFrom('reviews', 'reviews.example.com', '*.example.org', 'ratings.fuzz.svc.cluster.local'), {minLength: 1, maxLength: 3}),
	gateways: fc.array(fc.constantFrom('mesh', 'bookinfo/bookinfo-gateway'), {maxLength: 2}),
	exportTo: fc.array(fc.constantFrom('.', '*', 'bookinfo'), {maxLength: 2}),
	first: routedHttpRoute,
	more: fc.array(httpRoute, {maxLength: 4}),
	tcp: fc.array(tcpRoute, {maxLength: 2}),
	tls: fc.array(tlsRoute, {maxLength: 2}),
	delegate: fc.boolean(),
	shuffle: fc.nat(),
}, {requiredKeys: ['first', 'more', 'hosts', 'delegate', 'shuffle']}).map(parts => {
	// The routed rule goes anywhere among the others, so meshtop's index arithmetic meets every position.
	const http: Json[] = [...parts.more] as Json[];
	http.splice(parts.shuffle % (http.length + 1), 0, parts.first as Json);
	const spec: Record<string, Json> = {http};
	// One in eight is a delegate VirtualService: no hosts, only reachable through a root's delegate (read-only for meshtop).
	if (!(parts.delegate && parts.shuffle % 4 === 0)) {
		spec['hosts'] = parts.hosts;
	}

	for (const key of ['gateways', 'exportTo', 'tcp', 'tls'] as const) {
		if (parts[key] !== undefined) {
			spec[key] = parts[key];
		}
	}

	return spec;
});

/** A VirtualService (without metadata.name: the round trip names each case) with labels and annotations of any shape the API allows. */
export const virtualServiceArbitrary: fc.Arbitrary<FuzzObject> = fc.record({spec: virtualServiceSpec, labels: labelsArbitrary, annotations: annotationsArbitrary})
	.map(({spec, labels, annotations}) => ({
		apiVersion: 'networking.istio.io/v1',
		kind: 'VirtualService',
		metadata: {labels, annotations},
		spec,
	}));
