import {formatFault, parseFaultFlag} from './faults.js';
import type {Mesh} from './mesh.js';

/** Result of one control command. */
export interface ControlReply {
	/** Text for the operator (one or more lines, no trailing newline). */
	text: string;
	/** Whether the command failed. */
	error: boolean;
	/** Whether the operator asked to stop the simulation. */
	quit: boolean;
}

/** The commands `meshtop sim` accepts on stdin, for its banner and `help`. */
export const controlHelp = [
	'fault SERVICE:VERSION:errors=20%,latency=+300ms   set (replace) a fault',
	'clear SERVICE:VERSION | clear all                 remove a fault',
	'faults                                            list the faults',
	'rps N                                             entry requests per second',
	'stats                                             requests and 5xx per version since start',
	'quit                                              stop the simulation',
].join('\n');

/**
 * Runs one line of the sim's control channel against the mesh, so faults can change while meshtop watches
 * (the point of a rehearsal: make v3 fail halfway through a migration and see the console react).
 */
export function runControlCommand(line: string, mesh: Mesh): ControlReply {
	const [command = '', ...rest] = line.trim().split(/\s+/);
	const argument = rest.join(' ');
	const ok = (text: string): ControlReply => ({text, error: false, quit: false});
	const fail = (text: string): ControlReply => ({text: `error: ${text}`, error: true, quit: false});
	try {
		switch (command.toLowerCase()) {
			case '': {
				return ok('');
			}

			case 'fault': {
				const fault = parseFaultFlag(argument);
				mesh.setFault(fault);
				return ok(`fault set: ${formatFault(fault)}`);
			}

			case 'clear': {
				if (argument === 'all') {
					const faults = mesh.faults();
					for (const fault of faults) {
						mesh.clearFault(fault.service, fault.version);
					}

					return ok(`cleared ${faults.length} fault(s)`);
				}

				const [service, version, ...extra] = argument.split(':');
				if (!service || !version || extra.length > 0) {
					return fail('usage: clear SERVICE:VERSION | clear all');
				}

				return mesh.clearFault(service, version) ? ok(`fault cleared: ${service}:${version}`) : fail(`no fault on ${service}:${version}`);
			}

			case 'faults': {
				const faults = mesh.faults();
				return ok(faults.length === 0 ? 'no faults' : faults.map(fault => formatFault(fault)).join('\n'));
			}

			case 'rps': {
				const rate = Number(argument);
				if (argument === '' || !Number.isFinite(rate) || rate < 0 || rate > 10_000) {
					return fail('usage: rps N (0..10000)');
				}

				mesh.setRequestsPerSecond(rate);
				return ok(`entry rate: ${rate} req/s`);
			}

			case 'stats': {
				const lines: string[] = [];
				for (const [service, versions] of Object.entries(mesh.stats().services).sort()) {
					for (const [version, stats] of Object.entries(versions).sort()) {
						const flags = Object.entries(stats.responseFlags).map(([flag, count]) => ` ${flag}=${count}`).join('');
						lines.push(`${service} ${version}: ${stats.requests} requests, ${stats.errors} 5xx${flags}`);
					}
				}

				return ok(lines.length === 0 ? 'no requests yet' : lines.join('\n'));
			}

			case 'help': {
				return ok(controlHelp);
			}

			case 'quit':
			case 'exit':
			case 'stop': {
				return {text: '', error: false, quit: true};
			}

			default: {
				return fail(`unknown command "${command}" (try help)`);
			}
		}
	} catch (error) {
		return fail((error as Error).message);
	}
}
