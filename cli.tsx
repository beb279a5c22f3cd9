#!/usr/bin/env node
import process from 'node:process';
import meow from 'meow';
import {helpText, flagSpec} from './source/commands/flags.js';
import {runCommand} from './source/commands/dispatch.js';

// React and Ink load later (commands are imported lazily): make them use their production builds, which do
// a fraction of the development build's work per frame, unless the user asked otherwise.
process.env['NODE_ENV'] ??= 'production';

const cli = meow(helpText, {
	importMeta: import.meta,
	flags: flagSpec,
	allowUnknownFlags: false,
	// `meshtop set reviews v1=50 v3=50`: positional arguments are the command's.
	booleanDefault: undefined,
});

try {
	process.exitCode = await runCommand(cli.input, cli.flags, {stdout: process.stdout, stderr: process.stderr, stdin: process.stdin});
} catch (error) {
	process.stderr.write(`meshtop: ${error instanceof Error ? error.message : String(error)}\n`);
	process.exitCode = 1;
}
