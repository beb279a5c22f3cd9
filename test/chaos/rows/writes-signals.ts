/**
 * Writes row: SIGHUP, SIGTERM and SIGKILL delivered to the console (in tmux, on the real API server) while its apply is
 * in flight. The console reaches the API server through a proxy that lets the PATCH through but holds its answer, so
 * the signal lands after the server applied the write and before meshtop heard of it — the worst moment for the trail.
 * The answer is relayed a second later (or never reaches a killed process). Then: the route holds the old split or the
 * new one, never anything else, and the trail (history file and Events) says which: a recorded change exactly when the
 * route holds the new split, at the resourceVersion the route has. SIGHUP and SIGTERM must also restore the terminal.
 * A killed console cannot write after its PATCH: its write-ahead intent is resolved by the next meshtop (`meshtop history`,
 * run after the kill), whose trail line must say applied or not applied as the route on the server does.
 */
import {execFileSync} from 'node:child_process';
import {readFile} from 'node:fs/promises';
import path from 'node:path';
import type {ChaosContext, ChaosResult, ChaosRow} from '../row.js';
import {cliPath, kubectl, rowTestbed, runProcess} from '../support/writes-testbed.js';
import {startSlowPatchProxy, type SlowPatchProxy} from '../support/slow-patch-proxy.js';
import {TmuxTerminal} from '../../helpers/tmux.js';
import {waitFor} from '../../helpers/wait-for.js';
import type {TestbedState} from '../../testbed/main.js';

const name = 'signal-reviews';
const oldSplit = {v1: 100, v2: 0, v3: 0};
const newSplit = {v1: 50, v2: 0, v3: 50};
type Split = Record<string, number>;
type Signal = 'SIGHUP' | 'SIGTERM' | 'SIGKILL';
/** Where the proxy holds the PATCH when the signal lands: its answer (the server applied it) or the request itself (not yet). */
type Stage = 'answer' | 'request';
interface SignalCase {
	signal: Signal;
	stage: Stage;
}

function row(screen: string, version: string): string | undefined {
	return screen.split('\n').find(line => new RegExp(`^[ ▸] ${version} `).test(line));
}

const same = (a: Split, b: Split) => ['v1', 'v2', 'v3'].every(key => (a[key] ?? 0) === (b[key] ?? 0));

/** The meshtop process: the child of the pane's shell. */
function meshtopPid(terminal: TmuxTerminal): number {
	const children = execFileSync('ps', ['-o', 'pid=', '--ppid', String(terminal.panePid())], {encoding: 'utf8'}).trim().split('\n').map(Number).filter(pid => pid > 0);
	if (children.length !== 1) {
		throw new Error(`expected one meshtop process under the pane, found ${children.length}`);
	}

	return children[0]!;
}

const alive = (pid: number) => {
	try {
		process.kill(pid, 0);
		return true;
	} catch {
		return false;
	}
};

interface CaseResult {
	ok: boolean;
	summary: string;
	problems: string[];
}

