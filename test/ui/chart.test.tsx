/**
 * The migration picture: whole frames of the chart's four modes (`c` cycles them) on a mid-migration history:
 * reviews at v1 100 for a while, then a weight change to v1 50 / v3 50 that the observed traffic follows, v3 a
 * little less successful and slower. Each series has its letter, so the frames are the same without colour.
 */
import {afterEach, test} from 'node:test';
import assert from 'node:assert/strict';
import {stripVTControlCharacters} from 'node:util';
import chalk from 'chalk';
import {App} from '../../source/ui/App.js';
import {createStore} from '../../source/state/store.js';
import {initialState} from '../../source/state/app-state.js';
import {ChartHistory} from '../../source/state/chart-history.js';
import {paintLine, sameChart} from '../../source/ui/Chart.js';
import {plotChart, roleKey} from '../../source/ui/chart-plot.js';
import {colorTheme, monochromeTheme} from '../../source/ui/theme.js';
import {ConsoleController} from '../../source/state/controller.js';
import type {MetricsSnapshot} from '../../source/domain/metrics.js';
import {FakeConsoleServices, bookinfoObjects} from '../helpers/fake-console-services.js';
import {renderInk, settle, type RenderedInk} from '../helpers/render-ink.js';

const connection = {contextName: 'test-ctx', namespace: 'bookinfo', user: 'tester', server: 'https://example.invalid'};
const now = 10_000_000;
const versions = ['v1', 'v2', 'v3'];
let rendered: RenderedInk | undefined;

afterEach(() => {
	rendered?.unmount();
	rendered = undefined;
});

/** 40 samples 4 s apart: v1 alone, then (from sample 20) 50/50 with v3's observed share catching up over 3 samples. */
function migrationHistory(): ChartHistory {
	let history = new ChartHistory(120);
	for (let index = 0; index < 40; index++) {
		const shifted = index >= 20;
		const v3Share = shifted ? Math.min(0.5, 0.2 * (index - 19)) : 0;
		const snapshot: MetricsSnapshot = {
			at: now - 2000 - ((40 - index) * 4000),
			window: '4s',
			byVersion: {
				v1: {rps: 20 * (1 - v3Share), successRate: 1, p50Ms: 5, p99Ms: 20},
				v3: v3Share === 0 ? {rps: 0, successRate: null, p50Ms: null, p99Ms: null} : {rps: 20 * v3Share, successRate: 0.97, p50Ms: 9, p99Ms: 60},
			},
		};
		history = history.withSample({at: snapshot.at, snapshot, weights: shifted ? {v1: 50, v2: 0, v3: 50} : {v1: 100, v2: 0, v3: 0}}, versions);
	}

	return history;
}

function start() {
	const {virtualServices, destinationRules} = bookinfoObjects('bookinfo/virtual-service-reviews-50-v3.yaml');
	const fake = new FakeConsoleServices(virtualServices, destinationRules);
	fake.now = () => now - 1000;
	fake.metrics = {v1: {rps: 10, successRate: 1, p50Ms: 5, p99Ms: 20}, v3: {rps: 10, successRate: 0.97, p50Ms: 9, p99Ms: 60}};
	const state = {...initialState({connection, vsName: 'reviews'}), chart: migrationHistory()};
	const store = createStore(state);
	const controller = new ConsoleController(store, fake, {refreshMs: 3_600_000});
	rendered = renderInk(<App store={store} controller={controller} now={() => now} />, {columns: 80, rows: 30});
	return {store, rendered};
}

/** The chart's lines: from its legend to the time axis. */
function chartLines(frame: string): string[] {
	const lines = frame.split('\n').map(line => line.trimEnd());
	const first = lines.findIndex(line => / · a v1 /.test(line));
	return lines.slice(first, lines.findIndex((line, index) => index > first && /now$/.test(line)) + 1);
}

/**
 * The frames, reviewed: v1 alone until the weight change (▲, -81s), then v3's letter appears; its observed share
 * rises over three samples to the configured 50% line (─); its success rate sits near 97% and its p99 at 60 ms.
 */
