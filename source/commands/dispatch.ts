import {forgetLauncherEnvironment} from '../app/heap-policy.js';
import type {Flags} from './flags.js';
import {consoleSettings} from './console-settings.js';
import {showSplash, splashText} from './console-splash.js';

/** Streams a command writes to (injected so tests can capture them). */
export interface CommandIo {
	stdout: NodeJS.WriteStream | NodeJS.WritableStream;
	stderr: NodeJS.WriteStream | NodeJS.WritableStream;
	stdin: NodeJS.ReadStream | NodeJS.ReadableStream;
}

const commandNames = ['demo', 'sim', 'status', 'set', 'shift', 'history', 'undo'] as const;

function usageError(io: CommandIo, text: string): number {
	io.stderr.write(`meshtop: ${text}\nRun meshtop --help for usage.\n`);
	return 2;
}

/**
 * Runs the command named by the first argument; anything else is the console on a VirtualService.
 * Commands are imported lazily so `meshtop status` does not load React and Ink.
 */
export async function runCommand(input: readonly string[], flags: Flags, io: CommandIo): Promise<number> {
	// The launcher's malloc settings were for this process: what a command starts gets the user's environment.
	forgetLauncherEnvironment(process.env);
	const [first, ...rest] = input;
	const name = commandNames.find(command => command === first);
	switch (name) {
		case 'demo': {
			const {runDemo} = await import('./demo.js');
			return runDemo(flags, io);
		}

		case 'sim': {
			const {runSimCommand} = await import('./sim.js');
			return runSimCommand(flags, io);
		}

		case 'status': {
			if (rest[0] === undefined) {
				return usageError(io, 'status needs a VirtualService name: meshtop status <virtualservice>');
			}

			const {runStatus} = await import('./status.js');
			return runStatus(rest[0], flags, io);
		}

		case 'set': {
			if (rest[0] === undefined || rest.length < 2) {
				return usageError(io, 'set needs a VirtualService and weights: meshtop set <virtualservice> v1=50 v3=50');
			}

			const {runSet} = await import('./set.js');
			return runSet(rest[0], rest.slice(1), flags, io);
		}

		case 'shift': {
			if (rest[0] === undefined) {
				return usageError(io, 'shift needs a VirtualService: meshtop shift <virtualservice> --to v3');
			}

			const {runShiftCli} = await import('./shift-cli.js');
			return runShiftCli(rest[0], flags, io);
		}

		case 'history':
		case 'undo': {
			if (rest[0] === undefined) {
				return usageError(io, `${name} needs a VirtualService: meshtop ${name} <virtualservice>`);
			}

			const {runTrailCli} = await import('./trail-cli.js');
			return runTrailCli(name, rest[0], flags, io);
		}

		case undefined: {
			if (rest.length > 0) {
				return usageError(io, `unknown command "${first ?? ''}"`);
			}

			// The first frame before Ink and React load (a terminal, and flags that will not stop the console at once).
			const stdout = io.stdout as NodeJS.WriteStream;
			const splash = stdout.isTTY === true && (io.stdin as NodeJS.ReadStream).isTTY === true && 'settings' in consoleSettings(flags)
				? showSplash(stdout, splashText(first, flags))
				: undefined;
			try {
				const {runConsole} = await import('./console.js');
				return await runConsole(first, flags, io, splash === undefined ? {} : {beforeRender: () => {
					splash.handOver();
				}});
			} finally {
				splash?.dismiss();
			}
		}
	}
}
