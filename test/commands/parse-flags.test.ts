import {describe, test} from 'node:test';
import assert from 'node:assert/strict';
import {flagSpec} from '../../source/commands/flags.js';
import {parseCommandLine} from '../../source/commands/parse-flags.js';

function run(argv: string[]) {
	const parsed = parseCommandLine(argv, flagSpec);
	assert.equal(parsed.kind, 'run', JSON.stringify(parsed));
	return parsed.kind === 'run' ? parsed : assert.fail();
}

describe('parseCommandLine (the flag table meow read before)', () => {
	test('positionals, kubectl-style flags, -n, defaults', () => {
		const {input, flags} = run(['set', 'reviews', '-n', 'bookinfo', '--kubeconfig=/tmp/k', 'v1=50', 'v3=50']);
		assert.deepEqual(input, ['set', 'reviews', 'v1=50', 'v3=50']);
		assert.equal(flags.namespace, 'bookinfo');
		assert.equal(flags.kubeconfig, '/tmp/k');
		assert.equal(flags.refresh, '1s');
		assert.equal(flags.readOnly, false);
		assert.equal(flags.color, true);
		assert.equal(flags.onFail, 'pause');
	});

	test('kebab-case names, --no-color, numbers, repeatable flags', () => {
		const {flags} = run(['shift', 'reviews', '--to', 'v3', '--read-only', '--no-color', '--step', '25', '--gate', 'success>=99', '--gate', 'p99<=500ms', '--min-requests', '50']);
		assert.equal(flags.readOnly, true);
		assert.equal(flags.color, false);
		assert.equal(flags.step, 25);
		assert.equal(flags.minRequests, 50);
		assert.deepEqual(flags.gate, ['success>=99', 'p99<=500ms']);
	});

	test('unknown flags, a non-number and a value outside the choices are errors', () => {
		assert.equal(parseCommandLine(['--bogus'], flagSpec).kind, 'error');
		assert.deepEqual(parseCommandLine(['--step', 'ten'], flagSpec), {kind: 'error', message: '--step needs a number, not "ten"'});
		assert.deepEqual(parseCommandLine(['--on-fail', 'explode'], flagSpec), {kind: 'error', message: '--on-fail must be one of pause, rollback, not "explode"'});
	});

	test('--help and --version', () => {
		assert.deepEqual(parseCommandLine(['--help'], flagSpec), {kind: 'help'});
		assert.deepEqual(parseCommandLine(['status', '--version'], flagSpec), {kind: 'version'});
	});
});
