/**
 * Prometheus rows about where Prometheus is and how it lives: the process killed and restarted, its pod replaced
 * (the port-forward must find the new pod), a 15 s scrape interval (the rate window follows it), and a Thanos/Mimir
 * style gateway (a path prefix, a bearer token or basic auth). The console runs in tmux on the simulated cluster.
 */
import {writeFile} from 'node:fs/promises';
import path from 'node:path';
import {freePort} from '../../../source/net/listen.js';
import {findOnPath, startRealPrometheus, type RealPrometheus} from '../../../source/sim/prometheus/real-prometheus.js';
import type {KubeObject} from '../../../source/sim/api/store.js';
import {PrometheusClient} from '../../../source/prometheus/client.js';
import {waitFor} from '../../helpers/wait-for.js';
import type {ChaosContext, ChaosResult, ChaosRow} from '../row.js';
import {followScreen, openConsole, prometheusHeader, seconds} from '../support/console-screen.js';
import {runFaultEpisode} from '../support/fault-episode.js';
import {startPrometheusProxy, type PrometheusProxy} from '../support/prometheus-proxy.js';
import {showsLiveTraffic, startSimConsole, waitForLiveTraffic} from '../support/sim-console.js';

function result(figure: string, problems: readonly string[]): ChaosResult {
	return {ok: problems.length === 0, figure, ...(problems.length === 0 ? {} : {detail: problems.join('\n')})};
}

/** Kill -9 of the Prometheus process, a restart on the same port after a pause; the console must show both. */
async function killAndRestart(context: ChaosContext): Promise<ChaosResult> {
	const binary = await findOnPath('prometheus');
	if (binary === undefined) {
		return {ok: false, figure: '—', detail: 'no prometheus binary on PATH'};
	}

	let prometheus: RealPrometheus | undefined;
	let restartedMs = 0;
	const port = await freePort();
	const bed = await startSimConsole({
		dir: context.dir,
		async args(sim) {
			prometheus = await startRealPrometheus({binary, target: new URL(sim.metricsUrl).host, port});
			return ['reviews', '-n', 'bookinfo', '--prometheus-url', prometheus.url];
		},
	}).catch(async (error: unknown) => {
		await prometheus?.stop();
		throw error;
	});
	try {
		await waitForLiveTraffic(bed.terminal, 30_000, context.signal);
		const episode = await runFaultEpisode({
			terminal: bed.terminal,
			expect: 'stale',
			holdMs: context.short ? 3000 : 8000,
			signal: context.signal,
			log(line) {
				context.log(line);
			},
			inject() {
				process.kill(prometheus!.pid!, 'SIGKILL');
			},
			async clear() {
				const started = Date.now();
				await prometheus!.stop();
				prometheus = await startRealPrometheus({binary, target: new URL(bed.sim.metricsUrl).host, port});
				const ready = Date.now() - started;
				// A fresh Prometheus applies its targets after a few seconds and rate() needs two scrapes: the console is
				// judged from the moment Prometheus itself can answer with a rate, not before.
				const client = new PrometheusClient(prometheus.url);
				await waitFor(async () => (await client.query('sum(rate(istio_requests_total[4s]))').catch(() => [])).some(sample => sample.value > 0), {timeout: 30_000, interval: 100, message: 'the restarted Prometheus to have a rate'});
				restartedMs = Date.now() - started;
				context.log(`prometheus ready again on :${port} after ${seconds(ready)}, with a rate after ${seconds(restartedMs)}`);
			},
		});
		return result(`${episode.figure}, counted from the restarted Prometheus' first rate (${seconds(restartedMs)} after restart)`, episode.problems);
	} finally {
		await bed.stop();
		await prometheus?.stop();
	}
}

