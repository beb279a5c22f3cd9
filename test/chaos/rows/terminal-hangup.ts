/**
 * Terminal and process rows: no TTY; the SSH link dropped (SIGHUP to the console, and the terminal itself gone, so
 * its writes fail with EPIPE/EIO). Within 2 s: the console has exited (0, terminal restored, where that can be
 * seen), and nothing it started is left: no child process, no listening socket (the port-forward's, from
 * /proc/net/tcp), no connection to the API server (the watch, the port-forward WebSockets).
 */
import {spawn} from 'node:child_process';
import path from 'node:path';
import type {ChaosContext, ChaosResult, ChaosRow} from '../row.js';
import {cliPath, programPid, prometheusHeader, seconds} from '../support/console-screen.js';
import {startSimConsole, waitForLiveTraffic, type SimConsole} from '../support/sim-console.js';
import {alive, descendants, listening, openConnections} from '../../helpers/processes.js';
import {waitFor} from '../../helpers/wait-for.js';

function result(figure: string, problems: readonly string[]): ChaosResult {
	return {ok: problems.length === 0, figure, ...(problems.length === 0 ? {} : {detail: problems.join('\n')})};
}

async function noTty(context: ChaosContext): Promise<ChaosResult> {
	const start = Date.now();
	const child = spawn(process.execPath, [cliPath, '--kubeconfig', path.join(context.dir, 'none.yaml'), '-n', 'bookinfo', 'reviews'], {env: {...process.env, HOME: context.dir}, stdio: ['pipe', 'pipe', 'pipe']});
	child.stdin.end();
	let stderr = '';
	let stdout = '';
	child.stderr.on('data', (chunk: Buffer) => {
		stderr += chunk.toString();
	});
	child.stdout.on('data', (chunk: Buffer) => {
		stdout += chunk.toString();
	});
	const status = await new Promise<number | null>(resolve => child.on('close', resolve));
	const elapsed = Date.now() - start;
	const problems: string[] = [];
	if (status !== 2) {
		problems.push(`exit status ${String(status)}, expected 2`);
	}

	if (!/needs an interactive terminal/.test(stderr) || !/meshtop status <virtualservice> --json/.test(stderr)) {
		problems.push(`stderr does not say why and what to use instead: ${JSON.stringify(stderr)}`);
	}

	if (stdout !== '') {
		problems.push(`stdout is not empty (escape sequences on a pipe?): ${JSON.stringify(stdout.slice(0, 80))}`);
	}

	if (elapsed > 2000) {
		problems.push(`took ${seconds(elapsed)} (limit 2 s)`);
	}

	return result(`exit ${String(status)} after ${seconds(elapsed)}, "${stderr.split('\n')[0]?.slice(9, 55) ?? ''}…"`, problems);
}

/** What the console holds while it runs: its pid, its children, its port-forward's port, the API server's port. */
interface Holdings {
	pid: number;
	children: number[];
	forwardPort: number;
	apiPort: number;
}

async function consoleOnPortForward(context: ChaosContext): Promise<{bed: SimConsole; holdings: Holdings}> {
	const bed = await startSimConsole({dir: context.dir, columns: 200, rows: 30});
	await waitForLiveTraffic(bed.terminal, 30_000, context.signal);
	const label = prometheusHeader(bed.terminal.screen())?.line ?? '';
	const forward = /→ 127\.0\.0\.1:(\d+)/.exec(label);
	const pid = programPid(bed.terminal);
	if (forward === null || pid === undefined) {
		await bed.stop();
		throw new Error(`no port-forward or no console process: ${label}`);
	}

	return {bed, holdings: {pid, children: descendants(pid), forwardPort: Number(forward[1]), apiPort: Number(new URL(bed.sim.server).port)}};
}

/** Waits up to 2 s for everything the console held to be gone; returns what is left, and when it was all gone. */
async function leftovers(holdings: Holdings, since: number): Promise<{left: string[]; goneMs: number | undefined}> {
	const check = () => [
		...(alive(holdings.pid) ? [`meshtop (pid ${holdings.pid}) still runs`] : []),
		...holdings.children.filter(pid => alive(pid)).map(pid => `child pid ${pid} still runs`),
		...(listening(holdings.forwardPort) ? [`127.0.0.1:${holdings.forwardPort} (the port-forward) still listens`] : []),
		...openConnections(holdings.apiPort).map(socket => `a connection to the API server is open (${socket.localPort} → ${socket.remotePort}, state ${socket.state})`),
	];
	try {
		await waitFor(() => check().length === 0, {timeout: 2000, interval: 50});
		return {left: [], goneMs: Date.now() - since};
	} catch {
		return {left: check(), goneMs: undefined};
	}
}

async function sighup(context: ChaosContext): Promise<ChaosResult> {
	const {bed, holdings} = await consoleOnPortForward(context);
	try {
		const problems: string[] = [];
		const start = Date.now();
		process.kill(holdings.pid, 'SIGHUP');
		const {left, goneMs} = await leftovers(holdings, start);
		problems.push(...left);
		const status = await bed.terminal.waitForExit(3000).catch(() => undefined);
		if (status !== 0) {
			problems.push(`exit status ${String(status)}, expected 0`);
		}

		if (bed.terminal.alternateScreen()) {
			problems.push('the terminal is still on the alternate screen');
		}

		return result(`exit ${String(status)}, terminal restored; process, ${holdings.children.length} children, forward :${holdings.forwardPort} and API connections gone after ${goneMs === undefined ? '—' : seconds(goneMs)} (≤ 2 s)`, problems);
	} finally {
		await bed.stop();
	}
}

async function terminalGone(context: ChaosContext): Promise<ChaosResult> {
	const {bed, holdings} = await consoleOnPortForward(context);
	try {
		const start = Date.now();
		// The SSH session's end as the console sees it: SIGHUP, and a pty whose writes fail from then on.
		bed.terminal.kill();
		const {left, goneMs} = await leftovers(holdings, start);
		return result(`process, ${holdings.children.length} children, forward :${holdings.forwardPort} and API connections gone after ${goneMs === undefined ? '—' : seconds(goneMs)} (≤ 2 s)`, left);
	} finally {
		await bed.stop();
	}
}

/** Rows: the terminal goes away. */
export const terminalHangupRows: ChaosRow[] = [
	{group: 'terminal', name: 'no TTY (stdin/stdout pipes)', short: true, limitSeconds: 30, run: noTty},
	{group: 'terminal', name: 'SSH link dropped: SIGHUP', short: true, limitSeconds: 60, run: sighup},
	{group: 'terminal', name: 'SSH link dropped: terminal gone (EPIPE/EIO)', short: true, limitSeconds: 60, run: terminalGone},
];
