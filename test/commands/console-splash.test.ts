import assert from 'node:assert/strict';
import process from 'node:process';
import {PassThrough} from 'node:stream';
import {describe, test} from 'node:test';
import {consoleSettings} from '../../source/commands/console-settings.js';
import {showSplash, splashText} from '../../source/commands/console-splash.js';

/** A stream standing in for the terminal, with everything written to it. */
function terminal(): {stdout: NodeJS.WriteStream; written: () => string} {
	const stream = new PassThrough();
	let text = '';
	stream.on('data', (chunk: Buffer) => {
		text += chunk.toString('utf8');
	});
	return {stdout: stream as unknown as NodeJS.WriteStream, written: () => text};
}

const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const listeners = () => signals.map(signal => process.listenerCount(signal));

describe('console splash: the first frame before Ink loads', () => {
	test('the header Ink first draws: the address, and context/namespace from the flags or … until the kubeconfig is read', () => {
		assert.equal(splashText('reviews', {readOnly: false}), 'meshtop  ctx …  ns …  vs reviews\r\nstarting…');
		assert.equal(splashText('httproute/reviews', {context: 'prod', namespace: 'bookinfo', readOnly: true}), ' READ-ONLY  meshtop  ctx prod  ns bookinfo  httproute reviews\r\nstarting…');
		assert.equal(splashText(undefined, {readOnly: false}), 'meshtop  ctx …  ns …  vs -\r\nstarting…');
	});

	test('drawn on the alternate screen with the cursor hidden; handed over to Ink with the screen cleared', async () => {
		const {stdout, written} = terminal();
		const before = listeners();
		const splash = showSplash(stdout, 'meshtop  ctx …');
		assert.deepEqual(listeners(), before.map(count => count + 1), 'signals are guarded while the splash is up');
		splash.handOver();
		splash.dismiss();
		await new Promise(resolve => {
			setImmediate(resolve);
		});
		assert.equal(written(), '\u001B[?1049h\u001B[?25l\u001B[2J\u001B[Hmeshtop  ctx …\u001B[2J\u001B[H', 'handed over: cleared, and dismiss() after it writes nothing');
		assert.deepEqual(listeners(), before, 'Ink guards the terminal from its first render');
	});

	test('dismissed when the console does not start: the alternate screen is left and the cursor shown again', async () => {
		const {stdout, written} = terminal();
		const before = listeners();
		const splash = showSplash(stdout, 'meshtop');
		splash.dismiss();
		splash.dismiss();
		await new Promise(resolve => {
			setImmediate(resolve);
		});
		assert.ok(written().endsWith('meshtop\u001B[?1049l\u001B[?25h'), JSON.stringify(written()));
		assert.equal(written().split('\u001B[?1049l').length, 2, 'left once');
		assert.deepEqual(listeners(), before);
	});
});

describe('console settings, checked before the splash', () => {
	test('valid flags give the step, refresh and history in milliseconds', () => {
		assert.deepEqual(consoleSettings({step: 5, refresh: '2s', history: '15m'}), {settings: {step: 5, refreshMs: 2000, historyMs: 900_000}});
		assert.deepEqual(consoleSettings({refresh: '1s'}), {settings: {step: 10, refreshMs: 1000, historyMs: 300_000}});
	});

	test('each wrong flag is named', () => {
		assert.match((consoleSettings({step: 7, refresh: '1s'}) as {error: string}).error, /^--step must be one of 1, 5, 10, 25$/);
		assert.match((consoleSettings({refresh: 'soon'}) as {error: string}).error, /^--refresh: /);
		assert.match((consoleSettings({refresh: '1s', history: 'long'}) as {error: string}).error, /^--history: /);
	});
});
