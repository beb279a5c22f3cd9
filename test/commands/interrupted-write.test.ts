/**
 * A writer killed between its PATCH and its trail line, on the simulated cluster: the intent it leaves on disk is made by
 * the real write path (a store whose PATCH never answers, and the pid of a process that has exited), then `set`,
 * `history`, `status` and `undo` resolve it against the route: applied (confirmed), not applied, once, and never while
 * its writer lives.
 */
import assert from 'node:assert/strict';
import {spawn, spawnSync} from 'node:child_process';
import {readdir, rm} from 'node:fs/promises';
import path from 'node:path';
import {after, afterEach, before, beforeEach, describe, it} from 'node:test';
import {connect} from '../../source/commands/connect.js';
import {createConsoleServices} from '../../source/app/console-services.js';
import {loadKubeTarget} from '../../source/kube/config.js';
import type {Flags} from '../../source/commands/flags.js';
import {runHistory} from '../../source/commands/history.js';
import {runSet} from '../../source/commands/set.js';
import {runStatus} from '../../source/commands/status.js';
import {runUndo} from '../../source/commands/undo.js';
import {HistoryFile} from '../../source/trail/history-file.js';
import {createTrail, changeEventReason} from '../../source/trail/record.js';
import {interruptedEventReason, resolveLeftoverIntents} from '../../source/trail/resolve-intents.js';
import {WriteIntents} from '../../source/trail/write-intents.js';
import {createSplitWriter} from '../../source/write/split-writer.js';
import {backends, type ClusterFixture} from '../helpers/cluster-fixture.js';
import {setEnv} from '../helpers/env.js';
import {capture} from '../helpers/capture-io.js';
import {CapturedOutput} from './shift-fixture.js';

/** A pid no process has any more: a node that ran and exited. */
function deadPid(): number {
	const {pid} = spawnSync(process.execPath, ['-e', '']);
	assert.ok(pid !== undefined && pid > 0);
	return pid;
}

const sim = backends.find(backend => backend.name === 'sim')!;

