/**
 * The console's controller wired to the real adapters (createConsoleServices) against the simulated cluster and the
 * real API server of the test bed:
 * the watch feeding the store, conflicts detected on both sides of the wire, undo, a dead Prometheus and the trail.
 * The built-in Prometheus is enough here: no assertion is about metric values.
 */
import assert from 'node:assert/strict';
import {after, before, beforeEach, describe, it, type TestContext} from 'node:test';
import {createConsoleServices} from '../../source/app/console-services.js';
import type {PrometheusOptions} from '../../source/app/prometheus-connection.js';
import {routeWeights, type JsonPatchOperation} from '../../source/domain/virtual-service.js';
import {loadKubeTarget} from '../../source/kube/config.js';
import {initialState, type AppState} from '../../source/state/app-state.js';
import {ConsoleController} from '../../source/state/controller.js';
import {IstioApi} from '../../source/kube/istio-api.js';
import type {SplitStore} from '../../source/write/split-writer.js';
import {currentRoute, currentVirtualService} from '../../source/state/selectors.js';
import {createStore, type Store} from '../../source/state/store.js';
import {HistoryFile} from '../../source/trail/history-file.js';
import {changeEventReason} from '../../source/trail/record.js';
import {backends, virtualServices, type ClusterFixture} from '../helpers/cluster-fixture.js';
import {waitFor} from '../helpers/wait-for.js';
import {closedPort} from '../helpers/closed-port.js';
import {setEnv} from '../helpers/env.js';

/** A patch the controller sent, and how the API server answered it. */
interface PatchCall {
	operations: JsonPatchOperation[];
	error?: {kind: unknown; status: unknown; message: string};
}

/** A running console without the UI: the store the UI would read, the controller, and the patches it sent. */
interface Session {
	store: Store;
	controller: ConsoleController;
	patches: PatchCall[];
	/** Names the controller re-read with services.get (after a refused write). */
	reads: string[];
	state(): AppState;
}

