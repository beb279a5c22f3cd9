import {readdirSync} from 'node:fs';
import {describe, test} from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {readIstioYaml, istioDataDir} from '../../source/sim/istio-data.js';
import {
	resolveHost, routesOf, validateVirtualService, type Route, type VirtualService,
} from '../../source/domain/virtual-service.js';
import {summarizeMatch} from '../../source/domain/route-match.js';
import {bookinfoRules, bookinfoVs as sharedBookinfoVs} from '../helpers/bookinfo.js';

const rules = bookinfoRules;

function bookinfoVs(file: string, name = 'reviews'): VirtualService {
	return sharedBookinfoVs(file, name, '1');
}

function vs(spec: Record<string, unknown>, metadata: Partial<VirtualService['metadata']> = {}): VirtualService {
	return {apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: {name: 'reviews', namespace: 'bookinfo', ...metadata}, spec};
}

const summary = (route: Route | undefined): Array<[string, number, number | undefined]> =>
	(route?.destinations ?? []).map(destination => [destination.key, destination.weight, destination.index]);

describe('routesOf on the Bookinfo fixtures', () => {
	const files = readdirSync(`${istioDataDir}bookinfo`).filter(file => file.startsWith('virtual-service-'));

	test('there are fixtures to check', () => {
		assert.ok(files.length >= 6);
	});

	for (const file of files) {
		test(`${file}: every VirtualService is valid, every route editable, splits sum to 100, no problems`, () => {
			const documents = readIstioYaml(`bookinfo/${file}`);
			assert.ok(documents.length > 0);
			for (const document of documents) {
				const checked = validateVirtualService(document);
				assert.ok(checked.ok, checked.ok ? '' : checked.errors.join('; '));
				for (const route of routesOf(checked.vs, rules)) {
					assert.equal(route.editable, true);
					assert.equal(route.kind, 'http');
					assert.equal(route.destinations.reduce((total, destination) => total + destination.weight, 0), 100);
					assert.equal(new Set(route.destinations.map(destination => destination.key)).size, route.destinations.length);
					assert.ok(route.destinations.every(destination => destination.problem === undefined));
				}
			}
		});
	}

	test('all-v1 reviews with destination-rule-all: v1 100, v2 and v3 appended at 0 without index', () => {
		const routes = routesOf(bookinfoVs('virtual-service-all-v1.yaml'), rules);
		assert.equal(routes.length, 1);
		const [route] = routes;
		assert.equal(route?.name, 'http[0]');
		assert.equal(route?.match, 'default');
		assert.equal(route?.editable, true);
		assert.equal(route?.readOnlyReason, undefined);
		assert.deepEqual(summary(route), [['v1', 100, 0], ['v2', 0, undefined], ['v3', 0, undefined]]);
		assert.deepEqual(route?.destinations.map(destination => [destination.host, destination.subset]), [['reviews', 'v1'], ['reviews', 'v2'], ['reviews', 'v3']]);
		assert.deepEqual(route?.destinations[2]?.metric, {service: 'reviews', namespace: 'bookinfo', version: 'v3'});
	});

	test('all-v1 productpage: its DestinationRule has only v1, nothing appended', () => {
		const routes = routesOf(bookinfoVs('virtual-service-all-v1.yaml', 'productpage'), rules);
		assert.deepEqual(summary(routes[0]), [['v1', 100, 0]]);
	});

	test('without DestinationRules only the route destinations are shown', () => {
		assert.deepEqual(summary(routesOf(bookinfoVs('virtual-service-all-v1.yaml'))[0]), [['v1', 100, 0]]);
	});

	test('80-20: configured weights, v3 appended', () => {
		assert.deepEqual(summary(routesOf(bookinfoVs('virtual-service-reviews-80-20.yaml'), rules)[0]), [['v1', 80, 0], ['v2', 20, 1], ['v3', 0, undefined]]);
	});

	test('test-v2: two http routes, the header match and the default', () => {
		const routes = routesOf(bookinfoVs('virtual-service-reviews-test-v2.yaml'), rules);
		assert.deepEqual(routes.map(route => [route.name, route.match, route.index]), [
			['http[0]', 'headers end-user exact jason', 0],
			['http[1]', 'default', 1],
		]);
		assert.deepEqual(summary(routes[0]), [['v2', 100, 0], ['v1', 0, undefined], ['v3', 0, undefined]]);
		assert.deepEqual(summary(routes[1]), [['v1', 100, 0], ['v2', 0, undefined], ['v3', 0, undefined]]);
	});
});

