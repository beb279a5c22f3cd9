import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {existsSync, rmSync} from 'node:fs';
import {describe, it, type TestContext} from 'node:test';
import {IstioMetrics} from '../../source/sim/metrics/istio-metrics.js';
import {startMetricsServer} from '../../source/sim/metrics/metrics-server.js';
import {findOnPath, startRealPrometheus} from '../../source/sim/prometheus/real-prometheus.js';
import {startPrometheus} from '../../source/sim/prometheus/start-prometheus.js';
import {waitFor} from '../helpers/wait-for.js';
import type {Destination} from '../../source/domain/virtual-service.js';
import {PrometheusClient, type PrometheusSample} from '../../source/prometheus/client.js';
import {metricQueries, oneQuery, partLabel} from '../../source/prometheus/queries.js';

const binary = await findOnPath('prometheus');
const skip = binary === undefined ? 'prometheus binary not on PATH: install it (CI does) to run the real-Prometheus tests' : false;

function isRunning(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch {
		return false;
	}
}

/** The sim's mesh metrics served as the mesh serves them, and the real Prometheus scraping them; both end with `t`. */
async function scrapedMetrics(t: TestContext): Promise<{metrics: IstioMetrics; prometheus: Awaited<ReturnType<typeof startRealPrometheus>>}> {
	const metrics = new IstioMetrics();
	const server = await startMetricsServer(metrics.registry);
	t.after(async () => server.stop());
	const prometheus = await startRealPrometheus({binary: binary!, target: server.target});
	t.after(async () => prometheus.stop());
	return {metrics, prometheus};
}

