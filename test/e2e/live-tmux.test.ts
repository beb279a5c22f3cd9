import {after, before, describe, test} from 'node:test';
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import type {Destination} from '../../source/domain/virtual-service.js';
import {PrometheusClient} from '../../source/prometheus/client.js';
import {fetchMetrics} from '../../source/prometheus/metrics-source.js';
import {backends, type ClusterFixture} from '../helpers/cluster-fixture.js';
import {hasTmux, TmuxTerminal} from '../helpers/tmux.js';
import {waitFor} from '../helpers/wait-for.js';

const cliPath = fileURLToPath(new URL('../../cli.js', import.meta.url));
const hasKubectl = spawnSync('kubectl', ['version', '--client'], {stdio: 'ignore'}).status === 0;
const sim = backends.find(backend => backend.name === 'sim')!;
const skip = !hasTmux() ? 'tmux is not installed' : !hasKubectl ? 'kubectl is not installed' : false;

/** A real mesh's scrape interval: a Prometheus-based view needs a scrape or more to see anything new. */
const scrapeSeconds = 15;

/** The OK% a version's row shows (the last percentage of the row: OBSERVED comes first), when it shows one. */
function okPercent(screen: string, version: string): number | undefined {
	const line = screen.split('\n').find(candidate => new RegExp(`^[ ▸] ${version} `).test(candidate));
	const percentages = [...(line ?? '').matchAll(/!?(\d+\.\d)%/g)].map(match => Number(match[1]));
	return percentages.length === 2 ? percentages[1] : undefined;
}

const v3: Destination = {key: 'v3', host: 'reviews', subset: 'v3', weight: 50, metric: {service: 'reviews', namespace: 'bookinfo', version: 'v3'}};

describe('live mode in a real terminal (tmux) on the simulated cluster, Prometheus scraping every 15 s', {skip}, () => {
	let cluster: ClusterFixture;
	let dir: string;
	const terminals: TmuxTerminal[] = [];
	const open = (...args: string[]): TmuxTerminal => {
		const terminal = TmuxTerminal.start([process.execPath, cliPath, '--kubeconfig', cluster.kubeconfig, '-n', 'bookinfo', ...args], {
			columns: 100,
			rows: 30,
			env: {CI: undefined, TERM: 'xterm-256color', NO_COLOR: '1', HOME: dir},
		});
		terminals.push(terminal);
		return terminal;
	};

	/** The total of v3's counters in Prometheus' last scrape: it changes only when Prometheus scrapes. */
	const scraped = async (): Promise<number> => {
		const query = 'sum(istio_requests_total{reporter="destination",destination_service_name="reviews",destination_version="v3"})';
		const samples = await new PrometheusClient(cluster.prometheusUrl).query(query, new Date());
		return samples[0]?.value ?? 0;
	};

	before(async () => {
		dir = mkdtempSync(path.join(tmpdir(), 'meshtop-live-'));
		cluster = await sim.start({prometheus: 'builtin', scrapeIntervalSeconds: scrapeSeconds, requestsPerSecond: 40});
		await cluster.editReviews(spec => {
			spec['http'] = [{route: [{destination: {host: 'reviews', subset: 'v1'}, weight: 50}, {destination: {host: 'reviews', subset: 'v3'}, weight: 50}]}];
		});
	});

	after(async () => {
		for (const terminal of terminals) {
			terminal.kill();
		}

		await cluster?.stop();
		rmSync(dir, {recursive: true, force: true});
	});

	test('errors=20% injected into v3 right after a scrape: the console\'s v3 OK% drops below 99 before Prometheus has scraped again, while Prometheus\' figure for that moment still says ≥ 99', async () => {
		const terminal = open('reviews');
		let screen = await terminal.waitForScreen(text => okPercent(text, 'v3') === 100 && /live: 3\/3 pods/.test(text), 30_000, 'v3 healthy at 100%, live from 3 pods');
		assert.match(screen.split('\n')[1] ?? '', /prometheus ● live data .* window 1m {2}live: 3\/3 pods/);

		// Inject right after a scrape, so the next one is a whole interval away whatever the machine's speed.
		const before = await scraped();
		await waitFor(async () => (await scraped()) !== before, {timeout: (scrapeSeconds + 5) * 1000, interval: 100, message: 'a Prometheus scrape'});
		const atInjection = await scraped();
		await cluster.control('fault reviews:v3:errors=20%');

		screen = await terminal.waitForScreen(text => (okPercent(text, 'v3') ?? 100) < 99, 10_000, 'v3 OK% below 99');
		const prometheusNow = (await fetchMetrics(new PrometheusClient(cluster.prometheusUrl), [v3], '1m')).byVersion['v3'];
		const atDetection = await scraped();
		assert.equal(atDetection, atInjection, 'Prometheus has not scraped since the fault: the screen\'s figure came from the pods');
		assert.ok((prometheusNow?.successRate ?? 1) >= 0.99, `Prometheus' OK% for the same moment has not moved: ${JSON.stringify(prometheusNow)}`);
		assert.ok((okPercent(screen, 'v1') ?? 0) >= 99, 'v1 is untouched');

		terminal.keys('q');
		assert.equal(await terminal.waitForExit(), 0);
	});

	test('--no-live: the header says so, and the figures are Prometheus\'', async () => {
		const terminal = open('reviews', '--no-live');
		const screen = await terminal.waitForScreen(text => /live off \(--no-live\)/.test(text) && okPercent(text, 'v1') !== undefined, 30_000, 'live off');
		assert.doesNotMatch(screen, /live: \d/);
		terminal.keys('q');
		assert.equal(await terminal.waitForExit(), 0);
	});
});
