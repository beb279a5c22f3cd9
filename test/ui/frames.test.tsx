/**
 * Whole frames: the entire screen of the main states at fixed terminal sizes, compared line by line as strings
 * (no snapshots to regenerate: a change of layout shows up here as the exact lines that moved).
 */
import {afterEach, test} from 'node:test';
import assert from 'node:assert/strict';
import {App} from '../../source/ui/App.js';
import {createStore} from '../../source/state/store.js';
import {initialState} from '../../source/state/app-state.js';
import {ConsoleController} from '../../source/state/controller.js';
import type {ConsoleServices} from '../../source/ports/console-services.js';
import {FakeConsoleServices, bookinfoObjects} from '../helpers/fake-console-services.js';
import {keys, renderInk, settle, type RenderedInk} from '../helpers/render-ink.js';
import stringWidth from 'string-width';

const connection = {contextName: 'test-ctx', namespace: 'bookinfo', user: 'tester', server: 'https://example.invalid'};
const now = 1_000_000;
let rendered: RenderedInk | undefined;

afterEach(() => {
	rendered?.unmount();
	rendered = undefined;
});

function start(size: {columns: number; rows: number}, options: {readOnly?: boolean; services?: ConsoleServices} = {}) {
	const {virtualServices, destinationRules} = bookinfoObjects();
	const fake = new FakeConsoleServices(virtualServices, destinationRules);
	fake.now = () => now - 1000;
	fake.metrics = {v1: {rps: 19.5, successRate: 1, p50Ms: 4, p99Ms: 23}};
	const services = options.services ?? fake;
	const store = createStore(initialState({connection, vsName: 'reviews', readOnly: options.readOnly}));
	const controller = new ConsoleController(store, services, {refreshMs: 3_600_000});
	rendered = renderInk(<App store={store} controller={controller} now={() => now} />, size);
	return {services: fake, store, rendered};
}

/** The frame's lines without trailing spaces (Ink pads some lines to the width, not all). */
function lines(frame: string): string[] {
	return frame.split('\n').map(line => line.trimEnd());
}

/** Services whose watch has not answered yet. */
function silentServices(): ConsoleServices {
	const fake = new FakeConsoleServices([], []);
	return {watch: () => () => undefined, writer: fake.writer, fetchMetrics: async () => fake.fetchMetrics([]), fetchCounts: async () => fake.fetchCounts([], 0)};
}

test('loading, 80×24: the header says connecting, the body says why it is empty, the footer has every key', async () => {
	const {rendered} = start({columns: 80, rows: 24}, {services: silentServices()});
	await settle();
	assert.deepEqual(lines(rendered.lastFrame()), [
		'meshtop  ctx test-ctx  ns bookinfo  vs reviews',
		'kube ● connecting  prometheus ● connecting  Prometheus',
		'',
		'Loading routes…',
		'',
		'',
		'',
		'',
		'',
		'',
		'',
		'',
		'',
		'',
		'',
		'',
		'',
		'',
		'',
		'',
		'',
		'↑/k select  →/l more  ←/h less  ] step 10  Enter apply  Esc discard  u undo',
		'/ pick route  ? help  p plan  q/Ctrl-C quit',
	]);
});

test('live, 80×24: a row per version with weight bar, observed share and metrics; the chart waits for a second sample', async () => {
	const {rendered} = start({columns: 80, rows: 24});
	await settle();
	assert.deepEqual(lines(rendered.lastFrame()), [
		'meshtop  ctx test-ctx  ns bookinfo  vs reviews  route http[0] (default) 1/1',
		'kube ● live  prometheus ● live data 1s ago · window 4s  Prometheus',
		'',
		'  VERSION WEIGHT             STAGED OBSERVED    RPS     OK%    P99 RPS TREND',
		'▸ v1      █████████████  100          100.0%   19.5  100.0%   23ms █',
		'  v2      ░░░░░░░░░░░░░    0            0.0%    0.0       -      - ▁',
		'  v3      ░░░░░░░░░░░░░    0            0.0%    0.0       -      - ▁',
		'',
		'requests/s · a v1  b v2  c v3  * several  ▲ weight change',
		'waiting for samples…',
		'',
		'',
		'',
		'',
		'',
		'',
		'',
		'',
		'',
		'',
		'',
		'↑/k select  →/l more  ←/h less  ] step 10  Enter apply  Esc discard  u undo',
		'/ pick route  ? help  p plan  q/Ctrl-C quit',
	]);
});