async function signalCase(context: ChaosContext, state: TestbedState, proxy: SlowPatchProxy, {signal, stage}: SignalCase): Promise<CaseResult> {
	const problems: string[] = [];
	// Each case its own folder: the history file, and the intents beside it.
	const historyFile = path.join(context.dir, `${signal}-${stage}`, 'history.jsonl');
	await kubectl(state, ['delete', 'virtualservice', name, '-n', 'bookinfo', '--ignore-not-found']);
	await kubectl(state, ['create', '-f', '-'], JSON.stringify({
		apiVersion: 'networking.istio.io/v1',
		kind: 'VirtualService',
		metadata: {name, namespace: 'bookinfo'},
		spec: {hosts: [name], http: [{route: [{destination: {host: 'reviews', subset: 'v1'}}]}]},
	}));
	const terminal = TmuxTerminal.start([process.execPath, cliPath, name, '--kubeconfig', proxy.kubeconfig, '-n', 'bookinfo', '--prometheus-url', state.prometheusUrl, '--no-live'], {
		columns: 100,
		rows: 30,
		env: {CI: undefined, TERM: 'xterm-256color', NO_COLOR: '1', HOME: context.dir, MESHTOP_HISTORY: historyFile},
	});
	let pid: number | undefined;
	try {
		await terminal.waitForScreen(text => /\b100\b/.test(row(text, 'v1') ?? '') && row(text, 'v3') !== undefined, 20_000, 'the console on signal-reviews');
		terminal.keys('Down', 'Down');
		for (let press = 0; press < 5; press++) {
			terminal.keys('Right');
		}

		await terminal.waitForScreen(text => /→ 50/.test(row(text, 'v3') ?? ''), 5000, 'v3 staged at 50');
		terminal.keys('Enter');
		await terminal.waitForScreen(text => /Apply to bookinfo\/signal-reviews/.test(text), 5000, 'the diff');
		pid = meshtopPid(terminal);
		const heldBefore = proxy.held();
		terminal.keys('Enter');
		await waitFor(() => proxy.held() > heldBefore, {timeout: 10_000, interval: 10, message: stage === 'answer' ? 'the PATCH applied by the server, its answer held' : 'the PATCH held before the server'});
		process.kill(pid, signal);
		// The answer arrives a second after the signal: a console that finishes its write in flight can record it.
		setTimeout(() => {
			proxy.release();
		}, 1000);
		const signalled = Date.now();
		const status = await terminal.waitForExit(10_000);
		const exitSeconds = ((Date.now() - signalled) / 1000).toFixed(1);
		const gone = await waitFor(() => !alive(pid!), {timeout: 2000, interval: 50, message: 'meshtop exited'}).then(() => true, () => false);
		if (!gone) {
			problems.push(`${signal}: meshtop (pid ${pid}) still running 2 s after its shell saw it exit`);
		}

		const restored = signal === 'SIGKILL' || !terminal.alternateScreen();
		if (!restored) {
			problems.push(`${signal}: the terminal is still on the alternate screen`);
		}

		const object = JSON.parse(await kubectl(state, ['get', 'virtualservice', name, '-n', 'bookinfo', '-o', 'json'])) as {metadata: {resourceVersion: string; uid: string}; spec: {http: Array<{route: Array<{destination: {subset: string}; weight?: number}>}>}};
		const entries = object.spec.http[0]!.route;
		const split: Split = {v1: 0, v2: 0, v3: 0};
		for (const entry of entries) {
			split[entry.destination.subset] = entries.length === 1 ? entry.weight ?? 100 : entry.weight ?? 0;
		}

		const holds = same(split, newSplit) ? 'new' : same(split, oldSplit) ? 'old' : 'partial';
		if (holds === 'partial') {
			problems.push(`${signal}: the route holds ${JSON.stringify(split)}, neither the old nor the new split`);
		}

		let restart = '';
		if (signal === 'SIGKILL') {
			// The next meshtop resolves what the killed one left: its write-ahead intent, against the route on the server.
			const history = await runProcess(process.execPath, [cliPath, 'history', name, '--kubeconfig', proxy.kubeconfig, '-n', 'bookinfo'], {env: {...process.env, HOME: context.dir, MESHTOP_HISTORY: historyFile}, signal: context.signal});
			restart = history.stderr.trim();
			context.log(`meshtop history after the kill: ${history.stdout.trim()} / ${restart}`);
			if (history.code !== 0) {
				problems.push(`SIGKILL: meshtop history after the kill exited ${history.code}: ${restart}`);
			}
		}

		const all = (await readFile(historyFile, 'utf8').catch(() => '')).split('\n').filter(line => line !== '').map(line => JSON.parse(line) as {after: Split; resourceVersionAfter: string; interrupted?: string});
		// Lines for an interrupted write that did not land (or may not have) are not changes of the route.
		const records = all.filter(record => record.interrupted === undefined || record.interrupted === 'applied');
		const events = JSON.parse(await kubectl(state, ['get', 'events', '-n', 'bookinfo', '--field-selector', `involvedObject.uid=${object.metadata.uid},reason=MeshtopWeightChange`, '-o', 'json'])) as {items: unknown[]};
		const recorded = records.some(record => same(record.after, newSplit) && record.resourceVersionAfter === object.metadata.resourceVersion);
		const trail = recorded ? 'records the new split' : records.length === 0 ? 'records nothing' : `records ${JSON.stringify(records)}`;
		if ((holds === 'new') !== recorded) {
			problems.push(`${signal}: the route holds the ${holds} split but the trail ${trail}`);
		}

		// After a kill the trail must say what happened either way: confirmed applied, or not applied.
		const said = all.find(record => record.interrupted !== undefined)?.interrupted;
		if (signal === 'SIGKILL' && said !== (holds === 'new' ? 'applied' : 'not-applied')) {
			problems.push(`SIGKILL: the route holds the ${holds} split but the resolved intent says ${said ?? 'nothing'} (${restart || 'no output'})`);
		}

		if ((holds === 'new') !== (events.items.length > 0)) {
			problems.push(`${signal}: the route holds the ${holds} split but ${events.items.length} MeshtopWeightChange Events exist`);
		}

		return {ok: problems.length === 0, summary: `${signal}${stage === 'request' ? ' before the server saw the PATCH' : ''}: ${holds} split, trail ${(holds === 'new') === recorded ? '✓' : '✗'}${said === undefined ? '' : ` (${said} after restart)`}, exit ${status} after ${exitSeconds} s${signal === 'SIGKILL' ? '' : restored ? ', terminal restored' : ''}`, problems};
	} finally {
		terminal.kill();
		if (pid !== undefined && alive(pid)) {
			process.kill(pid, 'SIGKILL');
		}
	}
}

