import {parseFaultFlag, runSim, type Fault} from '../sim/run-sim.js';
import type {CommandIo} from './dispatch.js';
import type {Flags} from './flags.js';

/** `meshtop sim [--kubeconfig-out FILE] [--port N] [--fault SPEC]`: the simulated cluster in the foreground. */
export async function runSimCommand(flags: Flags, io: CommandIo): Promise<number> {
	let faults: Fault[];
	try {
		faults = (flags.fault ?? []).map(spec => parseFaultFlag(spec));
	} catch (error) {
		io.stderr.write(`meshtop: ${error instanceof Error ? error.message : String(error)}\n`);
		return 2;
	}

	// Typed or piped lines control the mesh while it runs (fault …, clear …, rps N, quit).
	await runSim({port: flags.port, kubeconfigOut: flags.kubeconfigOut, faults, stdout: io.stdout, stderr: io.stderr, stdin: io.stdin});
	return 0;
}
