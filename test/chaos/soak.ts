/**
 * `npm run soak -- --minutes 30 [--warmup 5] [--backend testbed|sim] [--prometheus 3|2]`: the console in tmux on the test
 * bed (real kube-apiserver, port-forward through it to the real Prometheus 3.x, or Debian's 2.x) for N minutes, a shift every 30 s (arrow, Enter,
 * Enter), a fault every 2 minutes from 0:45 (the Prometheus pod deleted, the route reset by kubectl, the route deleted and
 * recreated), the console's RSS, heap, fds, event-loop p99 and CPU printed every minute (from its MESHTOP_STATS_FILE,
 * sampled every 5 s), then the verdict after warm-up: RSS growth ≤ 1 MB per 10 min (the slope of each minute's RSS floor,
 * as garbage collection moves RSS by tens of MB within a minute), fds flat. Exit status 0 when both hold.
 */
import {execFile} from 'node:child_process';
import {mkdtemp, rm} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {promisify, parseArgs} from 'node:util';
import {istioDataDir} from '../../source/sim/istio-data.js';
import {startSimCluster} from '../../source/sim/cluster.js';
import type {TmuxTerminal} from '../helpers/tmux.js';
import {startTestbed} from '../testbed/testbed.js';
import {openConsole, prometheusHeader, versionCells} from './support/console-screen.js';
import {waitForLiveTraffic} from './support/sim-console.js';
import {formatMinute, judgeSoak, mapGrowth, minuteSummaries, readStats} from './support/soak-stats.js';

const {values} = parseArgs({options: {
	minutes: {type: 'string', default: '30'},
	warmup: {type: 'string', default: '5'},
	backend: {type: 'string', default: 'testbed'},
	prometheus: {type: 'string', default: '3'},
}});
if (values.prometheus !== '3' && values.prometheus !== '2') {
	throw new Error(`--prometheus is 3 (the test bed's 3.x) or 2 (Debian's 2.x), not ${values.prometheus}`);
}

const prometheusMajor = values.prometheus;
const minutes = Number(values.minutes);
const warmupMinutes = Math.min(Number(values.warmup), Math.floor(minutes / 2));
const allV1 = path.join(istioDataDir, 'bookinfo/virtual-service-all-v1.yaml');

/** What the soak needs of a cluster: kubectl, and its Prometheus pod replaced. */
interface SoakCluster {
	kubeconfig: string;
	kubectl(args: readonly string[]): Promise<string>;
	replacePrometheusPod(): Promise<void>;
	stop(): Promise<void>;
}

async function startCluster(dir: string): Promise<SoakCluster> {
	if (values.backend === 'sim') {
		const sim = await startSimCluster({prometheus: 'auto'});
		const kubeconfig = path.join(dir, 'kubeconfig.yaml');
		await sim.writeKubeconfig(kubeconfig);
		let generation = 0;
		return {
			kubeconfig,
			kubectl: async args => (await promisify(execFile)('kubectl', ['--kubeconfig', kubeconfig, '-n', 'bookinfo', ...args], {encoding: 'utf8'})).stdout,
			async replacePrometheusPod() {
				// The sim runs no controllers: do what a Deployment would, a new pod (new name) for the deleted one.
				const old = sim.store.list('/pods', 'istio-system', 'app.kubernetes.io/name=prometheus')[0]!;
				const {resourceVersion: _version, uid: _uid, creationTimestamp: _created, ...metadata} = old.metadata;
				sim.store.delete('/pods', 'istio-system', old.metadata.name);
				sim.store.create('/pods', {...old, metadata: {...metadata, name: `${old.metadata.name.replace(/-soak\d+$/, '')}-soak${++generation}`}});
			},
			stop: async () => sim.stop(),
		};
	}

	const testbed = await startTestbed({prometheus: prometheusMajor, log: line => console.error(`  testbed: ${line}`)});
	return {
		kubeconfig: testbed.kubeconfigFile,
		kubectl: async args => testbed.kubectl(args.includes('-n') ? args : ['-n', 'bookinfo', ...args]),
		async replacePrometheusPod() {
			await testbed.kubectl(['-n', 'istio-system', 'delete', 'pod', '-l', 'app.kubernetes.io/name=prometheus', '--wait=false']);
		},
		stop: async () => testbed.stop(),
	};
}

async function v3Weight(cluster: SoakCluster): Promise<{weight: number; resourceVersion: string}> {
	const vs = JSON.parse(await cluster.kubectl(['get', 'virtualservice', 'reviews', '-o', 'json'])) as {metadata: {resourceVersion: string}; spec: {http: Array<{route: Array<{destination: {subset?: string}; weight?: number}>}>}};
	const v3 = vs.spec.http[0]?.route.find(route => route.destination.subset === 'v3');
	return {weight: v3?.weight ?? 0, resourceVersion: vs.metadata.resourceVersion};
}

const faults: Array<{name: string; inject(cluster: SoakCluster): Promise<void>}> = [
	{name: 'Prometheus pod deleted (a new one takes over)', inject: async cluster => cluster.replacePrometheusPod()},
	{name: 'route reset to all-v1 by kubectl', inject: async cluster => cluster.kubectl(['apply', '-f', allV1]).then(() => undefined)},
	{name: 'route deleted and recreated', async inject(cluster) {
		await cluster.kubectl(['delete', 'virtualservice', 'reviews']);
		await new Promise(resolve => setTimeout(resolve, 2000));
		await cluster.kubectl(['apply', '-f', allV1]);
	}},
];

