/**
 * The console asks the API server whether the user may patch the route object (SelfSubjectAccessReview through the
 * ports) and, refused, starts read-only with the reason on screen and no way to write.
 */
import {afterEach, test} from 'node:test';
import assert from 'node:assert/strict';
import {App} from '../../source/ui/App.js';
import {createStore} from '../../source/state/store.js';
import {initialState} from '../../source/state/app-state.js';
import {ConsoleController} from '../../source/state/controller.js';
import type {AccessReview} from '../../source/ports/console-services.js';
import {FakeConsoleServices, bookinfoObjects} from '../helpers/fake-console-services.js';
import {keys, renderInk, settle, type RenderedInk} from '../helpers/render-ink.js';

const connection = {contextName: 'test-ctx', namespace: 'bookinfo', user: 'viewer', server: 'https://example.invalid'};
const refused: AccessReview = {allowed: false, reason: 'user viewer cannot patch virtualservices/reviews in bookinfo (SelfSubjectAccessReview)'};
let rendered: RenderedInk | undefined;

afterEach(() => {
	rendered?.unmount();
	rendered = undefined;
});

function start(access: AccessReview | string, options: {readOnly?: boolean; vsName?: string} = {}) {
	const {virtualServices, destinationRules} = bookinfoObjects();
	const services = new FakeConsoleServices(virtualServices, destinationRules);
	services.access = access;
	const store = createStore(initialState({connection, vsName: options.vsName ?? 'reviews', readOnly: options.readOnly}));
	const controller = new ConsoleController(store, services, {refreshMs: 60_000});
	rendered = renderInk(<App store={store} controller={controller} />, {columns: 120, rows: 30});
	return {services, store, rendered};
}

test('refused patch: read-only from the start, the reason under the header, arrows and Enter write nothing', async () => {
	const {services, rendered} = start(refused);
	await settle();
	const frame = rendered.lastFrame();
	assert.deepEqual(services.accessQuestions, ['reviews']);
	assert.match(frame, /READ-ONLY/);
	assert.match(frame, /read-only: user viewer cannot patch virtualservices\/reviews in bookinfo \(SelfSubjectAccessReview\)/);
	assert.doesNotMatch(frame, /Enter apply/, 'the footer offers no write');
	await rendered.press(keys.down, keys.down, keys.right, keys.right, keys.enter, keys.enter);
	await settle();
	assert.equal(services.patches.length, 0);
	assert.doesNotMatch(rendered.lastFrame(), /→ 20/, 'nothing was staged');
});

test('allowed patch: writable, no read-only line, a change is written', async () => {
	const {services, rendered} = start({allowed: true});
	await settle();
	assert.doesNotMatch(rendered.lastFrame(), /READ-ONLY|read-only:/);
	await rendered.press(keys.down, keys.down, keys.right, keys.enter, keys.enter);
	await settle();
	assert.equal(services.patches.length, 1);
});

test('the review cannot be asked (API error): the console stays writable, a write then says what the server says', async () => {
	const {services, rendered} = start('connect ECONNREFUSED');
	await settle();
	assert.deepEqual(services.accessQuestions, ['reviews']);
	assert.doesNotMatch(rendered.lastFrame(), /READ-ONLY/);
});

test('--read-only: nothing is asked, and the header has no API reason', async () => {
	const {services, rendered} = start(refused, {readOnly: true});
	await settle();
	assert.deepEqual(services.accessQuestions, []);
	assert.match(rendered.lastFrame(), /READ-ONLY/);
	assert.doesNotMatch(rendered.lastFrame(), /read-only:/);
});
