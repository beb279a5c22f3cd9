import {rmSync} from 'node:fs';
import {mkdtemp, rm} from 'node:fs/promises';
import {lifeline} from '../sim/lifeline.js';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {startSimCluster, type SimCluster} from '../sim/cluster.js';
import {faultsFromFlags, scrapeSecondsFromFlags} from './sim.js';
import {loadKubeTarget} from '../kube/config.js';
import {noTtyMessage, runConsole} from './console.js';
import type {CommandIo} from './dispatch.js';
import type {Flags} from './flags.js';

/**
 * `meshtop demo`: the simulated Bookinfo cluster in-process, and the console on reviews.
 * Its writes go to a history file of its own, so a demo does not mix with the user's real trail.
 */
export async function runDemo(flags: Flags, io: CommandIo): Promise<number> {
	if (!(io.stdin as NodeJS.ReadStream).isTTY || !(io.stdout as NodeJS.WriteStream).isTTY) {
		io.stderr.write(noTtyMessage + 'To run the simulated cluster alone, use: meshtop sim\n');
		return 2;
	}

	const faults = faultsFromFlags(flags, io);
	const scrapeIntervalSeconds = scrapeSecondsFromFlags(flags, io);
	if (faults === undefined || scrapeIntervalSeconds === null) {
		return 2;
	}

	io.stderr.write('meshtop demo: starting the simulated Bookinfo cluster…\n');
	// Everything the demo creates is released in `finally`, whichever step fails: the directory, then the cluster.
	const dir = await mkdtemp(path.join(tmpdir(), 'meshtop-demo-'));
	// A hung-up terminal (SSH dropped, tmux killed) can end the process on a failed write before `finally` runs:
	// the directory still goes, synchronously, on exit.
	const removeOnExit = () => {
		rmSync(dir, {recursive: true, force: true});
	};

	process.once('exit', removeOnExit);
	// Killed with SIGKILL, no handler runs at all: a lifeline removes the directory after our death.
	const tie = lifeline(undefined, {directory: dir, graceMs: 1000});
	let cluster: SimCluster | undefined;
	try {
		cluster = await startSimCluster({faults, port: flags.port, ...(scrapeIntervalSeconds === undefined ? {} : {scrapeIntervalSeconds})});
		const kubeconfig = path.join(dir, 'kubeconfig.yaml');
		await cluster.writeKubeconfig(kubeconfig);
		const target = loadKubeTarget({kubeconfig, namespace: 'bookinfo'});
		// The demo's writes go to a history file of its own, given as an argument (not through the environment).
		return await runConsole('reviews', {...flags, namespace: 'bookinfo'}, io, {target, historyFile: path.join(dir, 'history.jsonl')});
	} finally {
		await cluster?.stop();
		await rm(dir, {recursive: true, force: true});
		process.off('exit', removeOnExit);
		tie.release();
	}
}
