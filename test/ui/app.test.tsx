import {afterEach, test} from 'node:test';
import assert from 'node:assert/strict';
import {App} from '../../source/ui/App.js';
import {createStore} from '../../source/state/store.js';
import {initialState} from '../../source/state/app-state.js';
import {ConsoleController} from '../../source/state/controller.js';
import {readIstioYaml} from '../../source/sim/istio-data.js';
import {FakeConsoleServices, bookinfoObjects} from '../helpers/fake-console-services.js';
import {keys, renderInk, settle, type RenderedInk} from '../helpers/render-ink.js';
import {ManualClock} from '../helpers/manual-clock.js';
import {takeKeyFrame} from '../../source/ui/key-frame.js';

const connection = {contextName: 'test-ctx', namespace: 'bookinfo', user: 'tester', server: 'https://example.invalid'};
let rendered: RenderedInk | undefined;

afterEach(() => {
	rendered?.unmount();
	rendered = undefined;
});

function start(options: {readOnly?: boolean; vsName?: string; size?: {columns: number; rows: number}; clock?: ManualClock} = {}) {
	const {virtualServices, destinationRules} = bookinfoObjects();
	const services = new FakeConsoleServices(virtualServices, destinationRules);
	services.metrics = {v1: {rps: 19.5, successRate: 1, p50Ms: 4, p99Ms: 23}};
	const store = createStore(initialState({connection, vsName: 'vsName' in options ? options.vsName : 'reviews', readOnly: options.readOnly}));
	const controller = new ConsoleController(store, services, {refreshMs: 60_000, ...(options.clock === undefined ? {} : {clock: options.clock})});
	rendered = renderInk(<App store={store} controller={controller} />, options.size ?? {columns: 100, rows: 30});
	return {services, store, rendered};
}

function rowOf(frame: string, version: string): string {
	const line = frame.split('\n').find(text => new RegExp(`^[ ▸] ${version} `).test(text));
	assert.ok(line, `no row for ${version} in:\n${frame}`);
	return line;
}

/** Version names of the table's rows, top to bottom. */
function rowOrder(frame: string): string[] {
	return frame.split('\n').flatMap(line => /^[ ▸] (v\d+) /.exec(line)?.[1] ?? []);
}

test('shows the route of the VirtualService with every DestinationRule subset and live metrics', async () => {
	const {rendered} = start();
	await settle();
	const frame = rendered.lastFrame();
	assert.match(frame, /ctx test-ctx/);
	assert.match(frame, /vs reviews/);
	assert.match(rowOf(frame, 'v1'), /█ +100 .*100\.0% +19\.5 +100\.0% +23ms/);
	assert.match(rowOf(frame, 'v2'), /░ +0 /);
	assert.match(rowOf(frame, 'v3'), /░ +0 /);
});

test('each key marks its frame as one the render throttle must not hold (the bundle\'s Ink asks)', async () => {
	const {rendered} = start();
	await settle();
	takeKeyFrame();
	assert.equal(takeKeyFrame(), false, 'no key, no key frame');
	await rendered.press(keys.down);
	assert.equal(takeKeyFrame(), true);
	assert.equal(takeKeyFrame(), false, 'one key, one unthrottled frame');
});

test('→ on v3 five times with step 10 and Enter twice writes the 50/50 split of the Istio sample', async () => {
	const {services, rendered} = start();
	await settle();
	await rendered.press(keys.down, keys.down);
	await rendered.press(...Array.from({length: 5}, () => keys.right));
	assert.match(rowOf(rendered.lastFrame(), 'v3'), /0 +→ 50/);
	assert.match(rowOf(rendered.lastFrame(), 'v1'), /100 +→ 50/);
	assert.equal(services.patches.length, 0, 'arrows only stage');

	await rendered.press(keys.enter);
	const review = rendered.lastFrame();
	assert.match(review, /Apply to bookinfo\/reviews/);
	assert.match(review, /v1.*100.*50/);
	assert.match(review, /v3.*0.*50/);
	await rendered.press(keys.enter);
	await settle();

	assert.equal(services.patches.length, 1);
	assert.deepEqual(services.patches[0]!.operations[0], {op: 'test', path: '/metadata/resourceVersion', value: '101'});
	const expected = readIstioYaml('bookinfo/virtual-service-reviews-50-v3.yaml')[0]!;
	assert.deepEqual(services.objects.get('reviews')!.spec, expected['spec']);
	assert.match(rendered.lastFrame(), /Applied: v1 50 \/ v2 0 \/ v3 50/);
	assert.match(rowOf(rendered.lastFrame(), 'v3'), /^▸/, 'rows keep their order after the write, and the selection stays on v3');
	assert.deepEqual(rowOrder(rendered.lastFrame()), ['v1', 'v2', 'v3'], 'v3, appended to the route by the write, does not jump above v2');
	assert.equal(services.recorded.length, 1);
	assert.deepEqual(services.recorded[0]!.after, {v1: 50, v2: 0, v3: 50});
});

