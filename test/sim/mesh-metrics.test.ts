import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';
import {ObjectStore, type KubeObject} from '../../source/sim/api/store.js';
import {seedBookinfo} from '../../source/sim/bookinfo.js';
import {createMesh} from '../../source/sim/mesh/mesh.js';
import {IstioMetrics, istioDurationBucketsMs, istioLabelNames} from '../../source/sim/metrics/istio-metrics.js';
import {startMetricsServer, type MetricsServer} from '../../source/sim/metrics/metrics-server.js';

interface ExposedSample {
	name: string;
	labels: Record<string, string>;
	value: number;
}

/** Parses the text exposition format (the subset prom-client writes: no timestamps, no exemplars). */
function parseExposition(text: string): ExposedSample[] {
	const samples: ExposedSample[] = [];
	for (const line of text.split('\n')) {
		if (line === '' || line.startsWith('#')) {
			continue;
		}

		const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
		assert.ok(match, `unparseable line: ${line}`);
		const labels: Record<string, string> = {};
		for (const pair of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
			labels[pair[1]!] = pair[2]!;
		}

		samples.push({name: match[1]!, labels, value: Number(match[3])});
	}

	return samples;
}

describe('Istio metrics exposition', () => {
	let server: MetricsServer;
	let samples: ExposedSample[];
	let text: string;

	before(async () => {
		const store = new ObjectStore();
		seedBookinfo(store);
		// Route reviews 50/50 to v1 and a v4 subset that does not exist: half the calls end in 503 NR.
		store.create('networking.istio.io/virtualservices', {
			apiVersion: 'networking.istio.io/v1',
			kind: 'VirtualService',
			metadata: {name: 'reviews', namespace: 'bookinfo'},
			spec: {hosts: ['reviews'], http: [{route: [
				{destination: {host: 'reviews', subset: 'v1'}, weight: 50},
				{destination: {host: 'reviews', subset: 'v4'}, weight: 50},
			]}]},
		} satisfies KubeObject, {replace: true});
		const metrics = new IstioMetrics();
		const mesh = createMesh({store, seed: 5, recorder: record => metrics.record(record), faults: [{service: 'details', version: 'v1', errorRate: 0.5}]});
		mesh.sendRequests(400);
		mesh.stop();
		server = await startMetricsServer(metrics.registry);
		const response = await fetch(server.url);
		assert.equal(response.status, 200);
		assert.match(response.headers.get('content-type') ?? '', /text\/plain/);
		text = await response.text();
		samples = parseExposition(text);
	});

	after(async () => {
		await server.stop();
	});

	it('declares a counter and a histogram', () => {
		assert.match(text, /^# TYPE istio_requests_total counter$/m);
		assert.match(text, /^# TYPE istio_request_duration_milliseconds histogram$/m);
	});

	it('labels every series with all of Istio\'s standard labels', () => {
		const requests = samples.filter(sample => sample.name === 'istio_requests_total');
		assert.ok(requests.length > 0);
		for (const sample of requests) {
			assert.deepEqual(Object.keys(sample.labels).sort(), [...istioLabelNames].sort());
		}
	});

	it('counts each served request once per reporter, with the identities of both ends', () => {
		const find = (reporter: string) => samples.filter(sample => sample.name === 'istio_requests_total'
			&& sample.labels['reporter'] === reporter && sample.labels['destination_service_name'] === 'productpage');
		for (const reporter of ['source', 'destination']) {
			const [sample, ...rest] = find(reporter);
			assert.equal(rest.length, 0);
			assert.equal(sample?.value, 400);
			assert.deepEqual({...sample?.labels}, {
				reporter,
				source_workload: 'istio-ingressgateway',
				source_workload_namespace: 'istio-system',
				source_principal: 'spiffe://cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account',
				source_app: 'istio-ingressgateway',
				source_version: 'unknown',
				source_canonical_service: 'istio-ingressgateway',
				source_canonical_revision: 'latest',
				source_cluster: 'Kubernetes',
				destination_workload: 'productpage-v1',
				destination_workload_namespace: 'bookinfo',
				destination_principal: 'spiffe://cluster.local/ns/bookinfo/sa/bookinfo-productpage',
				destination_app: 'productpage',
				destination_version: 'v1',
				destination_service: 'productpage.bookinfo.svc.cluster.local',
				destination_service_name: 'productpage',
				destination_service_namespace: 'bookinfo',
				destination_canonical_service: 'productpage',
				destination_canonical_revision: 'v1',
				destination_cluster: 'Kubernetes',
				request_protocol: 'http',
				response_code: '200',
				grpc_response_status: '',
				response_flags: '-',
				connection_security_policy: reporter === 'destination' ? 'mutual_tls' : 'unknown',
			});
		}
	});

	it('splits response codes into series, and reports unrouted requests from the source only', () => {
		const details = samples.filter(sample => sample.name === 'istio_requests_total' && sample.labels['reporter'] === 'destination'
			&& sample.labels['destination_service_name'] === 'details');
		const byCode = Object.fromEntries(details.map(sample => [sample.labels['response_code'] ?? '', sample.value] as const));
		assert.equal((byCode['200'] ?? 0) + (byCode['500'] ?? 0), 400);
		assert.ok((byCode['500'] ?? 0) > 150 && (byCode['500'] ?? 0) < 250, `details 500s: ${byCode['500']}`);

		const unrouted = samples.filter(sample => sample.name === 'istio_requests_total' && sample.labels['response_flags'] === 'NR');
		assert.equal(unrouted.length, 1);
		assert.equal(unrouted[0]?.labels['reporter'], 'source');
		assert.equal(unrouted[0]?.labels['response_code'], '503');
		assert.equal(unrouted[0]?.labels['destination_version'], 'unknown');
		assert.equal(unrouted[0]?.labels['destination_service_name'], 'reviews');
		const reviewsV1 = samples.find(sample => sample.name === 'istio_requests_total' && sample.labels['reporter'] === 'source'
			&& sample.labels['destination_service_name'] === 'reviews' && sample.labels['destination_version'] === 'v1');
		assert.equal((reviewsV1?.value ?? 0) + unrouted[0].value, 400);
	});

	it('exposes Istio\'s exact duration buckets, cumulative, with count and sum', () => {
		const labelsOf = (sample: ExposedSample) => JSON.stringify({...sample.labels, le: undefined});
		const productpage = samples.filter(sample => sample.labels['reporter'] === 'destination' && sample.labels['destination_service_name'] === 'productpage');
		const buckets = productpage.filter(sample => sample.name === 'istio_request_duration_milliseconds_bucket');
		assert.deepEqual(buckets.map(sample => sample.labels['le']), [...istioDurationBucketsMs.map(String), '+Inf']);
		assert.equal(new Set(buckets.map(labelsOf)).size, 1);
		for (let index = 1; index < buckets.length; index++) {
			assert.ok(buckets[index]!.value >= buckets[index - 1]!.value, 'cumulative');
		}

		assert.equal(buckets.at(-1)?.value, 400);
		assert.ok(buckets[0]!.value < 400, 'not everything under 0.5 ms');
		const count = productpage.find(sample => sample.name === 'istio_request_duration_milliseconds_count');
		const sum = productpage.find(sample => sample.name === 'istio_request_duration_milliseconds_sum');
		assert.equal(count?.value, 400);
		assert.ok((sum?.value ?? 0) / 400 > 10, 'productpage duration includes its calls');
	});

	it('answers 404 outside /metrics', async () => {
		const response = await fetch(server.url.replace('/metrics', '/other'));
		assert.equal(response.status, 404);
		await response.text();
	});
});
