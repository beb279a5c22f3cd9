/**
 * PATH for running dist/cli.js as a program (as the bins, npx and kubectl run it): its shell line execs `node` from
 * PATH, so the Node running the tests or the bench goes first, as npm puts the pinned one first for its scripts.
 */
import path from 'node:path';
import process from 'node:process';

/** `searchPath` (default this process's PATH) with this Node's directory first. */
export function pathWithThisNode(searchPath: string | undefined = process.env['PATH']): string {
	return `${path.dirname(process.execPath)}${path.delimiter}${searchPath ?? ''}`;
}

/** A copy of `env` whose PATH has this Node's directory first. */
export function withThisNode(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
	return {...env, PATH: pathWithThisNode(env['PATH'])};
}
