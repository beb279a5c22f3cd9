import {after, before, describe, test} from 'node:test';
import assert from 'node:assert/strict';
import {execFile, spawn, spawnSync} from 'node:child_process';
import {promisify} from 'node:util';
import {existsSync, mkdtempSync, readdirSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {istioDataDir, readIstioYaml} from '../../source/sim/istio-data.js';
import {backends, type ClusterFixture} from '../helpers/cluster-fixture.js';
import {hasTmux, TmuxTerminal} from '../helpers/tmux.js';
import {waitFor} from '../helpers/wait-for.js';

const cliPath = fileURLToPath(new URL('../../cli.js', import.meta.url));
const hasKubectl = spawnSync('kubectl', ['version', '--client'], {stdio: 'ignore'}).status === 0;
const skip = !hasTmux() ? 'tmux is not installed' : !hasKubectl ? 'kubectl is not installed' : false;

/** The row of a version on the console screen. */
function row(screen: string, version: string): string | undefined {
	return screen.split('\n').find(line => new RegExp(`^[ ▸] ${version} `).test(line));
}

/** Configured weight and observed share (%) of a version row, when its numbers are on screen. */
function numbers(screen: string, version: string): {weight: number; observed: number | undefined} | undefined {
	const line = row(screen, version);
	const match = line === undefined ? null : /^[ ▸] \S+\s+[█░]+\s+(\d+)\s+(?:→ \d+\s+)?(\d+\.\d|-)%?/.exec(line);
	if (match === null) {
		return undefined;
	}

	return {weight: Number(match[1]), observed: match[2] === '-' ? undefined : Number(match[2])};
}

for (const backend of backends) describe(`the console in a real terminal (tmux) against the ${backend.name === 'sim' ? 'simulated cluster' : 'real API server (test bed)'}`, {skip: skip || backend.skip}, () => {
	let cluster: ClusterFixture;
	let dir: string;
	let kubeconfig: string;
	const terminals: TmuxTerminal[] = [];

	// Asynchronous: the simulated API server runs in this process and must keep answering while kubectl waits.
	const kubectl = async (...args: string[]): Promise<string> => cluster.kubectl(args);

	const open = (columns: number, rows: number, ...args: string[]): TmuxTerminal => {
		const terminal = TmuxTerminal.start([process.execPath, cliPath, '--kubeconfig', kubeconfig, '-n', 'bookinfo', ...args], {
			columns,
			rows,
			// A person's SSH session: not CI, a normal TERM; NO_COLOR keeps capture-pane text plain.
			env: {CI: undefined, TERM: 'xterm-256color', NO_COLOR: '1', HOME: dir},
		});
		terminals.push(terminal);
		return terminal;
	};

	before(async () => {
		dir = mkdtempSync(path.join(tmpdir(), 'meshtop-e2e-'));
		cluster = await backend.start({prometheus: 'auto'});
		kubeconfig = cluster.kubeconfig;
	});

	after(async () => {
		for (const terminal of terminals) {
			terminal.kill();
		}

		await cluster?.stop();
		rmSync(dir, {recursive: true, force: true});
	});

	test('80×24: → on v3 five times at step 10, Enter twice → the cluster holds the Istio 50/50 sample and v3 gets ~half the traffic', async () => {
		await kubectl('apply', '-f', path.join(istioDataDir, 'bookinfo/virtual-service-all-v1.yaml'));
		const terminal = open(80, 24, 'reviews');
		let screen = await terminal.waitForScreen(text => numbers(text, 'v1')?.weight === 100 && row(text, 'v3') !== undefined, 15_000, 'reviews rows');
		assert.ok(terminal.alternateScreen(), 'the console runs in the alternate screen');
		for (const line of screen.split('\n')) {
			assert.ok(line.length <= 80, `line wider than the terminal: ${line}`);
		}

		terminal.keys('Down', 'Down');
		for (let press = 0; press < 5; press++) {
			terminal.keys('Right');
		}

		screen = await terminal.waitForScreen(text => /→ 50/.test(row(text, 'v3') ?? ''), 5000, 'v3 staged at 50');
		assert.match(row(screen, 'v1') ?? '', /100\s+→ 50/);
		terminal.keys('Enter');
		await terminal.waitForScreen(text => /Apply to bookinfo\/reviews/.test(text), 5000, 'the diff');
		terminal.keys('Enter');
		await terminal.waitForScreen(text => /Applied: /.test(text), 10_000, 'the write acknowledged');

		const live = JSON.parse(await kubectl('get', 'virtualservice', 'reviews', '-o', 'json')) as {spec: unknown};
		const expected = readIstioYaml('bookinfo/virtual-service-reviews-50-v3.yaml')[0]!;
		assert.deepEqual(live.spec, expected['spec'], 'the VirtualService equals virtual-service-reviews-50-v3.yaml (semantically)');

		screen = await terminal.waitForScreen(text => {
			const v3 = numbers(text, 'v3');
			return v3?.weight === 50 && v3.observed !== undefined && v3.observed >= 35 && v3.observed <= 65;
		}, 45_000, 'v3 observed share converging to ~50%');
		assert.equal(numbers(screen, 'v1')?.weight, 50);

		terminal.keys('q');
		assert.equal(await terminal.waitForExit(), 0);
		assert.ok(!terminal.alternateScreen(), 'the terminal is back on the main screen');
	});

	test('100×30, an HTTPRoute: its default rule goes v1 → 50/50 → v3 with the arrows and Enter, the observed share follows, u undoes, the header-match rule keeps its match', async () => {
		const route = {
			apiVersion: 'gateway.networking.k8s.io/v1',
			kind: 'HTTPRoute',
			metadata: {name: 'reviews', namespace: 'bookinfo'},
			spec: {
				parentRefs: [{group: '', kind: 'Service', name: 'reviews', port: 9080}],
				rules: [
					{matches: [{headers: [{name: 'end-user', value: 'jason'}]}], backendRefs: [{name: 'reviews-v2', port: 9080}]},
					{backendRefs: [{name: 'reviews-v1', port: 9080}]},
				],
			},
		};
		await cluster.kubectl(['apply', '-f', '-'], {input: JSON.stringify(route)});
		try {
			type Rules = Array<{matches?: unknown; backendRefs: Array<{name: string; weight?: number}>}>;
			const rules = async () => (JSON.parse(await kubectl('get', 'httproute', 'reviews', '-o', 'json')) as {spec: {rules: Rules}}).spec.rules;
			const jasonBefore = (await rules())[0];
			const backend = (text: string, name: string) => {
				const line = text.split('\n').find(candidate => new RegExp(`^[ ▸] ${name} \\(v\\d\\)`).test(candidate));
				const match = line === undefined ? null : /[█░]+\s+(\d+)\s+(?:→ \d+\s+)?(\d+\.\d|-)%?/.exec(line);
				return match === null ? undefined : {weight: Number(match[1]), observed: match[2] === '-' ? undefined : Number(match[2])};
			};

			const terminal = open(100, 30, 'httproute/reviews', '--route', 'rules[1]');
			let screen = await terminal.waitForScreen(text => backend(text, 'reviews-v1')?.weight === 100 && backend(text, 'reviews-v3') !== undefined, 20_000, 'the default rule, all on reviews-v1');
			assert.match(screen.split('\n')[0] ?? '', /httproute reviews \(mesh\) +route rules\[1\] \(default\) 2\/2/);
			// reviews-v2 is the jason rule's backend too: the observed figures are the whole service's, and say so.
			assert.match(screen, /observed: all routes of reviews/);

			terminal.keys('Down', 'Down');
			for (let press = 0; press < 5; press++) {
				terminal.keys('Right');
			}

			await terminal.waitForScreen(text => /→ 50/.test(text.split('\n').find(line => line.includes('reviews-v3 (v3)')) ?? ''), 5000, 'reviews-v3 staged at 50');
			terminal.keys('Enter');
			await terminal.waitForScreen(text => /Apply to bookinfo\/reviews/.test(text), 5000, 'the diff');
			terminal.keys('Enter');
			await terminal.waitForScreen(text => /Applied: /.test(text), 10_000, 'the write acknowledged');
			let live = await rules();
			assert.deepEqual(live[1]?.backendRefs.map(ref => [ref.name, ref.weight]), [['reviews-v1', 50], ['reviews-v3', 50]]);
			assert.deepEqual(live[0], jasonBefore, 'the header-match rule is untouched');
			await terminal.waitForScreen(text => {
				const v3 = backend(text, 'reviews-v3');
				return v3?.weight === 50 && v3.observed !== undefined && v3.observed >= 35 && v3.observed <= 65;
			}, 45_000, 'reviews-v3 observed share converging to ~50%');

			for (let press = 0; press < 5; press++) {
				terminal.keys('Right');
			}

			terminal.keys('Enter');
			await terminal.waitForScreen(text => /Apply to bookinfo\/reviews/.test(text), 5000, 'the second diff');
			terminal.keys('Enter');
			screen = await terminal.waitForScreen(text => backend(text, 'reviews-v3')?.weight === 100, 10_000, 'all on reviews-v3');
			live = await rules();
			assert.deepEqual(live[1]?.backendRefs.map(ref => [ref.name, ref.weight]), [['reviews-v1', 0], ['reviews-v3', 100]]);

			terminal.keys('u');
			await terminal.waitForScreen(text => backend(text, 'reviews-v3')?.weight === 50, 10_000, 'u: back to 50/50');
			live = await rules();
			assert.deepEqual(live[1]?.backendRefs.map(ref => [ref.name, ref.weight]), [['reviews-v1', 50], ['reviews-v3', 50]]);
			assert.deepEqual(live[0], jasonBefore);
			terminal.keys('q');
			assert.equal(await terminal.waitForExit(), 0);
		} finally {
			await kubectl('delete', 'httproute', 'reviews', '--ignore-not-found');
		}
	});

	test('200×50: a kubectl apply made elsewhere shows on the console (v1 0 / v3 100)', async () => {
		await kubectl('apply', '-f', path.join(istioDataDir, 'bookinfo/virtual-service-all-v1.yaml'));
		const terminal = open(200, 50, 'reviews');
		// The legend names every version once the DestinationRule has arrived too (the feed lists them side by side).
		await terminal.waitForScreen(text => numbers(text, 'v1')?.weight === 100 && /requests\/s · a v1 {2}b v2 {2}c v3/.test(text), 15_000, 'reviews all on v1, and the chart\'s legend: a tall terminal has room for the chart');
		await kubectl('apply', '-f', path.join(istioDataDir, 'bookinfo/virtual-service-reviews-v3.yaml'));
		const screen = await terminal.waitForScreen(text => numbers(text, 'v1')?.weight === 0 && numbers(text, 'v3')?.weight === 100, 5000, 'v1 0 / v3 100');
		assert.match(screen, /changed elsewhere/);
		terminal.keys('C-c');
		assert.equal(await terminal.waitForExit(), 0, 'Ctrl-C quits cleanly');
		assert.ok(!terminal.alternateScreen());
	});

	test('SIGTERM restores the terminal and exits cleanly', async () => {
		const terminal = open(80, 24, 'reviews');
		await terminal.waitForScreen(text => numbers(text, 'v1') !== undefined, 15_000, 'reviews rows');
		assert.ok(terminal.alternateScreen());
		const shell = terminal.panePid();
		const meshtop = (await promisify(execFile)('pgrep', ['-P', String(shell)], {encoding: 'utf8'})).stdout.trim().split('\n')[0]!;
		process.kill(Number(meshtop), 'SIGTERM');
		assert.equal(await terminal.waitForExit(), 0);
		assert.ok(!terminal.alternateScreen(), 'the alternate screen is left');
	});

	test('without a TTY the console refuses with a message naming the headless commands', async () => {
		const child = spawn(process.execPath, [cliPath, '--kubeconfig', kubeconfig, '-n', 'bookinfo', 'reviews'], {env: {...process.env, HOME: dir}, stdio: ['pipe', 'pipe', 'pipe']});
		child.stdin.end();
		let stderr = '';
		child.stderr.on('data', (chunk: Buffer) => {
			stderr += chunk.toString();
		});
		const status = await new Promise<number | null>(resolve => child.on('close', resolve));
		assert.equal(status, 2);
		assert.match(stderr, /needs an interactive terminal/);
		assert.match(stderr, /meshtop status <virtualservice> --json/);
	});
});

describe('meshtop demo in a terminal that hangs up (tmux killed, as an SSH drop)', {skip}, () => {
	test('the demo, its simulated cluster and Prometheus end, and its temp directories are removed', async () => {
		const before = new Set(readdirSync(tmpdir()).filter(name => /^meshtop-(demo|prometheus)-/.test(name)));
		const terminal = TmuxTerminal.start([process.execPath, cliPath, 'demo'], {columns: 100, rows: 30, env: {CI: undefined, TERM: 'xterm-256color', NO_COLOR: '1'}});
		try {
			await terminal.waitForScreen(text => /^[ ▸] v1 /m.test(text), 30_000, 'the demo console');
			const shell = terminal.panePid();
			const demo = Number((await promisify(execFile)('pgrep', ['-P', String(shell)], {encoding: 'utf8'})).stdout.trim().split('\n')[0]);
			const created = readdirSync(tmpdir()).filter(name => /^meshtop-(demo|prometheus)-/.test(name) && !before.has(name));
			assert.ok(created.some(name => name.startsWith('meshtop-demo-')), 'the demo made its directory');
			terminal.kill();
			await waitFor(() => {
				try {
					process.kill(demo, 0);
					return false;
				} catch {
					return true;
				}
			}, {timeout: 10_000, interval: 100, message: 'the demo process gone'});
			await waitFor(() => created.every(name => !existsSync(path.join(tmpdir(), name))), {timeout: 5000, interval: 100, message: `its directories removed: ${created.join(', ')}`});
		} finally {
			terminal.kill();
		}
	});
});