describe('interrupted writes (sim)', {timeout: 60_000}, () => {
	let cluster: ClusterFixture;
	let restoreHistory = (): void => undefined;
	let intentsDir: string;

	before(async () => {
		cluster = await sim.start({prometheus: 'builtin'});
		restoreHistory = setEnv('MESHTOP_HISTORY', cluster.historyFile);
		intentsDir = new WriteIntents(cluster.historyFile).dir;
	});
	after(async () => {
		restoreHistory();
		await cluster?.stop();
	});
	beforeEach(async () => {
		await cluster.resetReviews();
		await rm(cluster.historyFile, {force: true});
		await rm(intentsDir, {recursive: true, force: true});
	});

	const flags = (): Flags => ({kubeconfig: cluster.kubeconfig, namespace: 'bookinfo', readOnly: false, refresh: '1s', json: false, every: '30s', onFail: 'pause'});

	/**
	 * Starts a write of `weights` to reviews by process `pid` and "kills" it once its PATCH is out: when `landed`, the
	 * server applied the PATCH and its answer never comes back; otherwise the PATCH never reached the server.
	 * Resolves with the resourceVersion read before the write.
	 */
	async function killedWrite(weights: Record<string, number>, landed: boolean, pid: number): Promise<string> {
		const connection = await connect({vs: 'reviews', namespace: 'bookinfo', kubeconfig: cluster.kubeconfig});
		await connection.close();
		let sent!: () => void;
		const patched = new Promise<void>(resolve => {
			sent = resolve;
		});
		const writer = createSplitWriter({
			store: {
				async patchRoute(kind, namespace, name, operations) {
					if (landed) {
						await cluster.api.patchRoute(kind, namespace, name, operations);
					}

					sent();
					return new Promise(() => undefined);
				},
				getRoute: async (kind, namespace, name) => cluster.api.getRoute(kind, namespace, name),
			},
			trail: createTrail({api: cluster.api, historyFile: new HistoryFile(cluster.historyFile)}),
			intents: new WriteIntents(cluster.historyFile),
			writer: {user: connection.target.user, context: connection.target.contextName, namespace: 'bookinfo'},
			process: {pid, command: 'meshtop reviews'},
		});
		void writer.write({vs: connection.vs, route: connection.route, change: {weights}, reason: {source: 'console'}});
		await patched;
		assert.equal((await readdir(intentsDir)).filter(file => file.endsWith('.json')).length, 1, 'the intent is on disk while the PATCH is in flight');
		return connection.vs.metadata.resourceVersion!;
	}

	const records = async () => (await new HistoryFile(cluster.historyFile).read({vs: 'reviews'})).records;
	const leftoverFiles = async () => readdir(intentsDir).catch(() => []);

	it('landed: set resolves it first (applied, confirmed, with its Event), then writes its own change', async () => {
		const read = await killedWrite({v1: 50, v3: 50}, true, deadPid());
		const landedAt = (await cluster.getObject('virtualservice', 'reviews')).metadata.resourceVersion;
		assert.deepEqual(await cluster.weights(), {v1: 50, v2: 0, v3: 50});
		assert.deepEqual(await records(), [], 'a killed writer wrote no line');

		const output = capture();
		assert.equal(await runSet('reviews', ['v1=20', 'v3=80'], flags(), output.io), 0, output.err());
		assert.match(output.err(), /interrupted console write to bookinfo\/reviews http\[0\] .*: applied \(confirmed after the writer was interrupted\)/);
		const [confirmed, own, ...rest] = await records();
		assert.deepEqual(rest, []);
		assert.equal(confirmed?.interrupted, 'applied');
		assert.deepEqual(confirmed?.after, {v1: 50, v2: 0, v3: 50});
		assert.equal(confirmed?.resourceVersionBefore, read);
		assert.equal(confirmed?.resourceVersionAfter, landedAt);
		assert.equal(own?.interrupted, undefined);
		assert.equal(own?.resourceVersionBefore, landedAt);
		assert.deepEqual(await leftoverFiles(), []);
		const events = await cluster.api.listEvents('bookinfo', 'reviews');
		assert.ok(events.some(event => event.reason === changeEventReason && /v1 100→50, v3 0→50 by .* \(console\); applied \(confirmed/.test(event.message)), JSON.stringify(events));
	});

	it('not landed: history resolves it (not applied, ✗ in the table, its own Event reason) and undo has nothing of it to revert', async () => {
		const changeEvents = async () => (await cluster.api.listEvents('bookinfo', 'reviews')).filter(event => event.reason === changeEventReason).length;
		const earlier = await changeEvents();
		await killedWrite({v1: 50, v3: 50}, false, deadPid());
		const output = new CapturedOutput();
		assert.equal(await runHistory({vs: 'reviews', namespace: 'bookinfo', kubeconfig: cluster.kubeconfig, historyFile: cluster.historyFile}, output), 0, output.err);
		assert.match(output.err, /: not applied \(interrupted\): the route is unchanged since the read/);
		assert.match(output.out, /console +http\[0\] +✗ v1 100→50, v3 0→50 +\d+→\? +not applied \(interrupted\)/);
		const [line, ...rest] = await records();
		assert.deepEqual(rest, []);
		assert.equal(line?.interrupted, 'not-applied');
		assert.deepEqual(await cluster.weights(), {v1: 100, v2: 0, v3: 0});
		assert.deepEqual(await leftoverFiles(), []);
		const events = await cluster.api.listEvents('bookinfo', 'reviews');
		assert.ok(events.some(event => event.reason === interruptedEventReason && /not applied \(interrupted\)/.test(event.message)));
		assert.equal(await changeEvents(), earlier, 'no change Event for a write that did not land');

		const undo = new CapturedOutput();
		assert.equal(await runUndo({vs: 'reviews', namespace: 'bookinfo', kubeconfig: cluster.kubeconfig, historyFile: cluster.historyFile}, undo), 1);
		assert.match(undo.err, /nothing to undo/);
	});

	it('status resolves a landed write, and undo then reverts it by its weights', async () => {
		await killedWrite({v1: 50, v3: 50}, true, deadPid());
		const output = capture();
		assert.equal(await runStatus('reviews', {...flags(), json: true}, output.io), 0, output.err());
		assert.match(output.err(), /applied \(confirmed after the writer was interrupted\)/);
		assert.equal((await records())[0]?.interrupted, 'applied');

		const undo = new CapturedOutput();
		assert.equal(await runUndo({vs: 'reviews', namespace: 'bookinfo', kubeconfig: cluster.kubeconfig, historyFile: cluster.historyFile}, undo), 0, undo.err);
		assert.deepEqual(await cluster.weights(), {v1: 100, v2: 0, v3: 0});
	});

	describe('with a writer still running', () => {
		let child: ReturnType<typeof spawn> | undefined;
		afterEach(() => {
			child?.kill('SIGKILL');
			child = undefined;
		});

		it('its intent is left alone: another meshtop is mid-write', async () => {
			child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], {stdio: 'ignore'});
			await killedWrite({v1: 50, v3: 50}, true, child.pid!);
			const output = new CapturedOutput();
			assert.equal(await runHistory({vs: 'reviews', namespace: 'bookinfo', kubeconfig: cluster.kubeconfig, historyFile: cluster.historyFile}, output), 0, output.err);
			assert.equal(output.err, '');
			assert.match(output.out, /no changes recorded/);
			const direct = await resolveLeftoverIntents({intents: new WriteIntents(cluster.historyFile), historyFile: new HistoryFile(cluster.historyFile), api: cluster.api, context: cluster.contextName});
			assert.deepEqual(direct, {resolved: [], problems: []});
			assert.equal((await leftoverFiles()).filter(file => file.endsWith('.json')).length, 1);
		});
	});

	it('--read-only leaves it for a meshtop that may write (resolving records an Event)', async () => {
		await killedWrite({v1: 50, v3: 50}, true, deadPid());
		const output = new CapturedOutput();
		assert.equal(await runHistory({vs: 'reviews', namespace: 'bookinfo', kubeconfig: cluster.kubeconfig, historyFile: cluster.historyFile, readOnly: true}, output), 0, output.err);
		const status = capture();
		assert.equal(await runStatus('reviews', {...flags(), json: true, readOnly: true}, status.io), 0, status.err());
		assert.equal(output.err + status.err(), '');
		assert.deepEqual(await records(), []);
		assert.equal((await leftoverFiles()).filter(file => file.endsWith('.json')).length, 1);
	});

	it('two resolvers starting at once resolve it once; a resolver that died holding the claim is taken over', async () => {
		await killedWrite({v1: 50, v3: 50}, true, deadPid());
		const resolver = (pid: number) => resolveLeftoverIntents({intents: new WriteIntents(cluster.historyFile), historyFile: new HistoryFile(cluster.historyFile), api: cluster.api, context: cluster.contextName, pid});
		const [first, second] = await Promise.all([resolver(process.pid + 1_000_000), resolver(process.pid + 2_000_000)]);
		assert.equal(first.resolved.length + second.resolved.length, 1);
		assert.equal((await records()).length, 1);

		// A resolver killed after its claim leaves NAME.claimed-PID: the next one takes it over.
		await killedWrite({v1: 20, v3: 80}, false, deadPid());
		const [file] = (await leftoverFiles()).filter(name => name.endsWith('.json'));
		const stale = await new WriteIntents(cluster.historyFile).claim(file!, deadPid());
		assert.ok(stale?.includes('.claimed-'));
		const taken = await resolver(process.pid);
		assert.equal(taken.resolved[0]?.resolution.outcome, 'not-applied');
		assert.deepEqual(await leftoverFiles(), []);
		assert.equal((await records()).length, 2);
	});

	it('the console resolves it in the background, and its close waits for that', async () => {
		await killedWrite({v1: 50, v3: 50}, true, deadPid());
		const services = createConsoleServices(loadKubeTarget({kubeconfig: cluster.kubeconfig, namespace: 'bookinfo'}), {prometheus: {url: cluster.prometheusUrl}, historyFile: cluster.historyFile, live: false});
		await services.close();
		assert.deepEqual((await records()).map(record => record.interrupted), ['applied']);
		assert.deepEqual(await leftoverFiles(), []);
	});

	it('a write that ends (acknowledged, or refused) leaves no intent', async () => {
		const output = capture();
		assert.equal(await runSet('reviews', ['v1=50', 'v3=50'], flags(), output.io), 0, output.err());
		assert.deepEqual(await leftoverFiles(), []);
		cluster.sim?.apiServer.setDenyRules([{verb: 'patch', group: 'networking.istio.io', resource: 'virtualservices'}]);
		try {
			const refused = capture();
			assert.equal(await runSet('reviews', ['v1=10', 'v3=90'], flags(), refused.io), 1);
		} finally {
			cluster.sim?.apiServer.setDenyRules([]);
		}

		assert.deepEqual(await leftoverFiles(), []);
		assert.equal(path.basename(intentsDir), 'intents');
	});
});