const expected = {
	rps: [
		'requests/s · a v1  b v2  c v3  * several  ▲ weight change',
		'  22.0 ┤                                                   ┊',
		'       │                               aaaaaaaaaaaaaaaaaaaa┊',
		'       │                                                   ┊',
		'       │                                                   ┊',
		'       │                                                   a',
		'       │                                                   ┊',
		'  11.8 ┤                                                   ┊a',
		'       │                                                   ┊ *******************',
		'       │                                                   ┊c',
		'       │                                                   ┊',
		'       │                                                   ┊',
		'       │                                                   c',
		'       │                                                   ┊',
		'   0.0 ┤                               ********************bbbbbbbbbbbbbbbbbbbbb',
		'       └───────────────────────────────────────────────────▲────────────────────',
		'                                       -3m               -81s                now',
	],
	share: [
		'observed share % (stacked), ─ weight · a v1  b v2  c v3  ▲ weight change',
		'   100 ┤                               aaaaaaaaaaaaaaaaaaaaccccccccccccccccccccc',
		'       │                               aaaaaaaaaaaaaaaaaaaaccccccccccccccccccccc',
		'       │                               aaaaaaaaaaaaaaaaaaaaccccccccccccccccccccc',
		'       │                               aaaaaaaaaaaaaaaaaaaaacccccccccccccccccccc',
		'       │                               aaaaaaaaaaaaaaaaaaaaacccccccccccccccccccc',
		'       │                               aaaaaaaaaaaaaaaaaaaaacccccccccccccccccccc',
		'    54 ┤                               aaaaaaaaaaaaaaaaaaaa─────────────────────',
		'       │                               aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
		'       │                               aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
		'       │                               aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
		'       │                               aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
		'       │                               aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
		'       │                               aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
		'     0 ┤                               aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
		'       └───────────────────────────────────────────────────▲────────────────────',
		'                                       -3m               -81s                now',
	],
	success: [
		'success rate % · a v1  b v2  c v3  * several  ▲ weight change',
		'   100 ┤                               aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
		'       │                                                   ┊',
		'       │                                                   ┊',
		'       │                                                   ┊',
		'       │                                                   ┊',
		'       │                                                   ┊',
		'    98 ┤                                                   ┊',
		'       │                                                   ┊',
		'       │                                                   ccccccccccccccccccccc',
		'       │                                                   ┊',
		'       │                                                   ┊',
		'       │                                                   ┊',
		'       │                                                   ┊',
		'    95 ┤                                                   ┊',
		'       └───────────────────────────────────────────────────▲────────────────────',
		'                                       -3m               -81s                now',
	],
	p99: [
		'p99 latency ms · a v1  b v2  c v3  * several  ▲ weight change',
		'    66 ┤                                                   ┊',
		'       │                                                   ccccccccccccccccccccc',
		'       │                                                   ┊',
		'       │                                                   ┊',
		'       │                                                   ┊',
		'       │                                                   ┊',
		'    36 ┤                                                   ┊',
		'       │                                                   ┊',
		'       │                                                   ┊',
		'       │                               aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
		'       │                                                   ┊',
		'       │                                                   ┊',
		'       │                                                   ┊',
		'     0 ┤                                                   ┊',
		'       └───────────────────────────────────────────────────▲────────────────────',
		'                                       -3m               -81s                now',
	],
};

test('c cycles the chart: request rate → observed share vs weight → success rate → p99 → request rate', async () => {
	const {rendered, store} = start();
	await settle();
	assert.deepEqual(chartLines(rendered.lastFrame()), expected.rps);
	await rendered.press('c');
	assert.equal(store.getState().chartMode, 'share');
	assert.deepEqual(chartLines(rendered.lastFrame()), expected.share);
	await rendered.press('c');
	assert.deepEqual(chartLines(rendered.lastFrame()), expected.success);
	await rendered.press('c');
	assert.deepEqual(chartLines(rendered.lastFrame()), expected.p99);
	await rendered.press('c');
	assert.deepEqual(chartLines(rendered.lastFrame()), expected.rps);
});

