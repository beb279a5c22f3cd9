// Part of scripts/bundle.mjs: the source of dist/cli.js, the launcher of the bundle.

/**
 * The launcher: Node's compile cache must be on before the bundle is compiled (compiling 3.6 MB of JavaScript is
 * most of a cold start), and a module cannot turn it on for itself. The console's heap policy
 * (dist/source/app/heap-policy.js, built by tsc before the bundle) is set here, before anything allocates: V8 keeps a
 * young generation it has grown once. Its flag and command lists are copied in at build time, so heap-policy.ts stays
 * the one place they are written.
 */
export async function launcherSource() {
	const policy = await import(new URL('../dist/source/app/heap-policy.js', import.meta.url).href);
	return `#!/usr/bin/env node
// Written by scripts/bundle.mjs: the console's V8 heap policy (source/app/heap-policy.ts), Node's compile cache
// (Node >= 22.1), then the bundle.
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