async function signals(context: ChaosContext, state: TestbedState, which: readonly SignalCase[]): Promise<ChaosResult> {
	const proxies = new Map<Stage, SlowPatchProxy>();
	try {
		const results: CaseResult[] = [];
		for (const entry of which) {
			const {signal, stage} = entry;
			let proxy = proxies.get(stage);
			if (proxy === undefined) {
				proxy = await startSlowPatchProxy({upstreamKubeconfig: state.kubeconfig, dir: path.join(context.dir, `proxy-${stage}`), pathPart: `/virtualservices/${name}`, holdMs: 5000, hold: stage});
				proxies.set(stage, proxy);
			}

			context.log(`signal case ${signal} (${stage} held)`);
			results.push(await signalCase(context, state, proxy, entry).catch((error: unknown) => ({ok: false, summary: `${signal}: error`, problems: [`${signal}: ${error instanceof Error ? error.message : String(error)}`]})));
		}

		const problems = results.flatMap(result => result.problems);
		return {ok: results.every(result => result.ok), figure: results.map(result => result.summary).join('; '), ...(problems.length > 0 ? {detail: problems.join('\n')} : {})};
	} finally {
		await Promise.all([...proxies.values()].map(async proxy => proxy.stop()));
		await kubectl(state, ['delete', 'virtualservice', name, '-n', 'bookinfo', '--ignore-not-found']).catch(() => '');
	}
}

/** A row delivering `which`, one after another, each to a console whose apply is in flight. */
function signalRow(name: string, which: readonly SignalCase[], short: boolean, limitSeconds = 50 * which.length): ChaosRow {
	return {
		group: 'writes',
		name,
		short,
		limitSeconds,
		sharesTestbed: true,
		async run(context) {
			const testbed = await rowTestbed(context);
			try {
				return await signals(context, testbed.state, which);
			} finally {
				await testbed.release();
			}
		},
	};
}

/**
 * The signal rows. SIGKILL is a row of its own, outside the short form: a killed console cannot record its write; its
 * write-ahead intent is resolved by the next meshtop (the row's `history` run), once after the server applied the PATCH
 * (applied) and once before the server saw it (not applied); hence its longer limit.
 */
export const writesSignalRows: ChaosRow[] = [
	signalRow('SIGHUP, SIGTERM to the console while its apply is in flight', [{signal: 'SIGHUP', stage: 'answer'}, {signal: 'SIGTERM', stage: 'answer'}], true),
	signalRow('SIGKILL to the console while its apply is in flight', [{signal: 'SIGKILL', stage: 'answer'}, {signal: 'SIGKILL', stage: 'request'}], false, 90 + 40 + 40),
];
