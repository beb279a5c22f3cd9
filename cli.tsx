#!/usr/bin/env node
import {readFileSync} from 'node:fs';
import process from 'node:process';
import {helpText, flagSpec} from './source/commands/flags.js';
import {parseCommandLine} from './source/commands/parse-flags.js';
import {runCommand} from './source/commands/dispatch.js';
import {errorMessage} from './source/util/error-message.js';

// Node's compile cache is turned on by the launcher (dist/cli.js) before this bundle is compiled.

// React and Ink load later (commands are imported lazily): make them use their production builds, which do
// a fraction of the development build's work per frame, unless the user asked otherwise.
process.env['NODE_ENV'] ??= 'production';

/** name, version and description of package.json, read only for --help and --version (from dist/bundle/ or dist/). */
function packageInfo(): {version: string; description: string} {
	for (const relative of ['../../package.json', '../package.json']) {
		try {
			const info = JSON.parse(readFileSync(new URL(relative, import.meta.url), 'utf8')) as {name?: string; version?: string; description?: string};
			if (info.name === 'meshtop') {
				return {version: info.version ?? '?', description: info.description ?? ''};
			}
		} catch {
			// Not at this depth: try the next.
		}
	}

	return {version: '?', description: ''};
}

// Ink 8 and client-node 2 need Node 22; on an older runtime say so rather than crash on a missing API.
const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
	process.stderr.write(`meshtop needs Node.js 22 or newer (this is ${process.version}). In the repository, \`npm start -- …\` runs the pinned runtime.\n`);
	process.exit(1);
}

const commandLine = parseCommandLine(process.argv.slice(2), flagSpec);
switch (commandLine.kind) {
	case 'help': {
		process.stdout.write(`\n  ${packageInfo().description}\n${helpText}\n`);
		break;
	}

	case 'version': {
		process.stdout.write(`${packageInfo().version}\n`);
		break;
	}

	case 'error': {
		process.stderr.write(`meshtop: ${commandLine.message}\nRun meshtop --help for usage.\n`);
		process.exitCode = 2;
		break;
	}

	case 'run': {
		try {
			process.exitCode = await runCommand(commandLine.input, commandLine.flags, {stdout: process.stdout, stderr: process.stderr, stdin: process.stdin});
		} catch (error) {
			process.stderr.write(`meshtop: ${errorMessage(error)}\n`);
			process.exitCode = 1;
		}

		break;
	}
}