/** The Prometheus pod deleted, a new one (another name) Running a second later: the port-forward must follow it. */
async function podReplaced(context: ChaosContext): Promise<ChaosResult> {
	// Wide enough for the whole port-forward label: the pod's name is the evidence of which pod is read.
	const bed = await startSimConsole({dir: context.dir, columns: 200, rows: 30});
	try {
		await waitForLiveTraffic(bed.terminal, 30_000, context.signal);
		const {store} = bed.sim;
		const old = store.list('/pods', 'istio-system', 'app.kubernetes.io/name=prometheus')[0];
		if (old === undefined) {
			return {ok: false, figure: '—', detail: 'no Prometheus pod in the sim'};
		}

		const oldName = old.metadata.name;
		const newName = `${oldName.replace(/-[^-]+$/, '')}-r3pl4`;
		const problems: string[] = [];
		const start = Date.now();
		store.delete('/pods', 'istio-system', oldName);
		let stale: number | undefined;
		await followScreen(bed.terminal, {start, timeoutMs: 1000, until: () => false, seen({at, screen}) {
			const header = prometheusHeader(screen);
			if (stale === undefined && header !== undefined && header.status !== 'live') {
				stale = at;
			}
		}});
		const {resourceVersion: _resourceVersion, uid: _uid, creationTimestamp: _created, ...metadata} = old.metadata;
		const replacement: KubeObject = {...old, metadata: {...metadata, name: newName}};
		const created = Date.now();
		store.create('/pods', replacement);
		let lastLine = '';
		const back = await followScreen(bed.terminal, {start: created, timeoutMs: 15_000, signal: context.signal, until: screen => showsLiveTraffic(screen) && (prometheusHeader(screen)?.line.includes(`istio-system/${newName} →`) ?? false), seen({screen, at}) {
			const header = prometheusHeader(screen);
			lastLine = header?.line ?? lastLine;
			if (header?.status === 'live' && (header.ageSeconds ?? 0) > 2) {
				problems.push(`live with data ${header.ageSeconds} s old at ${seconds(at)}: ${header.line}`);
			}
		}});
		if (stale === undefined) {
			problems.push('the header never left live while no Prometheus pod existed');
		}

		if (back === undefined) {
			problems.push(`not live through the new pod ${newName}: ${lastLine}`);
		} else if (back.at > 2500) {
			problems.push(`live through the new pod only ${seconds(back.at)} after it ran (limit 2.5 s)`);
		}

		return result(`${stale === undefined ? 'never stale' : `stale ${seconds(stale)} after the delete`}, live via the new pod ${back === undefined ? 'never' : `${seconds(back.at)} after it ran`} (≤ 2.5 s)`, problems.slice(0, 3));
	} finally {
		await bed.stop();
	}
}

/** Prometheus scraping every 15 s: the header's window is 1m (4 × scrape) and numbers arrive once two scrapes exist. */
async function slowScrape(context: ChaosContext): Promise<ChaosResult> {
	const bed = await startSimConsole({dir: context.dir, sim: {prometheus: 'builtin', scrapeIntervalSeconds: 15}});
	try {
		const start = Date.now();
		const problems: string[] = [];
		const windowShown = await followScreen(bed.terminal, {start, timeoutMs: 10_000, signal: context.signal, until: screen => prometheusHeader(screen)?.window !== undefined});
		const window = windowShown === undefined ? undefined : prometheusHeader(windowShown.screen)?.window;
		if (window !== '1m') {
			problems.push(`window ${window ?? 'never shown'}, expected 1m (4 × 15 s)`);
		}

		let numbers: number | undefined;
		if (!context.short) {
			const live = await followScreen(bed.terminal, {start, timeoutMs: 45_000, signal: context.signal, until: screen => showsLiveTraffic(screen)});
			numbers = live?.at;
			if (numbers === undefined) {
				problems.push('no numbers within 45 s (three scrapes)');
			}
		}

		return result(`window ${window ?? '—'} (4 × 15 s)${numbers === undefined ? '' : `, numbers after ${seconds(numbers)} (≤ 45 s: two scrapes)`}`, problems);
	} finally {
		await bed.stop();
	}
}