describe('routesOf on constructed VirtualServices', () => {
	test('host-per-version: keys are hosts, metrics are per service and any version', () => {
		const [route] = routesOf(vs({
			hosts: ['reviews'],
			http: [{name: 'split', route: [
				{destination: {host: 'reviews-v1.bookinfo.svc.cluster.local'}, weight: 90},
				{destination: {host: 'reviews-v2'}, weight: 10},
			]}],
		}), []);
		assert.equal(route?.name, 'split');
		assert.deepEqual(summary(route), [['reviews-v1.bookinfo.svc.cluster.local', 90, 0], ['reviews-v2', 10, 1]]);
		assert.deepEqual(route?.destinations.map(destination => destination.metric), [
			{service: 'reviews-v1', namespace: 'bookinfo'},
			{service: 'reviews-v2', namespace: 'bookinfo'},
		]);
		assert.ok(route?.destinations.every(destination => destination.problem === undefined && destination.subset === undefined));
	});

	test('tcp and tls routes are read-only with the reason', () => {
		const routes = routesOf(vs({
			hosts: ['mongo'],
			tcp: [{match: [{port: 27_017}], route: [{destination: {host: 'mongo', subset: 'v1'}, weight: 100}]}],
			tls: [{match: [{port: 443, sniHosts: ['login.example.com']}], route: [{destination: {host: 'login'}}]}],
		}), rules);
		assert.deepEqual(routes.map(route => [route.kind, route.name, route.match, route.editable]), [
			['tcp', 'tcp[0]', 'port 27017', false],
			['tls', 'tls[0]', 'port 443, sni login.example.com', false],
		]);
		assert.match(routes[0]?.readOnlyReason ?? '', /TCP route/);
		assert.match(routes[1]?.readOnlyReason ?? '', /TLS route/);
		assert.deepEqual(summary(routes[0]), [['v1', 100, 0]]);
	});

	test('a delegate VirtualService (no hosts) is read-only, and so is the root route that delegates', () => {
		const [child] = routesOf(vs({http: [{route: [{destination: {host: 'reviews', subset: 'v1'}}]}]}), rules);
		assert.equal(child?.editable, false);
		assert.match(child?.readOnlyReason ?? '', /delegate VirtualService/);
		const [root] = routesOf(vs({hosts: ['bookinfo.example.com'], http: [{match: [{uri: {prefix: '/reviews'}}], delegate: {name: 'reviews'}}]}));
		assert.equal(root?.editable, false);
		assert.equal(root?.match, 'uri prefix /reviews');
		assert.equal(root?.readOnlyReason, 'delegates to VirtualService bookinfo/reviews: edit that one');
		assert.deepEqual(root?.destinations, []);
	});

	test('redirect, direct response and empty routes are read-only', () => {
		const routes = routesOf(vs({hosts: ['reviews'], http: [
			{redirect: {uri: '/v2'}},
			{directResponse: {status: 503}},
			{route: []},
		]}));
		assert.deepEqual(routes.map(route => route.editable), [false, false, false]);
		assert.match(routes[0]?.readOnlyReason ?? '', /redirect/);
		assert.match(routes[1]?.readOnlyReason ?? '', /direct response/);
		assert.equal(routes[2]?.readOnlyReason, 'no destinations');
	});

	test('a subset missing from the DestinationRule is flagged; without any rule, the missing rule is named', () => {
		const spec = {hosts: ['reviews'], http: [{route: [
			{destination: {host: 'reviews', subset: 'v1'}, weight: 50},
			{destination: {host: 'reviews', subset: 'v4'}, weight: 50},
		]}]};
		const [route] = routesOf(vs(spec), rules);
		assert.equal(route?.destinations[0]?.problem, undefined);
		assert.equal(route?.destinations[1]?.problem, 'subset v4 is not defined in DestinationRule reviews: Istio answers 503 (NR)');
		const [noRule] = routesOf(vs(spec), []);
		assert.match(noRule?.destinations[0]?.problem ?? '', /needs a DestinationRule for host reviews, none found/);
		const [unknown] = routesOf(vs(spec));
		assert.ok(unknown?.destinations.every(destination => destination.problem === undefined));
	});

	test('the metric version comes from the subset labels, not its name', () => {
		const [route] = routesOf(vs({hosts: ['reviews'], http: [{route: [{destination: {host: 'reviews.bookinfo.svc.cluster.local', subset: 'stable'}}]}]}), [
			{host: 'reviews', subsets: [{name: 'stable', labels: {version: 'v1'}}, {name: 'canary', labels: {app: 'reviews', 'app.kubernetes.io/version': 'v3'}}]},
		]);
		assert.deepEqual(route?.destinations.map(destination => [destination.key, destination.host, destination.metric.version]), [
			['stable', 'reviews.bookinfo.svc.cluster.local', 'v1'],
			['canary', 'reviews.bookinfo.svc.cluster.local', 'v3'],
		]);
	});

	test('relative weights are normalized; colliding subset names are keyed by host', () => {
		const [route] = routesOf(vs({hosts: ['reviews'], http: [{route: [
			{destination: {host: 'reviews', subset: 'v1'}, weight: 1},
			{destination: {host: 'reviews-canary', subset: 'v1'}, weight: 1},
			{destination: {host: 'reviews', subset: 'v2'}, weight: 1},
		]}]}));
		assert.deepEqual(summary(route), [['reviews/v1', 34, 0], ['reviews-canary/v1', 33, 1], ['v2', 33, 2]]);
	});

	test('malformed destinations do not throw and are flagged', () => {
		const [route] = routesOf(vs({hosts: ['reviews'], http: [{route: [{weight: 100}, 'junk']}]}));
		assert.equal(route?.destinations.length, 2);
		assert.match(route?.destinations[0]?.problem ?? '', /no host/);
	});

	test('property: keys unique, in-route destinations in array order, appended ones at 0, weights sum to 100 or all 0', () => {
		const destination = fc.record({
			host: fc.constantFrom('reviews', 'reviews.bookinfo.svc.cluster.local', 'ratings', 'reviews-v2'),
			subset: fc.option(fc.constantFrom('v1', 'v2', 'v3', 'v4'), {nil: undefined}),
			weight: fc.option(fc.nat(100), {nil: undefined}),
		}).map(({host, subset, weight}) => ({destination: subset === undefined ? {host} : {host, subset}, ...(weight === undefined ? {} : {weight})}));
		fc.assert(fc.property(fc.array(destination, {minLength: 1, maxLength: 6}), entries => {
			const [route] = routesOf(vs({hosts: ['reviews'], http: [{route: entries}]}), rules);
			assert.ok(route);
			assert.equal(new Set(route.destinations.map(item => item.key)).size, route.destinations.length);
			const inRoute = route.destinations.filter(item => item.index !== undefined);
			assert.deepEqual(inRoute.map(item => item.index), entries.map((_, index) => index));
			assert.ok(route.destinations.slice(entries.length).every(item => item.index === undefined && item.weight === 0 && item.subset !== undefined));
			const total = route.destinations.reduce((sum, item) => sum + item.weight, 0);
			assert.ok(total === 100 || route.destinations.every(item => item.weight === 0));
		}));
	});
});

