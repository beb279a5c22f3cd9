/**
 * A simulated cluster and the console on it in tmux, for the Prometheus and terminal rows: one call starts both,
 * one stop() ends both (the console first, so it never sees its cluster vanish).
 */
import path from 'node:path';
import {startSimCluster, type SimCluster, type SimClusterOptions} from '../../../source/sim/cluster.js';
import type {TmuxTerminal} from '../../helpers/tmux.js';
import {followScreen, openConsole, prometheusHeader, versionCells} from './console-screen.js';

/** A running sim with a console on it. */
export interface SimConsole {
	sim: SimCluster;
	kubeconfig: string;
	terminal: TmuxTerminal;
	/** Ends the console's tmux server and the sim. */
	stop(): Promise<void>;
}

/** Options of {@link startSimConsole}. */
export interface SimConsoleOptions {
	dir: string;
	/** The sim's options (default the built-in Prometheus: no process to start, the rows fault it through a proxy). */
	sim?: SimClusterOptions;
	/** Console arguments after `--kubeconfig K` (default `reviews -n bookinfo`); may start what needs the sim (a proxy in front of its Prometheus). */
	args?: (sim: SimCluster) => readonly string[] | Promise<readonly string[]>;
	columns?: number;
	rows?: number;
	env?: Record<string, string | undefined>;
}

/** Starts the sim, writes its kubeconfig into `dir`, and opens the console on it. */
export async function startSimConsole(options: SimConsoleOptions): Promise<SimConsole> {
	const sim = await startSimCluster({prometheus: 'builtin', ...options.sim});
	try {
		const kubeconfig = path.join(options.dir, 'kubeconfig.yaml');
		await sim.writeKubeconfig(kubeconfig);
		const terminal = openConsole({kubeconfig, args: await options.args?.(sim) ?? ['reviews', '-n', 'bookinfo'], home: options.dir, columns: options.columns, rows: options.rows, env: options.env});
		return {
			sim,
			kubeconfig,
			terminal,
			async stop() {
				terminal.kill();
				await sim.stop();
			},
		};
	} catch (error) {
		await sim.stop();
		throw error;
	}
}

/** Whether the console shows fresh numbers: the header live with data at most `maxAgeSeconds` old and v1's rate > 0. */
export function showsLiveTraffic(screen: string, maxAgeSeconds = 1): boolean {
	const header = prometheusHeader(screen);
	const rps = Number(versionCells(screen, 'v1')?.rps);
	return header?.status === 'live' && header.ageSeconds !== undefined && header.ageSeconds <= maxAgeSeconds && rps > 0;
}

/** Waits until the console shows live traffic; throws with the last screen otherwise. */
export async function waitForLiveTraffic(terminal: TmuxTerminal, timeoutMs: number, signal?: AbortSignal): Promise<void> {
	let last = '';
	const seen = await followScreen(terminal, {start: Date.now(), timeoutMs, until: showsLiveTraffic, seen: capture => {
		last = capture.screen;
	}, signal});
	if (seen === undefined) {
		throw new Error(`the console did not show live traffic within ${timeoutMs / 1000} s; last screen:\n${last}`);
	}
}