test('staged, 120×40: the staged weights beside the configured ones, the selection on v3, the footer on one line', async () => {
	const {rendered} = start({columns: 120, rows: 40});
	await settle();
	await rendered.press(keys.down, keys.down, keys.right, keys.right, keys.right);
	assert.deepEqual(lines(rendered.lastFrame()), [
		'meshtop  ctx test-ctx  ns bookinfo  vs reviews  route http[0] (default) 1/1',
		'kube ● live  prometheus ● live data 1s ago · window 4s  Prometheus',
		'',
		'  VERSION WEIGHT                    STAGED OBSERVED    RPS     OK%    P99 RPS TREND',
		'  v1      ██████████████░░░░░░  100   → 70   100.0%   19.5  100.0%   23ms █',
		'  v2      ░░░░░░░░░░░░░░░░░░░░    0            0.0%    0.0       -      - ▁',
		'▸ v3      ██████░░░░░░░░░░░░░░    0   → 30     0.0%    0.0       -      - ▁',
		'',
		'requests/s · a v1  b v2  c v3  * several  ▲ weight change',
		'waiting for samples…',
		'',
		'',
		'',
		'',
		'',
		'',
		'',
		'',
		'',
		'',
		'',
		'',
		'',
		'',
		'',
		'',
		'',
		'',
		'',
		'',
		'',
		'',
		'',
		'',
		'',
		'',
		'',
		'Staged. Enter to review and apply, Esc to discard.',
		'↑/k select  →/l more  ←/h less  ] step 10  Enter apply  Esc discard  u undo  / pick route  ? help  p plan  q/Ctrl-C quit',
	]);
});

test('conflict, 80×24: the staged change is dropped, the rows show the current object, the notice says why', async () => {
	const {services, rendered} = start({columns: 80, rows: 24});
	await settle();
	await rendered.press(keys.down, keys.down, keys.right);
	services.external('reviews', vs => ({...vs, metadata: {...vs.metadata, labels: {edited: 'elsewhere'}}}));
	await settle();
	await rendered.press(keys.enter, keys.enter);
	await settle();
	assert.deepEqual(lines(rendered.lastFrame()), [
		'meshtop  ctx test-ctx  ns bookinfo  vs reviews  route http[0] (default) 1/1',
		'kube ● live  prometheus ● live data 1s ago · window 4s  Prometheus',
		'',
		'  VERSION WEIGHT             STAGED OBSERVED    RPS     OK%    P99 RPS TREND',
		'  v1      █████████████  100          100.0%   19.5  100.0%   23ms █',
		'  v2      ░░░░░░░░░░░░░    0            0.0%    0.0       -      - ▁',
		'▸ v3      ░░░░░░░░░░░░░    0            0.0%    0.0       -      - ▁',
		'',
		'requests/s · a v1  b v2  c v3  * several  ▲ weight change',
		'waiting for samples…',
		'',
		'',
		'',
		'',
		'',
		'',
		'',
		'',
		'',
		'',
		'Conflict: reviews was changed by someone else since you staged (resourceVersion…',
		'↑/k select  →/l more  ←/h less  ] step 10  Enter apply  Esc discard  u undo',
		'/ pick route  ? help  p plan  q/Ctrl-C quit',
	]);
});

test('read-only, 80×24: the header says so and the footer lists no key that stages or writes', async () => {
	const {rendered} = start({columns: 80, rows: 24}, {readOnly: true});
	await settle();
	assert.deepEqual(lines(rendered.lastFrame()), [
		' READ-ONLY  meshtop  ctx test-ctx  ns bookinfo  vs reviews  route http[0] (defa…',
		'kube ● live  prometheus ● live data 1s ago · window 4s  Prometheus',
		'',
		'  VERSION WEIGHT             STAGED OBSERVED    RPS     OK%    P99 RPS TREND',
		'▸ v1      █████████████  100          100.0%   19.5  100.0%   23ms █',
		'  v2      ░░░░░░░░░░░░░    0            0.0%    0.0       -      - ▁',
		'  v3      ░░░░░░░░░░░░░    0            0.0%    0.0       -      - ▁',
		'',
		'requests/s · a v1  b v2  c v3  * several  ▲ weight change',
		'waiting for samples…',
		'',
		'',
		'',
		'',
		'',
		'',
		'',
		'',
		'',
		'',
		'',
		'',
		'↑/k select  Esc discard  / pick route  ? help  q/Ctrl-C quit',
	]);
});