describe('resolveHost and summarizeMatch', () => {
	test('resolveHost follows Istio: short names in the VirtualService namespace, svc names split, others external', () => {
		assert.deepEqual(resolveHost('reviews', 'bookinfo'), {service: 'reviews', namespace: 'bookinfo'});
		assert.deepEqual(resolveHost('reviews'), {service: 'reviews'});
		assert.deepEqual(resolveHost('reviews.bookinfo.svc.cluster.local', 'other'), {service: 'reviews', namespace: 'bookinfo'});
		assert.deepEqual(resolveHost('reviews.bookinfo.svc', 'other'), {service: 'reviews', namespace: 'bookinfo'});
		assert.deepEqual(resolveHost('api.example.com', 'bookinfo'), {service: 'api.example.com'});
	});

	test('summarizeMatch: blocks ORed, conditions ANDed', () => {
		assert.equal(summarizeMatch(undefined), 'default');
		assert.equal(summarizeMatch([]), 'default');
		assert.equal(summarizeMatch([{uri: {prefix: '/api'}, headers: {'x-canary': {exact: '1'}}}, {queryParams: {beta: {regex: 'yes|1'}}}]),
			'uri prefix /api, headers x-canary exact 1 or query beta regex yes|1');
		assert.equal(summarizeMatch([{headers: {cookie: {}}, sourceLabels: {app: 'productpage'}, ignoreUriCase: true}]),
			'headers cookie present, source app=productpage, ignoring uri case');
		assert.equal(summarizeMatch([{name: 'only-a-name'}]), 'any');
	});
});
