/**
 * fast-check arbitraries of valid Gateway API HTTPRoutes (gateway.networking.k8s.io/v1, the v1.6.1 standard CRD in
 * data/gateway-api/crds/httproutes.yaml), field by field from its schema: parentRefs to a Gateway or a Service (mesh),
 * hostnames, up to several rules with matches (path, headers, query params, method), filters of every standard type
 * (RequestMirror included, at rule and backend level), timeouts and weighted backendRefs. The CEL rules are honoured by
 * construction: a filter's type names its one member; no filter type repeats (RequestMirror may); RequestRedirect never
 * beside backendRefs nor with URLRewrite; ReplacePrefixMatch only under exactly one PathPrefix match; a Service
 * backend always has a port; mirror percent xor fraction with numerator ≤ denominator; backendRequest ≤ request.
 */
import fc from 'fast-check';
import {annotationsArbitrary, dnsLabel, labelsArbitrary, type FuzzObject, type Json} from './common.js';

const headerName = fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,10}$/);
const headerValue = fc.string({unit: 'grapheme', minLength: 1, maxLength: 10});
const port = fc.integer({min: 1, max: 65_535});
const hostname = fc.tuple(dnsLabel, fc.constantFrom('example.com', 'example.org', 'internal')).map(([label, domain]) => `${label}.${domain}`);
/** A path the CEL rules accept for Exact and PathPrefix: absolute, no //, /./, /../, #, %2f, no trailing /. or /.. */
const cleanPath = fc.array(fc.stringMatching(/^[A-Za-z0-9_~-]{1,8}$/), {maxLength: 3}).map(parts => `/${parts.join('/')}`);

const pathMatch = fc.oneof(
	fc.record({type: fc.constantFrom('Exact', 'PathPrefix'), value: cleanPath}),
	fc.record({type: fc.constant('RegularExpression'), value: fc.constantFrom('/api/v[0-9]+/.*', '.*', '/(a|b)')}),
);
const match = fc.record({
	path: pathMatch,
	headers: fc.uniqueArray(fc.record({type: fc.constantFrom('Exact', 'RegularExpression'), name: headerName, value: headerValue}, {requiredKeys: ['name', 'value']}), {maxLength: 3, selector: header => header.name.toLowerCase()}),
	queryParams: fc.uniqueArray(fc.record({type: fc.constantFrom('Exact', 'RegularExpression'), name: headerName, value: headerValue}, {requiredKeys: ['name', 'value']}), {maxLength: 2, selector: parameter => parameter.name}),
	method: fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH'),
}, {requiredKeys: []});

const headerPairs = fc.uniqueArray(fc.record({name: headerName, value: headerValue}), {maxLength: 3, selector: header => header.name.toLowerCase()});
const headerModifier = fc.record({set: headerPairs, add: headerPairs, remove: fc.uniqueArray(headerName, {maxLength: 3, selector: name => name.toLowerCase()})}, {requiredKeys: []});
const serviceRef = fc.record({name: dnsLabel, namespace: dnsLabel, port}, {requiredKeys: ['name', 'port']});
const mirror = fc.record({
	backendRef: serviceRef,
	share: fc.oneof(
		fc.constant({}),
		fc.integer({min: 0, max: 100}).map(percent => ({percent})),
		fc.tuple(fc.integer({min: 1, max: 1000}), fc.nat()).map(([denominator, n]) => ({fraction: {numerator: n % (denominator + 1), denominator}})),
	),
}).map(({backendRef, share}) => ({type: 'RequestMirror', requestMirror: {backendRef, ...share}}));
const cors = fc.record({
	allowOrigins: fc.oneof(fc.constant(['*']), fc.uniqueArray(hostname.map(host => `https://${host}`), {maxLength: 3})),
	allowMethods: fc.oneof(fc.constant(['*']), fc.uniqueArray(fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'OPTIONS'), {maxLength: 3})),
	allowHeaders: fc.uniqueArray(headerName, {maxLength: 3}),
	exposeHeaders: fc.uniqueArray(headerName, {maxLength: 3}),
	maxAge: fc.integer({min: 1, max: 86_400}),
	allowCredentials: fc.boolean(),
}, {requiredKeys: []}).map(value => ({type: 'CORS', cors: value}));
const rewritePath = fc.oneof(
	cleanPath.map(value => ({type: 'ReplaceFullPath', replaceFullPath: value})),
	cleanPath.map(value => ({type: 'ReplacePrefixMatch', replacePrefixMatch: value})),
);
const urlRewrite = fc.record({hostname, path: rewritePath}, {requiredKeys: []}).map(value => ({type: 'URLRewrite', urlRewrite: value}));
const redirect = fc.record({
	scheme: fc.constantFrom('http', 'https'),
	hostname,
	path: rewritePath,
	port,
	statusCode: fc.constantFrom(301, 302, 303, 307, 308),
}, {requiredKeys: []}).map(value => ({type: 'RequestRedirect', requestRedirect: value}));

type Filter = {type: string; [key: string]: Json};

/** Filters of one list: each non-mirror type at most once, mirrors any number of times; redirect only when allowed. */
function filters(withRedirect: boolean): fc.Arbitrary<Filter[]> {
	return fc.record({
		request: fc.option(headerModifier.map(value => ({type: 'RequestHeaderModifier', requestHeaderModifier: value}))),
		response: fc.option(headerModifier.map(value => ({type: 'ResponseHeaderModifier', responseHeaderModifier: value}))),
		mirrors: fc.array(mirror, {maxLength: 2}),
		cors: fc.option(cors),
		path: fc.option(withRedirect ? fc.oneof(urlRewrite, redirect) : urlRewrite),
		extension: fc.option(fc.record({group: fc.constant('example.com'), kind: fc.constant('Plugin'), name: dnsLabel}).map(value => ({type: 'ExtensionRef', extensionRef: value}))),
		order: fc.nat(),
	}).map(parts => {
		const list = [parts.request, parts.response, ...parts.mirrors, parts.cors, parts.path, parts.extension].filter(filter => filter !== null) as Filter[];
		// Rotated, so the order of filters is not always the same.
		const shift = list.length === 0 ? 0 : parts.order % list.length;
		return [...list.slice(shift), ...list.slice(0, shift)];
	});
}

