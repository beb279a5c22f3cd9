import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {performance} from 'node:perf_hooks';
import process from 'node:process';
import {startSimCluster} from '../source/sim/cluster.js';
import {loadKubeTarget} from '../source/kube/config.js';
import {createConsoleServices} from '../source/app/console-services.js';
import {createStore} from '../source/state/store.js';
import {initialState} from '../source/state/app-state.js';
import {ConsoleController} from '../source/state/controller.js';
import {currentRoute, selectedIndex} from '../source/state/selectors.js';
import {waitFor} from '../test/helpers/wait-for.js';
import {failedRow, type Row} from './report.js';
import {formatMs, pause, summarize} from './stats.js';

/** DESIGN.md: Enter to patch acknowledged (sim, loopback) p50 ≤ 20 ms. */
const budgetMs = 20;

/** Timings of one run of applies. */
export interface ApplyTimings {
	/** Confirm-Enter (controller.apply()) → the store shows the acknowledged write ("Applied: …"). */
	acknowledged: number[];
	/** Confirm-Enter → apply() resolved, which includes recording the trail (an Event and a history line). */
	withTrail: number[];
	/** Applies that did not end in "Applied" (conflict, error). */
	failed: number;
}

/**
 * The real adapters against the sim on loopback: a ConsoleController over a store, as the CLI wires it (trail
 * included, written to a temporary history file). Alternates reviews between v1 100 / v3 0 and v1 90 / v3 10.
 */
export async function measureApplies(iterations: number): Promise<ApplyTimings> {
	const dir = await mkdtemp(path.join(tmpdir(), 'meshtop-bench-'));
	const previousHistory = process.env['MESHTOP_HISTORY'];
	process.env['MESHTOP_HISTORY'] = path.join(dir, 'history.jsonl');
	// The built-in Prometheus responder: this measurement needs no metrics, and it leaves the CPU to the writes.
	const cluster = await startSimCluster({prometheus: 'builtin'});
	try {
		const kubeconfig = path.join(dir, 'kubeconfig.yaml');
		await cluster.writeKubeconfig(kubeconfig);
		const target = loadKubeTarget({kubeconfig, namespace: 'bookinfo'});
		const services = createConsoleServices(target, {prometheus: {url: cluster.prometheus.url}});
		const store = createStore(initialState({
			connection: {contextName: target.contextName, namespace: target.namespace, user: target.user, server: target.server},
			vsName: 'reviews',
		}));
		const controller = new ConsoleController(store, services, {refreshMs: 3_600_000});
		controller.start();
		try {
			const v3Row = () => {
				const row = currentRoute(store.getState())?.destinations.findIndex(destination => destination.key === 'v3') ?? -1;
				return row >= 0 ? row : undefined;
			};

			// The DestinationRule (which adds v3 at weight 0) may arrive after the VirtualService.
			await waitFor(v3Row, {timeout: 10_000, message: 'reviews with its v3 subset from the watch'});
			const timings: ApplyTimings = {acknowledged: [], withTrail: [], failed: 0};
			for (let index = 0; index < iterations; index++) {
				// Rows follow the route's order: once written, v3 moves up from the DestinationRule's subsets.
				store.dispatch({type: 'selectionMoved', delta: (v3Row() ?? 0) - selectedIndex(store.getState())});
				store.dispatch({type: 'weightsStaged', direction: index % 2 === 0 ? 1 : -1});
				store.dispatch({type: 'reviewOpened'});
				if (store.getState().overlay !== 'confirm') {
					throw new Error(`nothing staged at iteration ${index}: ${store.getState().notice?.text ?? ''}`);
				}

				const historyBefore = store.getState().history.length;
				let acknowledgedAt: number | undefined;
				const unsubscribe = store.subscribe(() => {
					const state = store.getState();
					if (acknowledgedAt === undefined && !state.applying && state.history.length !== historyBefore) {
						acknowledgedAt = performance.now();
					}
				});
				const sent = performance.now();
				try {
					await controller.apply();
				} finally {
					unsubscribe();
				}

				const done = performance.now();
				if (acknowledgedAt === undefined) {
					timings.failed++;
					store.dispatch({type: 'dismissed'});
				} else {
					timings.acknowledged.push(acknowledgedAt - sent);
					timings.withTrail.push(done - sent);
				}

				// An operator does not confirm twice within milliseconds; let the watch event of this write arrive first.
				await pause(20);
			}

			return timings;
		} finally {
			await controller.stop();
			await services.close();
		}
	} finally {
		await cluster.stop();
		if (previousHistory === undefined) {
			delete process.env['MESHTOP_HISTORY'];
		} else {
			process.env['MESHTOP_HISTORY'] = previousHistory;
		}

		await rm(dir, {recursive: true, force: true});
	}
}

/** Enter → patch acknowledged against the sim, as table rows. */
export async function runApplyBench(iterations = 100): Promise<Row[]> {
	const label = 'Enter -> patch acknowledged (sim, loopback)';
	const target = `p50 <= ${budgetMs} ms`;
	try {
		const timings = await measureApplies(iterations);
		const acknowledged = summarize(timings.acknowledged);
		const withTrail = summarize(timings.withTrail);
		const failed = timings.failed === 0 ? '' : ` (${timings.failed} failed)`;
		return [
			{
				measurement: `${label}: p50 / p99 (n=${acknowledged.count})`,
				value: `${formatMs(acknowledged.p50)} / ${formatMs(acknowledged.p99)}${failed}`,
				target,
				ok: acknowledged.count === 0 ? undefined : acknowledged.p50 <= budgetMs && timings.failed === 0,
			},
			{
				measurement: '  same, until the trail is recorded (Event + history line)',
				value: `${formatMs(withTrail.p50)} / ${formatMs(withTrail.p99)}`,
				target: '-',
				ok: undefined,
			},
		];
	} catch (error) {
		return [failedRow(label, target, error)];
	}
}
