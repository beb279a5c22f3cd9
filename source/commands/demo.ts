import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';
import process from 'node:process';
import {startSimCluster} from '../sim/cluster.js';
import {faultsFromFlags} from './sim.js';
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
	if (faults === undefined) {
		return 2;
	}

	io.stderr.write('meshtop demo: starting the simulated Bookinfo cluster…\n');
	const dir = await mkdtemp(path.join(tmpdir(), 'meshtop-demo-'));
	const cluster = await startSimCluster({faults, port: flags.port});
	const previousHistory = process.env['MESHTOP_HISTORY'];
	process.env['MESHTOP_HISTORY'] = path.join(dir, 'history.jsonl');
	try {
		const kubeconfig = path.join(dir, 'kubeconfig.yaml');
		await cluster.writeKubeconfig(kubeconfig);
		const target = loadKubeTarget({kubeconfig, namespace: 'bookinfo'});
		return await runConsole('reviews', {...flags, namespace: 'bookinfo'}, io, {target});
	} finally {
		if (previousHistory === undefined) {
			delete process.env['MESHTOP_HISTORY'];
		} else {
			process.env['MESHTOP_HISTORY'] = previousHistory;
		}

		await cluster.stop();
		await rm(dir, {recursive: true, force: true});
	}
}
