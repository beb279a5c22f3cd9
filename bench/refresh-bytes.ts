import type {MetricsSnapshot} from '../source/domain/metrics.js';
import {bookinfoObjects} from '../test/helpers/fake-console-services.js';
import {startConsoleBench} from './console-harness.js';
import {beyondThrottleMs} from './keypress.js';
import {failedRow, type Row} from './report.js';
import {formatBytes, pause, quantile, seededRandom} from './stats.js';
import {VirtualScreen} from './virtual-screen.js';

/** DESIGN.md: steady-state output per refresh ≤ 25% of a full redraw. */
const budgetRatio = 0.25;

/** Refreshes before measuring: the chart (70 points at 80 columns) and sparklines are full, as after a minute of watching. */
const warmupRefreshes = 90;

/** Bytes written per refresh, one figure per refresh. */
export interface RefreshBytes {
	perRefresh: number[];
	/** The screen after the last refresh, as a terminal shows it: incremental output must end on the same screen as full redraws. */
	finalScreen: string;
}

/**
 * Mid-migration traffic as the sim produces it at a 1 s scrape: v1 and v3 around 10 rps each with a little noise,
 * p99 wandering a few milliseconds, an occasional 5xx on v3. Seeded, so every run and both render modes see the same numbers.
 */
function snapshots(seed: number): () => MetricsSnapshot {
	const random = seededRandom(seed);
	const jitter = (base: number, spread: number) => base + ((random() * 2) - 1) * spread;
	// Evaluation times one refresh (1 s) apart, as the controller produces them; the bench itself runs faster.
	let at = Date.now();
	return () => ({
		at: at += 1000,
		window: '4s',
		byVersion: {
			v1: {rps: jitter(10, 0.6), successRate: 1, p50Ms: jitter(4, 0.5), p99Ms: jitter(24, 3)},
			v2: {rps: 0, successRate: null, p50Ms: null, p99Ms: null},
			v3: {rps: jitter(10, 0.6), successRate: random() < 0.2 ? 0.99 : 1, p50Ms: jitter(6, 0.5), p99Ms: jitter(40, 4)},
		},
	});
}

/**
 * Renders reviews at 50/50 into an 80×24 TTY, fills the chart, then dispatches `count` metrics refreshes (as the
 * controller does once per period) and counts the bytes Ink writes for each.
 */
export async function measureRefreshBytes(incrementalRendering: boolean, count: number): Promise<RefreshBytes> {
	const {virtualServices, destinationRules} = bookinfoObjects('bookinfo/virtual-service-reviews-50-v3.yaml');
	const bench = await startConsoleBench({virtualServices, destinationRules, vsName: 'reviews', refreshMs: 3_600_000, incrementalRendering});
	try {
		const next = snapshots(42);
		for (let index = 0; index < warmupRefreshes; index++) {
			bench.store.dispatch({type: 'metricsReceived', snapshot: next()});
		}

		await pause(beyondThrottleMs);
		const perRefresh: number[] = [];
		for (let index = 0; index < count; index++) {
			const frame = bench.output.nextFrame(1000);
			bench.store.dispatch({type: 'metricsReceived', snapshot: next()});
			perRefresh.push((await frame).bytes);
			await pause(beyondThrottleMs);
		}

		const screen = new VirtualScreen(bench.output.columns, bench.output.rows);
		screen.write(bench.output.text());
		return {perRefresh, finalScreen: screen.text()};
	} finally {
		await bench.close();
	}
}

/** Steady-state bytes per refresh with incremental rendering against the same refreshes fully redrawn. */
export async function runRefreshBytesBench(count = 50): Promise<Row[]> {
	const label = 'bytes per steady-state refresh (median) vs full redraw';
	const target = `<= ${budgetRatio * 100}% of full`;
	try {
		const incremental = await measureRefreshBytes(true, count);
		const full = await measureRefreshBytes(false, count);
		const incrementalMedian = quantile(incremental.perRefresh, 0.5);
		const fullMedian = quantile(full.perRefresh, 0.5);
		const ratio = incrementalMedian / fullMedian;
		const mean = (values: readonly number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
		// The chart moves one column per rate window (4 refreshes here): the mean counts those frames too.
		const meanRatio = mean(incremental.perRefresh) / mean(full.perRefresh);
		return [
			{
				measurement: `${label} (n=${count})`,
				value: `${formatBytes(incrementalMedian)} vs ${formatBytes(fullMedian)} = ${(ratio * 100).toFixed(0)}%`,
				target,
				ok: ratio <= budgetRatio,
			},
			{
				measurement: '  bytes per refresh, mean incl. chart moves, vs full redraw',
				value: `${formatBytes(mean(incremental.perRefresh))} vs ${formatBytes(mean(full.perRefresh))} = ${(meanRatio * 100).toFixed(0)}%`,
				target,
				ok: meanRatio <= budgetRatio,
			},
			{
				// Fewer bytes only count if the screen is still right: replayed on a terminal model, both end identical.
				measurement: '  incremental output ends on the same screen as full redraws',
				value: incremental.finalScreen === full.finalScreen ? 'identical' : 'DIFFERENT',
				target: 'identical',
				ok: incremental.finalScreen === full.finalScreen,
			},
			{
				measurement: '  bytes per refresh p99 / max (incremental)',
				value: `${formatBytes(quantile(incremental.perRefresh, 0.99))} / ${formatBytes(Math.max(...incremental.perRefresh))}`,
				target: '-',
				ok: undefined,
			},
		];
	} catch (error) {
		return [failedRow(label, target, error)];
	}
}
