// Part of scripts/bundle.mjs: the source of dist/cli.js, the launcher of the bundle.

/**
 * The shell line that starts Node with glibc malloc's settings (source/app/heap-policy.ts: mallocEnvironment), which
 * glibc reads before any JavaScript runs, and V8's start flags (nodeStartFlags), which V8 reads when it creates the
 * heap. Run as a program (the bins, npx, a kubectl plugin), dist/cli.js is a shell script whose second line exports
 * each setting the user has not set, names them in MESHTOP_LAUNCHER_ADDED (the CLI removes them again, so its
 * children get the user's environment) and execs `node` from PATH with the start flags and the same arguments, as
 * `#!/usr/bin/env node` would: the same process, so signals and the pid are unchanged. For Node the
 * same line is the string ':' and a comment, so `node dist/cli.js` runs the JavaScript below it directly.
 */
function shellLine(policy) {
	const settings = Object.entries(policy.mallocEnvironment).map(([name, value]) => {
		if (!/^[A-Z_]+$/.test(name) || !/^[\w.-]+$/.test(value)) {
			throw new Error(`scripts/bundle-launcher.mjs: ${name}=${value} cannot be written into the shell line`);
		}

		return `[ -n "\${${name}+set}" ] || { export ${name}=${value}; ${policy.launcherAddedVariable}="\${${policy.launcherAddedVariable}} ${name}"; };`;
	});
	const flags = policy.nodeStartFlags.map(flag => {
		if (!/^--[a-z-]+=\w+$/.test(flag)) {
			throw new Error(`scripts/bundle-launcher.mjs: ${flag} cannot be written into the shell line`);
		}

		return `${flag} `;
	});
	return `':' //; ${policy.launcherAddedVariable}=; ${settings.join(' ')} export ${policy.launcherAddedVariable}; exec node ${flags.join('')}"$0" "$@"`;
}

/**
 * The launcher: Node's compile cache must be on before the bundle is compiled (compiling 3.6 MB of JavaScript is
 * most of a cold start), and a module cannot turn it on for itself. The console's heap policy
 * (dist/source/app/heap-policy.js, built by tsc before the bundle) is set here, before anything allocates: V8 keeps a
 * young generation it has grown once. Its flag and command lists are copied in at build time, so heap-policy.ts stays
 * the one place they are written.
 */
export async function launcherSource() {
	const policy = await import(new URL('../dist/source/app/heap-policy.js', import.meta.url).href);
	return `#!/bin/sh
${shellLine(policy)}
// Written by scripts/bundle.mjs: run as a program, the shell line above starts Node with glibc malloc's settings;
// then the console's V8 heap policy (both in source/app/heap-policy.ts), Node's compile cache (Node >= 22.1), the bundle.
import module from 'node:module';
if (!process.argv.slice(2).some(word => ${JSON.stringify(policy.oneShotCommands)}.includes(word))) {
	// Loaded here only: node:v8 (its heap-snapshot streams) is about 7 ms that a one-shot command does not need.
	const {default: v8} = await import('node:v8');
	for (const flag of ${JSON.stringify(policy.consoleHeapFlags)}) {
		v8.setFlagsFromString(flag);
	}
}
module.enableCompileCache?.();
await import('./bundle/meshtop.js');
`;
}
