/**
 * `--help` and `--version` anywhere on the command line answer and exit, whatever command or route comes before them:
 * meow alone answers them only as the only argument, and `meshtop sim --help` started the simulated cluster.
 */
import assert from 'node:assert/strict';
import {execFile} from 'node:child_process';
import {fileURLToPath} from 'node:url';
import {promisify} from 'node:util';
import {test} from 'node:test';

const run = promisify(execFile);
const cliPath = fileURLToPath(new URL('../../cli.js', import.meta.url));

/** Runs the CLI with `args`; a command that started instead of answering is killed by the timeout (and fails). */
async function answer(args: readonly string[]): Promise<string> {
	const {stdout} = await run(process.execPath, [cliPath, ...args], {timeout: 15_000, env: {...process.env, KUBECONFIG: '/nonexistent/kubeconfig'}});
	return stdout;
}

for (const args of [['--help'], ['sim', '--help'], ['demo', '--help'], ['reviews', '-n', 'bookinfo', '--help'], ['shift', 'reviews', '--help'], ['status', '--help']]) {
	test(`meshtop ${args.join(' ')} prints the usage and exits 0`, async () => {
		const stdout = await answer(args);
		assert.match(stdout, /Usage/, stdout);
		assert.match(stdout, /meshtop sim/, 'the whole help text');
	});
}

test('meshtop sim --version prints the version and exits 0', async () => {
	assert.match(await answer(['sim', '--version']), /^\d+\.\d+\.\d+\s*$/);
});
