/**
 * Frames of the honest observed share and of HTTPRoutes: on a route that is one of several, the observed columns are
 * labelled as the whole service's; an HTTPRoute shows its backends by Service name and version label, and its parent.
 */
import {afterEach, test} from 'node:test';
import assert from 'node:assert/strict';
import {App} from '../../source/ui/App.js';
import {createStore} from '../../source/state/store.js';
import {initialState} from '../../source/state/app-state.js';
import {ConsoleController} from '../../source/state/controller.js';
import {serviceInfo, type ServiceInfo, type VirtualService} from '../../source/domain/virtual-service.js';
import {readIstioYaml} from '../../source/sim/istio-data.js';
import {FakeConsoleServices, bookinfoObjects} from '../helpers/fake-console-services.js';
import {keys, renderInk, settle, type RenderedInk} from '../helpers/render-ink.js';

const connection = {contextName: 'test-ctx', namespace: 'bookinfo', user: 'tester', server: 'https://example.invalid'};
const now = 1_000_000;
let rendered: RenderedInk | undefined;

afterEach(() => {
	rendered?.unmount();
	rendered = undefined;
});

const services: ServiceInfo[] = [...readIstioYaml('platform/bookinfo.yaml'), ...readIstioYaml('platform/bookinfo-versions.yaml')]
	.filter(object => object['kind'] === 'Service')
	.flatMap(object => serviceInfo(object, 'bookinfo') ?? []);

function httpRoute(file: string): VirtualService {
	const object = readIstioYaml(`bookinfo-gateway-api/${file}`).find(document => document['kind'] === 'HTTPRoute') as unknown as VirtualService;
	return {...object, metadata: {...object.metadata, namespace: 'bookinfo', resourceVersion: '300', uid: 'uid-route'}};
}

function start(objects: VirtualService[], vsName: string, metrics: FakeConsoleServices['metrics']) {
	const fake = new FakeConsoleServices(objects, bookinfoObjects().destinationRules, services);
	fake.now = () => now - 1000;
	fake.metrics = metrics;
	const store = createStore(initialState({connection, vsName}));
	const controller = new ConsoleController(store, fake, {refreshMs: 3_600_000});
	rendered = renderInk(<App store={store} controller={controller} now={() => now} />, {columns: 100, rows: 24});
	return {fake, store, rendered};
}

function lines(frame: string): string[] {
	return frame.split('\n').map(line => line.trimEnd());
}

