import {afterEach, test} from 'node:test';
import assert from 'node:assert/strict';
import {App} from '../../source/ui/App.js';
import {createStore} from '../../source/state/store.js';
import {initialState} from '../../source/state/app-state.js';
import {ConsoleController} from '../../source/state/controller.js';
import type {VirtualService} from '../../source/domain/virtual-service.js';
import {FakeConsoleServices, bookinfoObjects} from '../helpers/fake-console-services.js';
import {ManualClock} from '../helpers/manual-clock.js';
import {keys, renderInk, settle, type RenderedInk} from '../helpers/render-ink.js';

const connection = {contextName: 'test-ctx', namespace: 'bookinfo', user: 'tester', server: 'https://example.invalid'};
const healthy = {rps: 5, successRate: 1, p50Ms: 4, p99Ms: 20};
let rendered: RenderedInk | undefined;
let controller: ConsoleController | undefined;

afterEach(() => {
	rendered?.unmount();
	controller?.stop();
	rendered = undefined;
});

function start(options: {readOnly?: boolean} = {}) {
	const {virtualServices, destinationRules} = bookinfoObjects();
	const services = new FakeConsoleServices(virtualServices, destinationRules);
	services.metrics = {v1: {rps: 20, successRate: 1, p50Ms: 4, p99Ms: 20}, v3: healthy};
	const clock = new ManualClock();
	const store = createStore(initialState({connection, vsName: 'reviews', readOnly: options.readOnly}));
	controller = new ConsoleController(store, services, {refreshMs: 3_600_000, clock});
	rendered = renderInk(<App store={store} controller={controller} now={() => clock.now()} />, {columns: 100, rows: 32});
	return {services, store, clock, rendered};
}

function weights(vs: VirtualService | undefined): Record<string, number> {
	const route = (vs?.spec['http'] as Array<{route: Array<{destination: {subset: string}; weight?: number}>}>)[0]!.route;
	return Object.fromEntries(route.map(entry => [entry.destination.subset, entry.weight ?? 100]));
}

/** Replaces the text of the focused plan field. */
async function retype(view: RenderedInk, text: string): Promise<void> {
	await view.press(...Array.from({length: 40}, () => keys.backspace));
	await view.press(text);
}

/** Lets the driver's write or measurement (promises on fake services) finish. */
async function flush(): Promise<void> {
	for (let index = 0; index < 5; index++) {
		await settle();
	}
}

test('p opens the plan dialog on the selected version with the defaults of the issue; Esc closes it', async () => {
	const {rendered} = start();
	await settle();
	await rendered.press(keys.down, keys.down, 'p');
	const frame = rendered.lastFrame();
	assert.match(frame, /Progressive migration on route http\[0\] \(from v1 100 \/ v2 0 \/ v3 0\)/);
	assert.match(frame, /migrate to +‹ v3 ›/);
	assert.match(frame, /steps +10,25,50,100/);
	assert.match(frame, /hold each step +30s/);
	assert.match(frame, /gates +success>=99\.5 p99<=500ms min-rps=1/);
	await rendered.press(keys.escape);
	assert.doesNotMatch(rendered.lastFrame(), /Progressive migration/);
});

test('a healthy plan 0→100 on v3 writes every step, shows progress and gates with their evidence, and completes', async () => {
	const {services, clock, rendered} = start();
	// Busy enough that 4 s of traffic prove success ≥ 99.5% (at 5 req/s the gate would rightly wait for more).
	services.metrics = {...services.metrics, v3: {...healthy, rps: 5000}};
	await settle();
	await rendered.press(keys.down, keys.down, 'p', keys.down);
	await retype(rendered, '25');
	await rendered.press(keys.down);
	await retype(rendered, '5s');
	await rendered.press(keys.enter);
	await flush();
	assert.deepEqual(weights(services.objects.get('reviews')), {v1: 75, v3: 25});
	assert.match(rendered.lastFrame(), /plan → v3 +step 1\/4 \(25%\)/);
	assert.match(rendered.lastFrame(), /next in 5s/);
	assert.doesNotMatch(rendered.lastFrame(), /changed elsewhere/, 'the plan\'s own writes are not changes made elsewhere');

	for (const [time, v3] of [[5000, 50], [10_000, 75], [15_000, 100]] as const) {
		clock.advanceTo(time);
		await flush();
		assert.equal(weights(services.objects.get('reviews'))['v3'], v3, `v3 at ${time} ms`);
	}

	assert.match(rendered.lastFrame(), /success 100\.0% \(n=20,000, 95% 99\.9–100\.0%\) ≥ 99\.5 ✓/);
	assert.match(rendered.lastFrame(), /p99 20 ms \(n=20,000\) ≤ 500 ms ✓/);
	assert.deepEqual(services.countsCalls.slice(0, 3), [4000, 4000, 4000], 'each step judged on its own 5 s minus the 1 s settle');
	clock.advanceTo(20_000);
	await flush();
	assert.match(rendered.lastFrame(), /completed/);
	assert.match(rendered.lastFrame(), /Plan completed/);
	assert.deepEqual(services.recorded.map(change => change.note?.split(';')[0]), ['plan step 1/4', 'plan step 2/4', 'plan step 3/4', 'plan step 4/4']);
	assert.equal(services.recorded[0]?.note, 'plan step 1/4', 'nothing was judged before the first step');
	assert.match(services.recorded[1]?.note ?? '', /^plan step 2\/4; gates at 25%: success 100\.0% \(n=20,000, 95% 99\.9–100\.0%\) ≥ 99\.5 ✓; p99 20 ms \(n=20,000\) ≤ 500 ms ✓; rps 5000\.0 \(n=20,000 in 4 s\) ≥ 1 ✓$/);
	assert.ok(services.recorded.every(change => change.source === 'console'));
});