async function shift(terminal: TmuxTerminal, cluster: SoakCluster): Promise<boolean> {
	const before = await v3Weight(cluster);
	terminal.keys(before.weight < 50 ? 'Right' : 'Left');
	await new Promise(resolve => setTimeout(resolve, 300));
	terminal.keys('Enter');
	await new Promise(resolve => setTimeout(resolve, 500));
	terminal.keys('Enter');
	await new Promise(resolve => setTimeout(resolve, 2000));
	const after = await v3Weight(cluster);
	return after.resourceVersion !== before.resourceVersion && after.weight !== before.weight;
}

const dir = await mkdtemp(path.join(os.tmpdir(), 'meshtop-soak-'));
const statsFile = path.join(dir, 'stats.jsonl');
console.log(`soak: ${minutes} min on the ${values.backend === 'sim' ? 'simulated cluster' : `test bed (kube-apiserver + real Prometheus ${prometheusMajor}.x)`}, warm-up ${warmupMinutes} min; ${os.cpus().length} cores (a shared machine: other work runs beside it), load ${os.loadavg().map(load => load.toFixed(1)).join(' ')}`);
const cluster = await startCluster(dir);
let terminal: TmuxTerminal | undefined;
let exitCode = 1;
const stopAll = async () => {
	terminal?.kill();
	await cluster.stop();
	await rm(dir, {recursive: true, force: true});
};

// Stopped early (Ctrl-C, a CI timeout's SIGTERM, a closed terminal), the soak still ends its console, its tmux server,
// the cluster and its directory: SIGTERM used to leave the tmux server and the directory behind.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
	process.once(signal, () => {
		void stopAll().then(() => process.exit(128 + os.constants.signals[signal]));
	});
}
try {
	await cluster.kubectl(['apply', '-f', allV1]);
	terminal = openConsole({kubeconfig: cluster.kubeconfig, args: ['reviews', '-n', 'bookinfo'], home: dir, env: {MESHTOP_STATS_FILE: statsFile, MESHTOP_STATS_INTERVAL_MS: '5000'}});
	await waitForLiveTraffic(terminal, 120_000);
	terminal.keys('Down', 'Down');
	const start = Date.now();
	const end = start + (minutes * 60_000);
	let nextShift = start + 30_000;
	// The first fault 45 s in, so each of the three kinds has come once before the warm-up's end (at 0:45, 2:45 and 4:45):
	// what a kind costs the first time (its code compiled, V8's heap sized for its burst) is start-up, not growth. From
	// minute 2 the third kind, the route deleted and recreated, first came at minute 6, and most of a soak's growth
	// after the warm-up was in the minutes after it.
	let nextFault = start + 45_000;
	let printed = 0;
	let shifts = 0;
	let landed = 0;
	let faultIndex = 0;
	const notLive: string[] = [];
	while (Date.now() < end) {
		const now = Date.now();
		if (now >= nextShift) {
			nextShift += 30_000;
			shifts++;
			landed += await shift(terminal, cluster) ? 1 : 0;
		}

		if (now >= nextFault) {
			nextFault += 120_000;
			const fault = faults[faultIndex++ % faults.length]!;
			console.log(`        fault: ${fault.name}`);
			await fault.inject(cluster);
		}

		const minutesSoFar = minuteSummaries(await readStats(statsFile), start, Date.now());
		for (const summary of minutesSoFar.slice(printed)) {
			console.log(formatMinute(summary));
		}

		printed = minutesSoFar.length;

		const header = prometheusHeader(terminal.screen());
		if (header === undefined) {
			notLive.push(`${((now - start) / 60_000).toFixed(1)} min: no header`);
		}

		await new Promise(resolve => setTimeout(resolve, 1000));
	}

	const screen = terminal.screen();
	const minutesRun = minuteSummaries(await readStats(statsFile), start, Date.now() + 1);
	const verdict = judgeSoak(minutesRun, warmupMinutes);
	console.log(`shifts: ${landed} of ${shifts} landed; faults injected: ${faultIndex}; console at the end: prometheus ${prometheusHeader(screen)?.status ?? '?'}, v1 rps ${versionCells(screen, 'v1')?.rps ?? '?'}`);
	const growth = mapGrowth(minutesRun, warmupMinutes);
	for (const line of [...verdict.lines, ...(growth === undefined ? [] : [growth]), ...notLive.slice(0, 5)]) {
		console.log(line);
	}

	terminal.keys('q');
	const status = await terminal.waitForExit(10_000).catch(() => undefined);
	console.log(`${status === 0 ? '✓' : '✗'} console quit with status ${String(status)}`);
	exitCode = verdict.ok && status === 0 && notLive.length === 0 ? 0 : 1;
} catch (error) {
	console.error(`soak failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
	if (terminal !== undefined) {
		console.error(terminal.screen());
	}
} finally {
	await stopAll();
}

process.exit(exitCode);