const usesPrefixRewrite = (list: readonly Filter[]) => list.some(filter => {
	const path = (filter['urlRewrite'] as {path?: {type?: string}} | undefined)?.path ?? (filter['requestRedirect'] as {path?: {type?: string}} | undefined)?.path;
	return path?.type === 'ReplacePrefixMatch';
});

/** A backend: mostly a Service with a port (weighable), sometimes another kind, which makes the rule read-only. */
const backendName = fc.constantFrom('reviews-v1', 'reviews-v2', 'reviews-v3', 'reviews', 'ratings');
const backend = fc.oneof(
	{weight: 12, arbitrary: fc.record({name: backendName, port: fc.constantFrom(9080, 8080), group: fc.constant(''), kind: fc.constant('Service'), filters: filters(false)}, {requiredKeys: ['name', 'port']})},
	{weight: 1, arbitrary: fc.record({name: dnsLabel, group: fc.constant('example.com'), kind: fc.constant('Bucket')})},
);
const weightedBackends = fc.oneof(
	fc.uniqueArray(backend, {minLength: 1, maxLength: 4, selector: entry => entry.name}),
	fc.uniqueArray(fc.tuple(backend, fc.integer({min: 0, max: 1_000_000})), {minLength: 1, maxLength: 4, selector: ([entry]) => entry.name})
		.map(pairs => pairs.map(([entry, weight]) => ({...entry, weight}))),
);
const timeout = fc.tuple(fc.integer({min: 1, max: 600}), fc.constantFrom('ms', 's', 'm'));
const timeouts = fc.record({request: timeout, backendRequest: timeout}, {requiredKeys: []}).map(pair => {
	const asMs = ([n, unit]: [number, string]) => n * (unit === 'ms' ? 1 : unit === 's' ? 1000 : 60_000);
	const out: Record<string, string> = {};
	if (pair.request !== undefined) {
		out['request'] = pair.request.join('');
	}

	// The CEL rule: a backendRequest timeout may not exceed the request timeout.
	if (pair.backendRequest !== undefined && (pair.request === undefined || asMs(pair.backendRequest) <= asMs(pair.request))) {
		out['backendRequest'] = pair.backendRequest.join('');
	}

	return out;
});

/** A rule with backends (weighable unless one is not a Service), or a redirect rule without any. */
const rule = fc.record({
	name: fc.option(dnsLabel),
	matches: fc.array(match, {maxLength: 4}),
	backends: fc.option(weightedBackends, {freq: 6}),
	filterList: fc.boolean(),
	timeouts: fc.option(timeouts),
}).chain(parts => filters(parts.backends === null).map(list => {
	const out: Record<string, Json> = {};
	if (parts.name !== null) {
		out['name'] = parts.name;
	}

	// ReplacePrefixMatch (in a rule filter or a backend filter) needs exactly one PathPrefix match.
	const prefixRewrite = usesPrefixRewrite(list) || (parts.backends ?? []).some(entry => usesPrefixRewrite((entry as {filters?: Filter[]}).filters ?? []));
	out['matches'] = prefixRewrite ? [{path: {type: 'PathPrefix', value: '/fuzz'}}] : parts.matches;
	if (parts.filterList || parts.backends === null) {
		out['filters'] = list;
	}

	if (parts.backends !== null) {
		out['backendRefs'] = parts.backends;
	}

	if (parts.timeouts !== null) {
		out['timeouts'] = parts.timeouts;
	}

	return out;
}));

const parentRef = fc.oneof(
	fc.record({group: fc.constant('gateway.networking.k8s.io'), kind: fc.constant('Gateway'), name: dnsLabel, namespace: dnsLabel, sectionName: dnsLabel, port}, {requiredKeys: ['name']}),
	fc.record({group: fc.constant(''), kind: fc.constant('Service'), name: fc.constantFrom('reviews', 'ratings'), port: fc.constant(9080)}, {requiredKeys: ['group', 'kind', 'name']}),
);

/** An HTTPRoute (without metadata.name: the round trip names each case); its first weighable rule may sit anywhere. */
export const httpRouteArbitrary: fc.Arbitrary<FuzzObject> = fc.record({
	// Distinct parents after defaulting (the CEL rules ask for a sectionName as soon as a parent repeats).
	parentRefs: fc.uniqueArray(parentRef, {maxLength: 3, selector: ref => `${ref.group ?? 'gateway.networking.k8s.io'}/${ref.kind ?? 'Gateway'}/${ref.name}/${'namespace' in ref ? ref.namespace ?? '' : ''}`}),
	hostnames: fc.uniqueArray(fc.oneof(hostname, hostname.map(host => `*.${host}`)), {maxLength: 3}),
	rules: fc.array(rule, {minLength: 1, maxLength: 6}),
	labels: labelsArbitrary,
	annotations: annotationsArbitrary,
}, {requiredKeys: ['rules', 'labels', 'annotations']}).map(({labels, annotations, ...spec}) => ({
	apiVersion: 'gateway.networking.k8s.io/v1',
	kind: 'HTTPRoute',
	metadata: {labels, annotations},
	spec: spec,
}));
