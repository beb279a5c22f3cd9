/**
 * How the bench starts meshtop: dist/cli.js run as a program, as the bins, npx and kubectl run it, so its shell line
 * starts Node with the malloc settings users get (`node dist/cli.js` would skip that line), with the Node running the
 * bench first on PATH (npm puts the pinned one there for its scripts).
 */
import process from 'node:process';
import {fileURLToPath} from 'node:url';
import {withThisNode} from '../test/helpers/this-node.js';

/** The CLI users run (dist/bench/ → dist/cli.js: the launcher of the bundle). */
export const cliPath = fileURLToPath(new URL('../cli.js', import.meta.url));

/**
 * The environment of an SSH session: a real TERM with colours, history in the bench's file, no CI markers (Ink turns
 * interactivity off in CI).
 */
export function terminalEnv(historyFile: string): NodeJS.ProcessEnv {
	const env: NodeJS.ProcessEnv = withThisNode({...process.env, TERM: 'xterm-256color', MESHTOP_HISTORY: historyFile});
	for (const name of Object.keys(env)) {
		if (name === 'CI' || name === 'CONTINUOUS_INTEGRATION' || name.startsWith('CI_')) {
			Reflect.deleteProperty(env, name);
		}
	}

	delete env['NO_COLOR'];
	return env;
}