test('Esc discards a staged change and nothing is written', async () => {
	const {services, rendered} = start();
	await settle();
	await rendered.press(keys.down, keys.down, keys.right);
	assert.match(rowOf(rendered.lastFrame(), 'v3'), /→ 10/);
	await rendered.press(keys.escape);
	assert.doesNotMatch(rowOf(rendered.lastFrame(), 'v3'), /→/);
	await rendered.press(keys.enter);
	assert.equal(services.patches.length, 0);
	assert.match(rendered.lastFrame(), /Nothing staged/);
});

test('[ and ] cycle the step through 1, 5, 10, 25', async () => {
	const {rendered} = start();
	await settle();
	assert.match(rendered.lastFrame(), /] step 10/);
	await rendered.press(']');
	assert.match(rendered.lastFrame(), /] step 25/);
	await rendered.press('[', '[', '[');
	assert.match(rendered.lastFrame(), /] step 1\b/);
	await rendered.press(keys.down, keys.down, keys.right);
	assert.match(rowOf(rendered.lastFrame(), 'v3'), /→ 1\b/);
});

test('an edit made elsewhere between staging and Enter is a conflict: nothing is overwritten', async () => {
	const {services, rendered} = start();
	await settle();
	await rendered.press(keys.down, keys.down, keys.right, keys.right);
	services.external('reviews', vs => {
		const route = (vs.spec['http'] as Array<{route: Array<Record<string, unknown>>}>)[0]!;
		route.route.push({destination: {host: 'reviews', subset: 'v2'}, weight: 30});
		route.route[0]!['weight'] = 70;
		return vs;
	});
	await settle();
	assert.match(rendered.lastFrame(), /changed elsewhere/);
	await rendered.press(keys.enter, keys.enter);
	await settle();
	assert.equal(services.patches.length, 0, 'a stale staged change is never sent');
	assert.match(rendered.lastFrame(), /Conflict: reviews was changed by someone else/);
	assert.match(rowOf(rendered.lastFrame(), 'v1'), / 70 /);
	assert.match(rowOf(rendered.lastFrame(), 'v2'), / 30 /);
});

test('u undoes the last applied change exactly, and refuses once the VirtualService moved on', async () => {
	const {services, rendered} = start();
	await settle();
	await rendered.press(keys.down, keys.down, keys.right, keys.right, keys.enter, keys.enter);
	await settle();
	assert.equal(services.patches.length, 1);
	const before = readIstioYaml('bookinfo/virtual-service-all-v1.yaml').find(object => (object['metadata'] as {name: string}).name === 'reviews')!;
	await rendered.press('u');
	await settle();
	assert.equal(services.patches.length, 2);
	assert.match(rendered.lastFrame(), /Undone: v1 100 \/ v2 0 \/ v3 0/);
	// Exact, not equivalent: from [{destination: v1}], the weight written on v1 and the v3 destination appended are gone again.
	assert.deepEqual(services.objects.get('reviews')!.spec, before['spec'], 'undo writes the route back byte for byte');
	assert.deepEqual(services.patches[1]!.operations[0], {op: 'test', path: '/metadata/resourceVersion', value: services.recorded[0]!.resourceVersionAfter});
	assert.deepEqual((services.objects.get('reviews')!.spec['hosts']), (before['spec'] as {hosts: string[]}).hosts);

	await rendered.press(keys.right, keys.enter, keys.enter);
	await settle();
	services.external('reviews', vs => ({...vs, metadata: {...vs.metadata, labels: {touched: 'yes'}}}));
	await settle();
	await rendered.press('u');
	await settle();
	assert.equal(services.patches.length, 3, 'no undo write after an external change');
	assert.match(rendered.lastFrame(), /Not undoing: reviews changed elsewhere/);
});

test('--read-only unbinds every key that writes or stages, and says so', async () => {
	const {services, rendered} = start({readOnly: true});
	await settle();
	assert.match(rendered.lastFrame(), /READ-ONLY/);
	assert.doesNotMatch(rendered.lastFrame(), /Enter apply/);
	await rendered.press(keys.down, keys.down, keys.right, keys.enter, keys.enter, 'u');
	await settle();
	assert.doesNotMatch(rowOf(rendered.lastFrame(), 'v3'), /→/);
	assert.equal(services.patches.length, 0);
	await rendered.press('?');
	assert.match(rendered.lastFrame(), /disabled: --read-only/);
});

test('? lists every command of the keymap', async () => {
	const {rendered} = start();
	await settle();
	await rendered.press('?');
	const frame = rendered.lastFrame();
	for (const text of ['↑/k ↓/j +select a version', '\\[ +\\] +step size', 'undo the last change', 'pick another route', 'p +plan a progressive migration', 'quit']) {
		assert.match(frame, new RegExp(text));
	}

	await rendered.press(keys.escape);
	assert.doesNotMatch(rendered.lastFrame(), /meshtop keys/);
});

