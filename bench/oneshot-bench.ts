import {execFile} from 'node:child_process';
import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {performance} from 'node:perf_hooks';
import process from 'node:process';
import {startSimCluster, type SimCluster} from '../source/sim/cluster.js';
import {withThisNode} from '../test/helpers/this-node.js';
import {cliPath} from './cli-launch.js';
import {failedRow, type Row} from './report.js';
import {formatMs, summarize} from './stats.js';

/** DESIGN.md budgets of the one-shot commands, as ratios to kubectl doing the same on the same API server. */
const budget = {setToApply: 2, statusToGet: 3};


/** Whole-process runs per command; the median is reported (the first run also warms Node's compile cache). */
const runs = 9;

/** Runs a program to completion and returns its wall time; a non-zero exit is an error with its stderr. */
async function timeRun(file: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
	const startedAt = performance.now();
	await new Promise<void>((resolve, reject) => {
		execFile(file, args, {env, maxBuffer: 16 * 1024 * 1024}, (error, _stdout, stderr) => {
			if (error === null) {
				resolve();
			} else {
				reject(new Error(`${path.basename(file)} ${args.slice(0, 3).join(' ')}: ${stderr.trim() || error.message}`));
			}
		});
	});
	return performance.now() - startedAt;
}

/** The median wall time of `runs` runs of each argument list, taken in turn (so each write changes something). */
async function medianOf(file: string, argLists: ReadonlyArray<readonly string[]>, env: NodeJS.ProcessEnv): Promise<number> {
	const times: number[] = [];
	for (let index = 0; index < runs; index++) {
		// One process after the other: concurrent runs would measure the machine's scheduler, not the command.
		times.push(await timeRun(file, argLists[index % argLists.length]!, env));
	}

	return summarize(times).p50;
}

/** The reviews VirtualService as `kubectl apply -f` takes it, with v1 and v3 at the given weights. */
function reviewsManifest(v1: number, v3: number): string {
	return JSON.stringify({
		apiVersion: 'networking.istio.io/v1',
		kind: 'VirtualService',
		metadata: {name: 'reviews', namespace: 'bookinfo'},
		spec: {
			hosts: ['reviews'],
			http: [{route: [
				{destination: {host: 'reviews', subset: 'v1'}, weight: v1},
				{destination: {host: 'reviews', subset: 'v3'}, weight: v3},
			]}],
		},
	});
}

function ratioRow(measurement: string, ours: number, theirs: number, limit: number): Row {
	const ratio = ours / theirs;
	return {
		measurement,
		value: `${formatMs(ours)} vs ${formatMs(theirs)} = ${ratio.toFixed(2)}×`,
		target: `<= ${limit}×`,
		ok: ratio <= limit,
	};
}

async function measure(cluster: SimCluster, dir: string): Promise<Row[]> {
	const kubeconfig = path.join(dir, 'kubeconfig.yaml');
	await cluster.writeKubeconfig(kubeconfig);
	const env: NodeJS.ProcessEnv = withThisNode({...process.env, MESHTOP_HISTORY: path.join(dir, 'history.jsonl'), HOME: dir});
	const half = path.join(dir, 'reviews-50-50.json');
	const all = path.join(dir, 'reviews-100-0.json');
	await writeFile(half, reviewsManifest(50, 50));
	await writeFile(all, reviewsManifest(100, 0));
	const kubectl = process.env['KUBECTL'] ?? 'kubectl';
	const common = ['--kubeconfig', kubeconfig, '-n', 'bookinfo'];

	// The same two changes in turn, so every run writes: kubectl apply of the whole object, meshtop's weight patch.
	const apply = await medianOf(kubectl, [['apply', ...common, '-f', half], ['apply', ...common, '-f', all]], env);
	const set = await medianOf(cliPath, [['set', 'reviews', ...common, 'v1=50', 'v3=50'], ['set', 'reviews', ...common, 'v1=100', 'v3=0']], env);
	const get = await medianOf(kubectl, [['get', 'virtualservice', 'reviews', ...common, '-o', 'json']], env);
	const prometheusUrl = cluster.prometheus.url;
	const status = await medianOf(cliPath, [['status', 'reviews', ...common, '--json', '--prometheus-url', prometheusUrl]], env);
	const statusDiscovered = await medianOf(cliPath, [['status', 'reviews', ...common, '--json']], env);
	return [
		ratioRow(`meshtop set vs kubectl apply -f, same change (median of ${runs})`, set, apply, budget.setToApply),
		ratioRow('meshtop status --json (metrics) vs kubectl get -o json', status, get, budget.statusToGet),
		{measurement: '  status --json finding Prometheus through a port-forward', value: formatMs(statusDiscovered), target: '-', ok: undefined},
	];
}

/**
 * Whole-process wall times of `meshtop set` and `meshtop status --json` beside kubectl doing the same on the same
 * (simulated) API server, as a pipeline that shifts and checks every few seconds pays them.
 */
export async function runOneShotBench(): Promise<Row[]> {
	const dir = await mkdtemp(path.join(tmpdir(), 'meshtop-bench-oneshot-'));
	let cluster: SimCluster | undefined;
	try {
		cluster = await startSimCluster();
		return await measure(cluster, dir);
	} catch (error) {
		return [failedRow('one-shot commands vs kubectl (set, status --json)', `<= ${budget.setToApply}×, <= ${budget.statusToGet}×`, error)];
	} finally {
		await cluster?.stop();
		await rm(dir, {recursive: true, force: true});
	}
}