describe('real Prometheus child process', {skip}, () => {
	it('scrapes the mesh metrics every second with honor_labels, and stop() kills it and removes its directory', async t => {
		const {metrics, prometheus} = await scrapedMetrics(t);
		assert.equal(prometheus.mode, 'prometheus');
		assert.ok(prometheus.pid !== undefined && isRunning(prometheus.pid));
		assert.ok(prometheus.directory !== undefined && existsSync(prometheus.directory));
		assert.match(prometheus.version, /^\d+\.\d+/);

		const config = await (await fetch(`${prometheus.url}/api/v1/status/config`)).json() as {data: {yaml: string}};
		assert.match(config.data.yaml, /scrape_interval: 1s/);
		assert.match(config.data.yaml, /honor_labels: true/);

		metrics.record({
			source: {workload: 'productpage-v1', namespace: 'bookinfo', app: 'productpage', version: 'v1', canonicalService: 'productpage', canonicalRevision: 'v1', principal: 'spiffe://cluster.local/ns/bookinfo/sa/bookinfo-productpage'},
			destination: {workload: 'reviews-v3', namespace: 'bookinfo', app: 'reviews', version: 'v3', canonicalService: 'reviews', canonicalRevision: 'v3', principal: 'spiffe://cluster.local/ns/bookinfo/sa/bookinfo-reviews'},
			service: {host: 'reviews.bookinfo.svc.cluster.local', name: 'reviews', namespace: 'bookinfo'},
			responseCode: 200,
			responseFlags: '-',
			durationMs: 12,
			sourceDurationMs: 13,
		});
		const query = encodeURIComponent('istio_requests_total{reporter="destination",destination_version="v3"}');
		// Prometheus 2.x applies new scrape targets on a 5 s tick, so the first sample takes a few seconds.
		const result = await waitFor(async () => {
			const body = await (await fetch(`${prometheus.url}/api/v1/query?query=${query}`)).json() as {data: {result: Array<{metric: Record<string, string>; value: [number, string]}>}};
			return body.data.result[0];
		}, {timeout: 20_000, interval: 250, message: 'the recorded request in Prometheus'});
		assert.equal(result.value[1], '1');
		assert.equal(result.metric['job'], 'kubernetes-pods');
		assert.equal(result.metric['destination_workload'], 'reviews-v3');

		const {pid, directory} = prometheus;
		await prometheus.stop();
		await prometheus.stop();
		assert.equal(isRunning(pid), false, 'no prometheus process left');
		assert.equal(existsSync(directory), false, 'temporary directory removed');
	});

	it('answers meshtop\'s one query per refresh (label_replace, or) as its four parts alone', async t => {
		const {metrics, prometheus} = await scrapedMetrics(t);
		const workload = (version: string) => ({workload: `reviews-${version}`, namespace: 'bookinfo', app: 'reviews', version, canonicalService: 'reviews', canonicalRevision: version, principal: 'spiffe://cluster.local/ns/bookinfo/sa/bookinfo-reviews'});
		const record = (version: string, responseCode: number, durationMs: number) => metrics.record({
			source: {...workload('v1'), workload: 'productpage-v1', app: 'productpage', canonicalService: 'productpage'},
			destination: workload(version),
			service: {host: 'reviews.bookinfo.svc.cluster.local', name: 'reviews', namespace: 'bookinfo'},
			responseCode,
			responseFlags: '-',
			durationMs,
			sourceDurationMs: durationMs + 1,
		});
		const traffic = setInterval(() => {
			record('v1', 200, 12);
			record('v3', 200, 40);
			record('v3', 503, 3);
		}, 100);
		t.after(() => clearInterval(traffic));
		const destinations: Destination[] = ['v1', 'v3'].map(version => ({key: version, host: 'reviews', subset: version, weight: 50, metric: {service: 'reviews', namespace: 'bookinfo', version}}));
		const parts = metricQueries(destinations, '10s');
		const client = new PrometheusClient(prometheus.url);
		const at = await waitFor(async () => {
			const time = new Date();
			return (await client.query(parts.p99, time)).some(sample => Number.isFinite(sample.value)) ? time : undefined;
		}, {timeout: 30_000, interval: 500, message: 'rates and quantiles in Prometheus'});
		const canonical = (samples: PrometheusSample[]) => samples.map(sample => JSON.stringify([Object.entries(sample.metric).sort(), sample.value])).sort();
		const combined = await client.query(oneQuery(parts), at);
		for (const [part, promql] of Object.entries(parts)) {
			const alone = await client.query(promql, at);
			assert.ok(alone.length >= 2, `${part}: a series per version`);
			const labelled = combined.filter(sample => sample.metric[partLabel] === part).map(sample => ({...sample, metric: Object.fromEntries(Object.entries(sample.metric).filter(([name]) => name !== partLabel))}));
			assert.deepEqual(canonical(labelled), canonical(alone), part);
		}

		assert.equal(combined.length, (await Promise.all(Object.values(parts).map(async promql => client.query(promql, at)))).flat().length, 'nothing dropped, nothing added');
	});

	it('reports a Prometheus that dies while running', async t => {
		const metrics = new IstioMetrics();
		const server = await startMetricsServer(metrics.registry);
		t.after(async () => server.stop());
		let reported: Error | undefined;
		const prometheus = await startRealPrometheus({binary: binary!, target: server.target, onUnexpectedExit: error => {
			reported = error;
		}});
		t.after(async () => prometheus.stop());
		process.kill(prometheus.pid!, 'SIGKILL');
		const error = await waitFor(() => reported, {timeout: 5000, message: 'the unexpected exit report'});
		assert.match(error.message, /prometheus exited unexpectedly \(SIGKILL\)/);
		assert.equal(prometheus.exitError, error);
		await prometheus.stop();
		assert.equal(existsSync(prometheus.directory!), false);
	});

	it('a process killed with SIGKILL (no exit handler runs) still takes its Prometheus with it', async () => {
		const module = new URL('../../source/sim/prometheus/real-prometheus.js', import.meta.url).href;
		const script = `const {startRealPrometheus} = await import(${JSON.stringify(module)});
			const p = await startRealPrometheus({binary: ${JSON.stringify(binary)}, target: '127.0.0.1:1'});
			console.log(JSON.stringify({pid: p.pid, directory: p.directory}));
			setInterval(() => {}, 1000);`;
		const owner = spawn(process.execPath, ['--input-type=module', '-e', script], {stdio: ['ignore', 'pipe', 'inherit']});
		const started = await new Promise<{pid: number; directory: string}>((resolve, reject) => {
			owner.stdout.once('data', (chunk: Buffer) => {
				resolve(JSON.parse(chunk.toString('utf8')) as {pid: number; directory: string});
			});
			owner.once('exit', code => {
				reject(new Error(`the owner exited early (${String(code)})`));
			});
		});
		assert.ok(isRunning(started.pid));
		owner.kill('SIGKILL');
		await waitFor(() => !isRunning(started.pid), {timeout: 8000, interval: 100, message: 'Prometheus gone after its owner was killed'});
		rmSync(started.directory, {recursive: true, force: true});
	});

	it('fails with the reason when the binary cannot start, and `auto` falls back to the built-in one', async t => {
		const metrics = new IstioMetrics();
		const server = await startMetricsServer(metrics.registry);
		t.after(async () => server.stop());
		await assert.rejects(startPrometheus({choice: 'real', binary: '/nonexistent/prometheus', target: server.target, samples: async () => []}), /ENOENT/);
		const started = await startPrometheus({choice: 'auto', binary: '/nonexistent/prometheus', target: server.target, samples: async () => []});
		t.after(async () => started.instance.stop());
		assert.equal(started.instance.mode, 'builtin');
		assert.match(started.fallbackReason ?? '', /failed to start/);
	});
});

describe('Prometheus selection without a binary', () => {
	it('`auto` with nothing on PATH runs the built-in one and says why; `real` refuses', async t => {
		const originalPath = process.env['PATH'];
		process.env['PATH'] = '/nonexistent';
		t.after(() => {
			process.env['PATH'] = originalPath;
		});
		const started = await startPrometheus({target: '127.0.0.1:1', samples: async () => []});
		t.after(async () => started.instance.stop());
		assert.equal(started.instance.mode, 'builtin');
		assert.equal(started.fallbackReason, 'no prometheus binary on PATH');
		await assert.rejects(startPrometheus({choice: 'real', target: '127.0.0.1:1', samples: async () => []}), /not found on PATH/);
	});
});