test('Prometheus down, 80×24: the last numbers stay, marked stale, and the notice says what failed', async () => {
	const {store, rendered} = start({columns: 80, rows: 24});
	await settle();
	store.dispatch({type: 'metricsFailed', error: 'Prometheus at http://127.0.0.1:9 did not answer in 5 s'});
	await settle();
	assert.deepEqual(lines(rendered.lastFrame()), [
		'meshtop  ctx test-ctx  ns bookinfo  vs reviews  route http[0] (default) 1/1',
		'kube ● live  prometheus ● stale data 1s ago · window 4s  Prometheus',
		'',
		'  VERSION WEIGHT             STAGED OBSERVED    RPS     OK%    P99 RPS TREND',
		'▸ v1      █████████████  100          100.0%   19.5  100.0%   23ms █',
		'  v2      ░░░░░░░░░░░░░    0            0.0%    0.0       -      - ▁',
		'  v3      ░░░░░░░░░░░░░    0            0.0%    0.0       -      - ▁',
		'',
		'requests/s · a v1  b v2  c v3  * several  ▲ weight change',
		'waiting for samples…',
		'',
		'',
		'',
		'',
		'',
		'',
		'',
		'',
		'',
		'',
		'Prometheus: Prometheus at http://127.0.0.1:9 did not answer in 5 s',
		'↑/k select  →/l more  ←/h less  ] step 10  Enter apply  Esc discard  u undo',
		'/ pick route  ? help  p plan  q/Ctrl-C quit',
	]);
});

test('tiny terminal, 20×6: a clear message that fits on the screen instead of a broken layout', async () => {
	const {rendered} = start({columns: 20, rows: 6});
	await settle();
	assert.deepEqual(lines(rendered.lastFrame()), [
		'Too small: 20×6',
		'needs 60×15',
		'q quits',
	]);
});

test('live, 60×24 and 60×15 (the narrowest allowed): the footer wraps to three lines and the header keeps its first line', async () => {
	for (const size of [{columns: 60, rows: 24}, {columns: 60, rows: 15}]) {
		const {rendered: sized} = start(size);
		await settle();
		const frame = lines(sized.lastFrame());
		const label = `${size.columns}×${size.rows}`;
		assert.ok(frame.length <= size.rows - 1, `${label}: ${frame.length} lines fit in ${size.rows - 1}`);
		assert.match(frame[0] ?? '', /^meshtop {2}ctx test-ctx/, `${label}: the header's first line is on screen`);
		assert.deepEqual(frame.slice(-3), [
			'↑/k select  →/l more  ←/h less  ] step 10  Enter apply',
			'Esc discard  u undo  / pick route  ? help  p plan',
			'q/Ctrl-C quit',
		], `${label}: the whole footer`);
		sized.unmount();
		rendered = undefined;
	}
});

test('long words, 60×15: a long context name and notice stay inside the screen, one truncated line each', async () => {
	const size = {columns: 60, rows: 15};
	const {store, rendered: sized} = start(size);
	await settle();
	const long = (word: string) => Array.from({length: 12}, (_, index) => `${word}-${index}`).join('.');
	store.dispatch({type: 'connected', connection: {...connection, contextName: long('arn:aws:eks:eu-west-1:cluster')}});
	store.dispatch({type: 'noticeShown', notice: {level: 'warn', text: `Prometheus: ${long('unreachable')}`}});
	await settle();
	const frame = lines(sized.lastFrame());
	assert.ok(frame.length <= size.rows - 1, `${frame.length} lines fit in ${size.rows - 1}`);
	for (const line of frame) {
		assert.ok(stringWidth(line) <= size.columns, `${stringWidth(line)} columns: ${line}`);
	}

	assert.match(frame[0] ?? '', /^meshtop {2}ctx arn:aws:eks/, 'the header starts with the context, truncated');
	assert.ok(frame.some(line => line.startsWith('Prometheus: unreachable-0.')), 'the notice is on screen, truncated');
	assert.equal(frame.at(-1), 'q/Ctrl-C quit', 'the footer is still whole');
});