for (const backend of backends) describe(`ConsoleController against the ${backend.name}`, {timeout: 60_000, skip: backend.skip}, () => {
	let sim: ClusterFixture;
	let restoreHistory = (): void => undefined;

	/** Starts a console on reviews (stopped in the test's cleanup) and waits until the watch has delivered the current object. */
	async function openConsole(t: TestContext, prometheus: PrometheusOptions = {url: sim.prometheusUrl}): Promise<Session> {
		const target = loadKubeTarget({kubeconfig: sim.kubeconfig, namespace: 'bookinfo'});
		const api = new IstioApi(target);
		const patches: PatchCall[] = [];
		const reads: string[] = [];
		// Records the writes and re-reads sent to the API server; everything else is the real adapter.
		const spied: SplitStore = {
			async patchRoute(kind, namespace, name, operations) {
				const call: PatchCall = {operations};
				patches.push(call);
				try {
					return await api.patchRoute(kind, namespace, name, operations);
				} catch (error) {
					const {kind, status} = error as {kind?: unknown; status?: unknown};
					call.error = {kind, status, message: error instanceof Error ? error.message : String(error)};
					throw error;
				}
			},
			async getRoute(kind, namespace, name) {
				reads.push(name);
				return api.getRoute(kind, namespace, name);
			},
		};
		const services = createConsoleServices(target, {prometheus, store: spied});
		const store = createStore(initialState({
			connection: {contextName: target.contextName, namespace: target.namespace, user: target.user, server: target.server},
			vsName: 'reviews',
		}));
		const controller = new ConsoleController(store, services, {refreshMs: 500});
		t.after(async () => {
			await controller.stop();
			await services.close();
		});
		controller.start();
		const current = (await stored()).metadata.resourceVersion;
		// 'live' once both lists are in: the VirtualServices can arrive before the DestinationRules that add v2 and v3.
		await waitFor(() => store.getState().kubeStatus === 'live' && currentVirtualService(store.getState())?.metadata.resourceVersion === current, {message: `the watch delivered reviews at resourceVersion ${current ?? '?'} and the DestinationRules`});
		return {store, controller, patches, reads, state: () => store.getState()};
	}

	const stored = async () => sim.getObject('virtualservice', 'reviews');

	/** Weights of the route on screen, as the console shows them. */
	const shownWeights = (session: Session) => {
		const route = currentRoute(session.state());
		return route === undefined ? undefined : routeWeights(route);
	};

	/** Selects `key` (↑↓) and presses → `presses` times. */
	function stage(session: Session, key: string, presses: number): void {
		const keys = currentRoute(session.state())?.destinations.map(destination => destination.key) ?? [];
		assert.ok(keys.includes(key), `${key} is among ${keys.join(', ')}`);
		while (session.state().selectedKey !== key) {
			session.store.dispatch({type: 'selectionMoved', delta: 1});
		}

		for (let press = 0; press < presses; press++) {
			session.store.dispatch({type: 'weightsStaged', direction: 1});
		}
	}

	/** reviews' route as someone else sets it. */
	const externalSplit = (v1: number, v2: number) => (spec: Record<string, unknown>) => {
		spec['http'] = [{route: [{destination: {host: 'reviews', subset: 'v1'}, weight: v1}, {destination: {host: 'reviews', subset: 'v2'}, weight: v2}]}];
	};

	before(async () => {
		sim = await backend.start({prometheus: 'builtin', requestsPerSecond: 5});
		restoreHistory = setEnv('MESHTOP_HISTORY', sim.historyFile);
	});
	after(async () => {
		restoreHistory();
		await sim?.stop();
	});
	beforeEach(async () => {
		await sim.resetReviews();
	});

	it('(a) changes made elsewhere reach the store: through the API, and through real kubectl', async t => {
		const session = await openConsole(t);
		assert.deepEqual(shownWeights(session), {v1: 100, v2: 0, v3: 0});

		await sim.editReviews(externalSplit(70, 30));
		const edited = (await stored()).metadata.resourceVersion;
		await waitFor(() => session.state().virtualServices.get('reviews')?.metadata.resourceVersion === edited, {message: 'store edit delivered'});
		assert.deepEqual(shownWeights(session), {v1: 70, v2: 30, v3: 0});
		assert.equal(session.state().notice?.text, 'reviews changed elsewhere: now v1 70 / v2 30 / v3 0.');

		const patch = JSON.stringify([{op: 'replace', path: '/spec/http/0/route/0/weight', value: 40}, {op: 'replace', path: '/spec/http/0/route/1/weight', value: 60}]);
		await sim.kubectl(['patch', 'virtualservice', 'reviews', '--type=json', '-p', patch]);
		const written = (await stored()).metadata.resourceVersion;
		await waitFor(() => session.state().virtualServices.get('reviews')?.metadata.resourceVersion === written, {message: 'kubectl patch delivered'});
		assert.deepEqual(shownWeights(session), {v1: 40, v2: 60, v3: 0});
		assert.equal(session.patches.length, 0, 'the console wrote nothing');
	});

	it('(b) a change delivered by the watch after staging: apply refuses with "Conflict" and sends nothing', async t => {
		const session = await openConsole(t);
		stage(session, 'v3', 1);
		assert.deepEqual(session.state().staged?.weights, {v1: 90, v2: 0, v3: 10});

		await sim.editReviews(externalSplit(60, 40));
		const external = await stored();
		await waitFor(() => currentVirtualService(session.state())?.metadata.resourceVersion === external.metadata.resourceVersion, {message: 'external change delivered'});
		assert.match(session.state().notice?.text ?? '', /changed elsewhere.*will be refused as a conflict/);

		await session.controller.apply();
		assert.match(session.state().notice?.text ?? '', /^Conflict: reviews was changed by someone else/);
		assert.equal(session.state().notice?.level, 'error');
		assert.equal(session.state().staged, undefined, 'the stale staged split is dropped');
		assert.equal(session.patches.length, 0, 'no request reached the API server');
		assert.deepEqual(session.reads, [], 'nothing to re-read: the watch already delivered the change');
		assert.deepEqual(await stored(), external, 'the external edit is intact, nothing written');
		assert.deepEqual(shownWeights(session), {v1: 60, v2: 40, v3: 0});
	});

	it('(c) a change racing the apply (not yet delivered): the API server refuses the patch, the console re-reads, "Conflict"', {skip: backend.name === 'sim' ? false : 'the race needs the write and the apply in one tick, which only the in-process sim allows; the real server\'s 422 on a failed test is in the differential test'}, async t => {
		const session = await openConsole(t);
		stage(session, 'v3', 2);
		const stagedAgainst = session.state().staged?.resourceVersion;
		assert.equal(stagedAgainst, (await stored()).metadata.resourceVersion);

		// Same tick: the external write lands in the cluster, and apply() starts before any watch event can be read.
		const current = sim.sim!.store.get(virtualServices, 'bookinfo', 'reviews')!;
		const external = sim.sim!.store.update(virtualServices, {...current, spec: {hosts: ['reviews'], http: [{route: [{destination: {host: 'reviews', subset: 'v1'}, weight: 55}, {destination: {host: 'reviews', subset: 'v2'}, weight: 45}]}]}});
		const applying = session.controller.apply();
		assert.equal(currentVirtualService(session.state())?.metadata.resourceVersion, stagedAgainst, 'the console had not seen the external change when it applied');
		await applying;

		assert.equal(session.patches.length, 1, 'the patch was sent');
		assert.equal(session.patches[0]?.operations[0]?.op, 'test');
		assert.deepEqual(session.patches[0]?.operations[0], {op: 'test', path: '/metadata/resourceVersion', value: stagedAgainst});
		assert.equal(session.patches[0]?.error?.kind, 'conflict');
		assert.equal(session.patches[0]?.error?.status, 422, 'refused by the API server on the resourceVersion test');
		assert.deepEqual(session.reads, ['reviews'], 'the refused write made the console re-read the object');
		assert.match(session.state().notice?.text ?? '', /^Conflict: reviews was changed by someone else/);
		assert.equal(session.state().applying, false);
		assert.equal(session.state().staged, undefined);
		assert.deepEqual(sim.sim!.store.get(virtualServices, 'bookinfo', 'reviews'), external, 'the external change is intact');
		assert.equal(currentVirtualService(session.state())?.metadata.resourceVersion, external.metadata.resourceVersion, 'the console shows what won');
		assert.deepEqual(shownWeights(session), {v1: 55, v2: 45, v3: 0});
	});

	it('(d) undo after apply restores the split exactly', async t => {
		await sim.editReviews(externalSplit(80, 20));
		const session = await openConsole(t);
		const before = shownWeights(session);
		assert.deepEqual(before, {v1: 80, v2: 20, v3: 0});
		stage(session, 'v3', 3);
		await session.controller.apply();
		assert.match(session.state().notice?.text ?? '', /^Applied: v1 56 \/ v2 14 \/ v3 30/);
		assert.deepEqual(await sim.weights(), {v1: 56, v2: 14, v3: 30});
		assert.equal(session.state().history.length, 1);

		await session.controller.undo();
		assert.match(session.state().notice?.text ?? '', /^Undone: v1 80 \/ v2 20 \/ v3 0/);
		assert.deepEqual(await sim.weights(), before);
		assert.deepEqual(shownWeights(session), before);
		assert.equal(session.state().history.length, 0);
		assert.deepEqual(session.patches.map(call => call.error), [undefined, undefined]);
		// Exact: the undo is the inverse of the applied patch, so the v3 destination the apply appended is gone again.
		const route = ((await stored())['spec'] as {http: Array<{route: Array<{destination: {subset: string}; weight: number}>}>}).http[0]!.route;
		assert.deepEqual(route.map(entry => [entry.destination.subset, entry.weight]), [['v1', 80], ['v2', 20]]);
	});

	it('(e) Prometheus down: metrics status "error" with a message, the rows still come from the watch', async t => {
		const port = await closedPort();
		const session = await openConsole(t, {url: `http://127.0.0.1:${port}`});
		await waitFor(() => session.state().metricsStatus === 'error' && session.state().metricsError !== undefined, {message: 'metrics error reported'});
		assert.match(session.state().metricsError ?? '', new RegExp(`^Prometheus at http://127\\.0\\.0\\.1:${port} is unreachable`));
		assert.equal(session.state().metrics, undefined);
		assert.equal(session.state().kubeStatus, 'live');
		assert.deepEqual(currentRoute(session.state())?.destinations.map(destination => [destination.key, destination.weight]), [['v1', 100], ['v2', 0], ['v3', 0]]);

		await sim.editReviews(externalSplit(50, 50));
		await waitFor(() => shownWeights(session)?.['v2'] === 50, {message: 'the watch still delivers without Prometheus'});
		assert.equal(session.state().metricsStatus, 'error');
	});

	it('(f) an applied change appends a "console" record to the history file and an Event', async t => {
		const history = new HistoryFile(sim.historyFile);
		const seen = (await history.read()).records.length;
		const session = await openConsole(t);
		const before = (await stored()).metadata.resourceVersion;
		stage(session, 'v2', 1);
		await session.controller.apply();
		const after = (await stored()).metadata.resourceVersion;
		assert.notEqual(after, before);

		const records = (await history.read()).records.slice(seen);
		assert.equal(records.length, 1);
		const [record] = records;
		assert.equal(record?.source, 'console');
		assert.equal(record?.vs, 'reviews');
		assert.equal(record?.namespace, 'bookinfo');
		assert.equal(record?.route, 'http[0]');
		assert.equal(record?.user, sim.user);
		assert.equal(record?.context, sim.contextName);
		assert.deepEqual(record?.before, {v1: 100, v2: 0, v3: 0});
		assert.deepEqual(record?.after, {v1: 90, v2: 10, v3: 0});
		assert.equal(record?.resourceVersionBefore, before);
		assert.equal(record?.resourceVersionAfter, after);
		const events = (await sim.api.listEvents('bookinfo', 'reviews')).filter(event => event.reason === changeEventReason);
		assert.equal(events.at(-1)?.message, `reviews http[0]: v1 100→90, v2 0→10 by ${sim.user} (console)`);
		assert.equal(session.state().notice?.level, 'info', 'no trail warning');
	});
});