/** The Thanos/Mimir shape: the API under a prefix, behind a bearer token (and basic auth); a wrong token is said plainly. */
async function gateway(context: ChaosContext): Promise<ChaosResult> {
	const token = 'chaos-token-7f3a';
	const password = 'pa55-w0rd';
	let bearer: PrometheusProxy | undefined;
	let basic: PrometheusProxy | undefined;
	const tokenFile = path.join(context.dir, 'token');
	const wrongFile = path.join(context.dir, 'wrong-token');
	await writeFile(tokenFile, `${token}\n`, {mode: 0o600});
	await writeFile(wrongFile, 'not-the-token\n', {mode: 0o600});
	const bed = await startSimConsole({
		dir: context.dir,
		async args(sim) {
			bearer = await startPrometheusProxy({upstream: sim.prometheus.url, prefix: '/prometheus', authorization: `Bearer ${token}`});
			basic = await startPrometheusProxy({upstream: sim.prometheus.url, prefix: '/api/prom', authorization: `Basic ${Buffer.from(`ops:${password}`).toString('base64')}`});
			return ['reviews', '-n', 'bookinfo', '--prometheus-url', bearer.url, '--prometheus-token-file', tokenFile];
		},
	}).catch(async (error: unknown) => {
		await bearer?.stop();
		await basic?.stop();
		throw error;
	});
	const terminals = [bed.terminal];
	try {
		const problems: string[] = [];
		const start = Date.now();
		await waitForLiveTraffic(bed.terminal, 20_000, context.signal);
		const bearerMs = Date.now() - start;
		// Basic auth in the URL: the full form only (the short one keeps the bearer and the refusal).
		if (!context.short) {
			const basicUrl = basic!.url.replace('http://', `http://ops:${password}@`);
			const basicConsole = openConsole({kubeconfig: bed.kubeconfig, args: ['reviews', '-n', 'bookinfo', '--prometheus-url', basicUrl], home: context.dir});
			terminals.push(basicConsole);
			await waitForLiveTraffic(basicConsole, 20_000, context.signal);
			if (basicConsole.screen().includes(password)) {
				problems.push('the basic-auth password is on screen');
			}
		}

		const wrong = openConsole({kubeconfig: bed.kubeconfig, args: ['reviews', '-n', 'bookinfo', '--prometheus-url', bearer!.url, '--prometheus-token-file', wrongFile], home: context.dir});
		terminals.push(wrong);
		const refused = await followScreen(wrong, {start: Date.now(), timeoutMs: 15_000, signal: context.signal, until: screen => /refused the credentials \(HTTP 401\)/.test(screen) && prometheusHeader(screen)?.status === 'error'});
		if (refused === undefined) {
			problems.push(`a wrong token is not reported as refused credentials:\n${wrong.screen()}`);
		}

		const unauthorized = (bearer!.counts['unauthorized'] ?? 0) + (basic!.counts['unauthorized'] ?? 0);
		context.log(`bearer proxy ${JSON.stringify(bearer!.counts)}, basic proxy ${JSON.stringify(basic!.counts)}`);
		return result(`bearer + /prometheus live after ${seconds(bearerMs)}${context.short ? '' : ', basic + /api/prom live, password not shown'}; wrong token refused on screen (${unauthorized} × 401)`, problems);
	} finally {
		for (const terminal of terminals) {
			terminal.kill();
		}

		await bed.stop();
		await bearer?.stop();
		await basic?.stop();
	}
}

/** Rows: Prometheus' process, pod, scrape interval and gateway. */
export const prometheusLifecycleRows: ChaosRow[] = [
	{group: 'prometheus', name: 'Prometheus killed (SIGKILL) and restarted', short: true, limitSeconds: 90, run: killAndRestart},
	{group: 'prometheus', name: 'Prometheus pod replaced (port-forward re-resolves)', short: true, limitSeconds: 60, run: podReplaced},
	{group: 'prometheus', name: '15 s scrape interval (window follows)', short: false, limitSeconds: 90, run: slowScrape},
	{group: 'prometheus', name: 'gateway: path prefix + bearer token / basic auth', short: true, limitSeconds: 90, run: gateway},
];
