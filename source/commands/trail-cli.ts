import {runHistory} from './history.js';
import {runUndo} from './undo.js';
import type {CommandIo} from './dispatch.js';
import {connectionFlags, type Flags} from './flags.js';

/** `meshtop history <vs>` and `meshtop undo <vs>`: the change trail from the command line. */
export async function runTrailCli(command: 'history' | 'undo', vsName: string, flags: Flags, io: CommandIo): Promise<number> {
	const connection = {vs: vsName, ...connectionFlags(flags)};
	if (command === 'history') {
		return runHistory({...connection, json: flags.json, readOnly: flags.readOnly}, io);
	}

	if (flags.readOnly) {
		io.stderr.write('meshtop: --read-only: undo writes nothing.\n');
		return 2;
	}

	return runUndo(connection, io);
}
