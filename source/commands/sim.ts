import {parseFaultFlag, runSim, type Fault} from '../sim/run-sim.js';
import type {CommandIo} from './dispatch.js';
import type {Flags} from './flags.js';
import {errorMessage} from '../util/error-message.js';
import {parseDuration} from '../domain/duration.js';

/** --scrape-interval in whole seconds (undefined: the sim's default), or null after saying what is wrong. */
export function scrapeSecondsFromFlags(flags: Flags, io: CommandIo): number | undefined | null {
	if (flags.scrapeInterval === undefined) {
		return undefined;
	}

	try {
		const seconds = parseDuration(flags.scrapeInterval) / 1000;
		if (Number.isInteger(seconds) && seconds >= 1) {
			return seconds;
		}
	} catch {
		// Said below, with what a valid value looks like.
	}

	io.stderr.write(`meshtop: --scrape-interval must be a whole number of seconds, such as 15s or 1m (got ${flags.scrapeInterval})\n`);
	return null;
}

/** The --fault flags as faults, or undefined after saying which one is wrong (a usage error). */
export function faultsFromFlags(flags: Flags, io: CommandIo): Fault[] | undefined {
	try {
		return (flags.fault ?? []).map(spec => parseFaultFlag(spec));
	} catch (error) {
		io.stderr.write(`meshtop: ${errorMessage(error)}\n`);
		return undefined;
	}
}

/** `meshtop sim [--kubeconfig-out FILE] [--port N] [--fault SPEC] [--ambient] [--scrape-interval 15s]`: the simulated cluster in the foreground. */
export async function runSimCommand(flags: Flags, io: CommandIo): Promise<number> {
	const faults = faultsFromFlags(flags, io);
	const scrapeIntervalSeconds = scrapeSecondsFromFlags(flags, io);
	if (faults === undefined || scrapeIntervalSeconds === null) {
		return 2;
	}

	// Typed or piped lines control the mesh while it runs (fault …, clear …, rps N, quit).
	await runSim({port: flags.port, ambient: flags.ambient ?? false, scrapeIntervalSeconds, kubeconfigOut: flags.kubeconfigOut, faults, stdout: io.stdout, stderr: io.stderr, stdin: io.stdin});
	return 0;
}
