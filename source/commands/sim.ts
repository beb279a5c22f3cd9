import {parseFaultFlag, runSim, type Fault} from '../sim/run-sim.js';
import type {CommandIo} from './dispatch.js';
import type {Flags} from './flags.js';
import {errorMessage} from '../util/error-message.js';

/** The --fault flags as faults, or undefined after saying which one is wrong (a usage error). */
export function faultsFromFlags(flags: Flags, io: CommandIo): Fault[] | undefined {
	try {
		return (flags.fault ?? []).map(spec => parseFaultFlag(spec));
	} catch (error) {
		io.stderr.write(`meshtop: ${errorMessage(error)}\n`);
		return undefined;
	}
}

/** `meshtop sim [--kubeconfig-out FILE] [--port N] [--fault SPEC] [--ambient]`: the simulated cluster in the foreground. */
export async function runSimCommand(flags: Flags, io: CommandIo): Promise<number> {
	const faults = faultsFromFlags(flags, io);
	if (faults === undefined) {
		return 2;
	}

	// Typed or piped lines control the mesh while it runs (fault …, clear …, rps N, quit).
	await runSim({port: flags.port, ambient: flags.ambient ?? false, kubeconfigOut: flags.kubeconfigOut, faults, stdout: io.stdout, stderr: io.stderr, stdin: io.stdin});
	return 0;
}