test('the help overlay lists c with the chart modes', async () => {
	const {rendered} = start();
	await settle();
	await rendered.press('?');
	assert.match(rendered.lastFrame(), /\bc +chart: request rate → observed share vs weight → success rate → p99/);
});

test('the chart is redrawn when what it draws changes, and not for a key that changes only the rest of the console', () => {
	const history = migrationHistory();
	const props = {history, mode: 'rps' as const, keys: ['v1', 'v2', 'v3'], width: 100, height: 12};
	// The body builds a new keys array on every render: same content, same chart.
	assert.equal(sameChart(props, {...props, keys: ['v1', 'v2', 'v3']}), true);
	for (const [what, changed] of [
		['a new sample', {history: history.cleared()}],
		['another mode', {mode: 'share' as const}],
		['another version order', {keys: ['v3', 'v1', 'v2']}],
		['a version fewer', {keys: ['v1', 'v3']}],
		['a resize', {width: 80}],
		['another height', {height: 10}],
	] as const) {
		assert.equal(sameChart(props, {...props, ...changed}), false, what);
	}
});

test('a chart line is painted as one string: each run in its role\'s style, the same string for the same runs', () => {
	const history = migrationHistory();
	const plot = (samples: ChartHistory) => plotChart({mode: 'rps', history: samples, keys: versions, width: 60, height: 10});
	const before = plot(history);
	const level = chalk.level;
	try {
		chalk.level = 1;
		// A new plot of the same history: new objects, the same strings, so the memoised line is not re-rendered.
		assert.deepEqual(plot(history).map(segments => paintLine(segments, colorTheme)), before.map(segments => paintLine(segments, colorTheme)));
		const withData = before.findIndex(segments => segments.some(segment => typeof segment.role === 'object'));
		const segments = before[withData] ?? [];
		const painted = paintLine(segments, colorTheme);
		assert.equal(stripVTControlCharacters(painted), segments.map(segment => segment.text).join(''));
		// v1's letters in v1's colour (cyan), the weight-change marker in the warning colour (yellow).
		const escape = '\u001B';
		assert.ok(painted.includes(`${escape}[36ma`), 'v1 in cyan');
		assert.ok(paintLine(before.find(line => line.some(segment => segment.text === '┊')) ?? [], colorTheme).includes(`${escape}[33m┊${escape}[39m`), 'the marker in yellow');
		const seriesAt = segments.findIndex(segment => typeof segment.role === 'object');
		const changed = (segment: Partial<typeof segments[number]>) => segments.map((each, index) => (index === seriesAt ? {...each, ...segment} : each));
		assert.notEqual(paintLine(changed({role: {series: 1}}), colorTheme), painted, 'another series');
		assert.notEqual(paintLine(changed({role: 'marker'}), colorTheme), painted, 'another role');
		// Without colour, a series is its letters alone.
		assert.ok(!['31', '32', '33', '34', '35', '36'].some(color => paintLine(segments, monochromeTheme).includes(`${escape}[${color}m`)), 'no colour');
		// A terminal without colour support (or --no-color): no escapes at all, as Ink's own <Text>.
		chalk.level = 0;
		assert.equal(paintLine(segments, colorTheme), segments.map(segment => segment.text).join(''));
	} finally {
		chalk.level = level;
	}
});

test('each chart line is made of maximal runs: neighbouring runs never share a role, in every mode', () => {
	const history = migrationHistory();
	for (const mode of ['rps', 'share', 'success', 'p99'] as const) {
		const lines = plotChart({mode, history, keys: versions, width: 60, height: 12});
		let seriesRuns = 0;
		for (const [index, segments] of lines.entries()) {
			for (let at = 1; at < segments.length; at++) {
				assert.notEqual(roleKey(segments[at]!.role), roleKey(segments[at - 1]!.role), `${mode}, line ${index}, run ${at}`);
			}

			seriesRuns += segments.filter(segment => typeof segment.role === 'object' && segment.text.length > 1).length;
		}

		// The share band fills whole stretches of a row with one version: those come out as one run each.
		assert.ok(mode !== 'share' || seriesRuns > 0, 'the stacked band has runs of one version');
	}
});