test('a failing gate pauses the plan and names the gate; r rolls back to the start split', async () => {
	const {services, clock, rendered} = start();
	await settle();
	await rendered.press(keys.down, keys.down, 'p', keys.down);
	await retype(rendered, '25');
	await rendered.press(keys.down);
	await retype(rendered, '5s');
	await rendered.press(keys.enter);
	await flush();
	services.metrics = {...services.metrics, v3: {rps: 5, successRate: 0.8, p50Ms: 4, p99Ms: 20}};
	clock.advanceTo(5000);
	await flush();
	assert.deepEqual(weights(services.objects.get('reviews')), {v1: 75, v3: 25}, 'the split is left as it was');
	assert.match(rendered.lastFrame(), /paused/);
	assert.match(rendered.lastFrame(), /Plan paused: gate failed at 25%: success>=99\.5: 80\.0% \(n=20,/);
	assert.match(rendered.lastFrame(), /success 80\.0% \(n=20, 95% [\d.]+–[\d.]+%\) < 99\.5 ✗/);

	const writes = services.patches.length;
	await rendered.press(keys.right, keys.enter, keys.enter);
	assert.doesNotMatch(rendered.lastFrame(), /→ \d/, 'manual staging is off while a plan is active');
	assert.equal(services.patches.length, writes);
	await rendered.press('r');
	await flush();
	assert.deepEqual(weights(services.objects.get('reviews')), {v1: 100, v3: 0});
	assert.match(rendered.lastFrame(), /rolled-back/);
});

test('Space pauses and resumes; P promotes to the target at once', async () => {
	const {services, clock, rendered} = start();
	await settle();
	await rendered.press(keys.down, keys.down, 'p', keys.down, keys.down);
	await retype(rendered, '5s');
	await rendered.press(keys.enter);
	await flush();
	assert.equal(weights(services.objects.get('reviews'))['v3'], 10);
	await rendered.press(' ');
	await flush();
	assert.match(rendered.lastFrame(), /paused/);
	clock.advanceTo(60_000);
	await flush();
	assert.equal(weights(services.objects.get('reviews'))['v3'], 10, 'a paused plan writes nothing');
	await rendered.press(' ');
	await flush();
	assert.match(rendered.lastFrame(), /running/);
	await rendered.press('P');
	await flush();
	assert.equal(weights(services.objects.get('reviews'))['v3'], 100);
	assert.match(rendered.lastFrame(), /completed/);
});

test('the dialog says what is wrong with its choices and starts nothing', async () => {
	const {services, rendered} = start();
	await settle();
	await rendered.press(keys.down, keys.down, 'p', keys.down);
	await retype(rendered, '50,25');
	await rendered.press(keys.enter);
	assert.match(rendered.lastFrame(), /steps must increase/);
	await rendered.press(keys.down);
	await retype(rendered, 'soon');
	await rendered.press(keys.up);
	await retype(rendered, '50');
	await rendered.press(keys.enter);
	assert.match(rendered.lastFrame(), /invalid duration "soon"/);
	assert.equal(services.patches.length, 0);
});

test('read-only: p is not bound', async () => {
	const {rendered} = start({readOnly: true});
	await settle();
	await rendered.press('p');
	assert.doesNotMatch(rendered.lastFrame(), /Progressive migration/);
	assert.doesNotMatch(rendered.lastFrame(), /p plan/);
});

test('text typed or pasted in one chunk, Enter included, fills the field and starts the plan', async () => {
	const {services, rendered} = start();
	await settle();
	await rendered.press(keys.down, keys.down, 'p', keys.down, keys.down);
	await rendered.press(...Array.from({length: 5}, () => keys.backspace));
	await rendered.press('5s\r');
	await flush();
	assert.match(rendered.lastFrame(), /plan → v3 +step 1\/4 \(10%\)/);
	assert.equal(services.patches.length, 1);
});
