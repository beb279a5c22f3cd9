#!/usr/bin/env node
import module from 'node:module';
import process from 'node:process';
import meow from 'meow';
import {helpText, flagSpec} from './source/commands/flags.js';
import {runCommand} from './source/commands/dispatch.js';
import {errorMessage} from './source/util/error-message.js';

// Compiled module code is cached on disk (Node ≥ 22.1). The bundle's launcher (scripts/bundle.mjs) has turned it on
// already, before this module was compiled; this covers tsc's output run directly.
module.enableCompileCache?.();

// React and Ink load later (commands are imported lazily): make them use their production builds, which do
// a fraction of the development build's work per frame. The bundle has only those compiled in (scripts/bundle.mjs);
// this covers tsc's output run directly, where NODE_ENV=development still selects React's development build.
process.env['NODE_ENV'] ??= 'production';

/**
 * name, version and description of package.json, which the bundler (scripts/bundle.mjs) writes in so that meow reads
 * no package.json at start; without it (tsc's output run directly) meow finds package.json itself.
 */
declare const MESHTOP_PACKAGE: {name: string; version: string; description: string} | undefined;

const cli = meow(helpText, {
	importMeta: import.meta,
	...(typeof MESHTOP_PACKAGE === 'undefined' ? {} : {pkg: MESHTOP_PACKAGE}),
	flags: flagSpec,
	allowUnknownFlags: false,
});

// meow answers --help and --version only when one is the only argument; after a command or a route they must still
// answer, not start it (`meshtop sim --help` started the simulated cluster, `meshtop reviews --help` the console).
const asked = cli.flags as Record<string, unknown>;
if (asked['help'] === true) {
	cli.showHelp(0);
} else if (asked['version'] === true) {
	cli.showVersion();
}

// Ink 8 and client-node 2 need Node 22; on an older runtime say so rather than crash on a missing API.
const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
	process.stderr.write(`meshtop needs Node.js 22 or newer (this is ${process.version}). In the repository, \`npm start -- …\` runs the pinned runtime.\n`);
	process.exit(1);
}

try {
	process.exitCode = await runCommand(cli.input, cli.flags, {stdout: process.stdout, stderr: process.stderr, stdin: process.stdin});
} catch (error) {
	process.stderr.write(`meshtop: ${errorMessage(error)}\n`);
	process.exitCode = 1;
}