test('without a name the picker opens; typing filters and Enter opens the VirtualService', async () => {
	const {rendered} = start({vsName: undefined});
	await settle();
	assert.match(rendered.lastFrame(), /4 of 4/);
	await rendered.press('r', 'a');
	assert.match(rendered.lastFrame(), /1 of 4/);
	assert.match(rendered.lastFrame(), /▸ ratings/);
	await rendered.press(keys.backspace, keys.backspace, 'rev', keys.enter);
	assert.match(rendered.lastFrame(), /vs reviews/);
	assert.match(rowOf(rendered.lastFrame(), 'v1'), /100/);
});

test('a terminal below 60×15 gets a clear message, and resizing back restores the console', async () => {
	const {rendered} = start({size: {columns: 50, rows: 12}});
	await settle();
	assert.match(rendered.lastFrame(), /Terminal too small: 50×12/);
	await rendered.resize(80, 24);
	assert.match(rowOf(rendered.lastFrame(), 'v1'), /100/);
	for (const line of rendered.lastFrame().split('\n')) {
		assert.ok(line.length <= 80, `line wider than 80: ${line}`);
	}
});

test('Prometheus failures keep the last numbers, marked stale', async () => {
	const clock = new ManualClock();
	const {services, rendered} = start({clock});
	await settle();
	assert.match(rowOf(rendered.lastFrame(), 'v1'), /19\.5/);
	// The source fails; the controller's next refresh finds out.
	services.failMetrics = 'Prometheus at http://127.0.0.1:9 did not answer in 5 s';
	clock.advanceTo(60_000);
	await settle();
	assert.match(rendered.lastFrame(), /prometheus ● stale/);
	assert.match(rendered.lastFrame(), /did not answer/);
	assert.match(rowOf(rendered.lastFrame(), 'v1'), /19\.5/);
});

test('a malformed VirtualService is shown with its problems and nothing can be staged or written', async () => {
	const {services, rendered} = start();
	await settle();
	services.external('reviews', vs => {
		const route = (vs.spec['http'] as Array<{route: Array<Record<string, unknown>>}>)[0]!;
		route.route[0]!['weight'] = 'fifty';
		return vs;
	});
	await settle();
	const frame = rendered.lastFrame();
	assert.match(frame, /VirtualService reviews is malformed; meshtop shows it and writes nothing to it/);
	assert.match(frame, /spec\.http\[0\]\.route\[0\]\.weight must be a non-negative integer \(got "fifty"\)/);
	await rendered.press(keys.right, keys.enter, keys.enter, 'u');
	await settle();
	assert.equal(services.patches.length, 0);
	services.external('reviews', vs => {
		const route = (vs.spec['http'] as Array<{route: Array<Record<string, unknown>>}>)[0]!;
		route.route[0]!['weight'] = 100;
		return vs;
	});
	await settle();
	assert.match(rowOf(rendered.lastFrame(), 'v1'), /100/, 'fixed elsewhere, the console is usable again');
});

test('keys arriving in one chunk (fast typing) each count', async () => {
	const {rendered} = start();
	await settle();
	await rendered.press('jj');
	assert.match(rowOf(rendered.lastFrame(), 'v3'), /^▸/);
	await rendered.press('ll');
	assert.match(rowOf(rendered.lastFrame(), 'v3'), /→ 20/);
});

test('a VirtualService deleted elsewhere is said so, and its staged change is dropped', async () => {
	const {services, rendered} = start();
	await settle();
	await rendered.press(keys.down, keys.down, keys.right);
	services.remove('reviews');
	await settle();
	assert.match(rendered.lastFrame(), /VirtualService reviews was deleted; your staged change was discarded\. Press \/ to pick another\./);
	assert.match(rendered.lastFrame(), /VirtualService reviews not found in namespace bookinfo/);
	await rendered.press(keys.enter, keys.enter);
	assert.equal(services.patches.length, 0);
});

test('Tab moves to the next route of a VirtualService with header-matched routes', async () => {
	const {virtualServices, destinationRules} = bookinfoObjects('bookinfo/virtual-service-reviews-test-v2.yaml');
	const services = new FakeConsoleServices(virtualServices, destinationRules);
	const store = createStore(initialState({connection, vsName: 'reviews'}));
	rendered = renderInk(<App store={store} controller={new ConsoleController(store, services, {refreshMs: 60_000})} />, {columns: 100, rows: 30});
	await settle();
	assert.match(rendered.lastFrame(), /route http\[0\] \(headers end-user exact jason\) 1\/2/);
	assert.match(rowOf(rendered.lastFrame(), 'v2'), /100/);
	await rendered.press(keys.tab);
	assert.match(rendered.lastFrame(), /route http\[1\] \(default\) 2\/2/);
	assert.match(rowOf(rendered.lastFrame(), 'v1'), /100/);
	await rendered.press(keys.down, keys.right, keys.enter, keys.enter);
	await settle();
	const http = services.objects.get('reviews')!.spec['http'] as Array<{route: Array<{destination: {subset: string}; weight?: number}>}>;
	assert.equal(http[0]!.route[0]!.weight, undefined, 'the jason route is untouched');
	assert.deepEqual(http[1]!.route.map(entry => [entry.destination.subset, entry.weight]), [['v1', 90], ['v2', 10]]);
});