test('the jason route of a two-route VirtualService labels its observed columns as the whole service\'s', async () => {
	const {virtualServices} = bookinfoObjects('bookinfo/virtual-service-reviews-test-v2.yaml');
	const {rendered} = start(virtualServices, 'reviews', {v1: {rps: 19, successRate: 1, p50Ms: 4, p99Ms: 20}, v2: {rps: 1, successRate: 1, p50Ms: 4, p99Ms: 20}});
	await settle();
	assert.deepEqual(lines(rendered.lastFrame()).slice(0, 8), [
		'meshtop  ctx test-ctx  ns bookinfo  vs reviews  route http[0] (headers end-user exact jason) 1/2',
		'kube ● live  prometheus ● live data 1s ago · window 4s  Prometheus',
		'',
		'observed: all routes of reviews (Istio\'s metrics carry no route label; not this route\'s progress)',
		'  VERSION WEIGHT                    STAGED OBSERVED    RPS     OK%    P99 RPS TREND',
		'▸ v1      ░░░░░░░░░░░░░░░░░░░░    0           95.0%   19.0  100.0%   20ms █',
		'  v2      ████████████████████  100            5.0%    1.0  100.0%   20ms ▁',
		'  v3      ░░░░░░░░░░░░░░░░░░░░    0            0.0%    0.0       -      - ▁',
	]);
	// The plan dialog says which population its gates judge.
	await rendered.press('p');
	assert.match(rendered.lastFrame(), /The gates judge all routes of this service: Istio's metrics carry no route label\./);
});

test('an HTTPRoute: backends by Service name with their version label, the parent in the header; v1 → 50/50 with the arrows', async () => {
	const {rendered, fake} = start([httpRoute('route-reviews-v1.yaml')], 'httproute/reviews', {'reviews-v1': {rps: 20, successRate: 1, p50Ms: 4, p99Ms: 20}});
	await settle();
	const frame = lines(rendered.lastFrame());
	assert.equal(frame[0], 'meshtop  ctx test-ctx  ns bookinfo  httproute reviews (mesh)  route rules[0] (default) 1/1');
	// The only rule: its observed figures are its own, so no whole-service label.
	assert.ok(!frame.some(line => line.startsWith('observed: all routes')), frame.join('\n'));
	assert.match(frame.find(line => line.includes('reviews-v1 (v1)')) ?? '', /100\s+100\.0%\s+20\.0/);
	assert.ok(frame.some(line => line.includes('reviews-v3 (v3)')));
	await rendered.press(keys.down, keys.down, keys.right, keys.right, keys.right, keys.right, keys.right, keys.enter, keys.enter);
	await settle();
	const patch = fake.patches.at(-1);
	assert.equal(patch?.name, 'httproute/reviews');
	assert.deepEqual(patch?.operations.filter(operation => operation.op !== 'test'), [
		{op: 'add', path: '/spec/rules/0/backendRefs/0/weight', value: 50},
		{op: 'add', path: '/spec/rules/0/backendRefs/-', value: {name: 'reviews-v3', port: 9080, weight: 50}},
	]);
});

test('an HTTPRoute with a ServiceImport backend: it is shown read-only with its reason and keeps its 20; the Services shift around it', async () => {
	const route = httpRoute('route-reviews-v1.yaml');
	route.spec['rules'] = [{backendRefs: [
		{group: '', kind: 'Service', name: 'reviews-v1', port: 9080, weight: 80},
		{group: 'multicluster.x-k8s.io', kind: 'ServiceImport', name: 'reviews-remote', port: 9080, weight: 20},
	]}];
	const {rendered, fake} = start([route], 'httproute/reviews', {'reviews-v1': {rps: 16, successRate: 1, p50Ms: 4, p99Ms: 20}});
	await settle();
	let frame = lines(rendered.lastFrame());
	// Versions are sorted by name: reviews-remote, reviews-v1 (v1), reviews-v2 (v2), reviews-v3 (v3).
	assert.match(frame.find(line => line.includes('reviews-remote')) ?? '', /^▸ reviews-remote\s+█+░+\s+20\b/);
	assert.ok(frame.includes('    read-only: a multicluster.x-k8s.io/ServiceImport, not a Service: its weight is kept as is'), frame.join('\n'));
	// → on the ServiceImport stages nothing and says why.
	await rendered.press(keys.right);
	assert.match(rendered.lastFrame(), /reviews-remote is read-only: its weight is kept as is; select a Service backend to shift\./);
	assert.doesNotMatch(rendered.lastFrame(), /→ \d/);
	// v3 takes 50 from v1 alone; the ServiceImport stays at 20.
	await rendered.press(keys.down, keys.down, keys.down, keys.right, keys.right, keys.right, keys.right, keys.right);
	frame = lines(rendered.lastFrame());
	assert.match(frame.find(line => line.includes('reviews-v1 (v1)')) ?? '', /\s80\s+→ 30\s/);
	assert.match(frame.find(line => line.includes('reviews-v3 (v3)')) ?? '', /\s0\s+→ 50\s/);
	assert.match(frame.find(line => line.includes('reviews-remote')) ?? '', /\s20\s{2,}/);
	assert.doesNotMatch(frame.find(line => line.includes('reviews-remote')) ?? '', /→/);
	await rendered.press(keys.enter, keys.enter);
	await settle();
	const patch = fake.patches.at(-1);
	assert.equal(patch?.name, 'httproute/reviews');
	// The write touches the Services' entries only: nothing at backendRefs/1.
	assert.deepEqual(patch?.operations.filter(operation => operation.op !== 'test'), [
		{op: 'replace', path: '/spec/rules/0/backendRefs/0/weight', value: 30},
		{op: 'add', path: '/spec/rules/0/backendRefs/-', value: {name: 'reviews-v3', port: 9080, weight: 50}},
	]);
	assert.ok(!patch.operations.some(operation => operation.path.includes('/backendRefs/1')));
});
