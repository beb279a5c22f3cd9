/**
 * `npm run testbed -- --kubeconfig-out FILE [--prometheus 2|3] [--state-out FILE]`: starts the real control plane,
 * writes its kubeconfig (contexts testbed, testbed-viewer, testbed-shifter), prints a ready line, and runs until
 * SIGINT/SIGTERM/SIGHUP or the death of its parent, then stops everything it started.
 */
import {copyFile, rm, writeFile} from 'node:fs/promises';
import {parseArgs} from 'node:util';
import {startTestbed, testbedState, type Testbed} from './testbed.js';

export type {TestbedState} from './testbed.js';

const {values} = parseArgs({
	options: {
		'kubeconfig-out': {type: 'string'},
		'state-out': {type: 'string'},
		prometheus: {type: 'string', default: '3'},
		rps: {type: 'string', default: '20'},
	},
});
const kubeconfigOut = values['kubeconfig-out'];
if (kubeconfigOut === undefined) {
	console.error('usage: npm run testbed -- --kubeconfig-out FILE [--prometheus 2|3] [--rps N] [--state-out FILE]');
	process.exit(2);
}

const prometheus = values.prometheus === '2' ? '2' : '3';
let testbed: Testbed | undefined;
let exiting = false;
const written: string[] = [];
const shutdown = async (why: string, code: number) => {
	if (exiting) {
		return;
	}

	exiting = true;
	console.error(`testbed: stopping (${why})`);
	await testbed?.stop();
	await Promise.all(written.map(async file => rm(file, {force: true})));
	process.exit(code);
};

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
	process.on(signal, () => {
		void shutdown(signal, 0);
	});
}

// Orphaned (the parent died): we are re-parented, so the parent pid changes.
const parent = process.ppid;
setInterval(() => {
	if (process.ppid !== parent) {
		void shutdown('parent exited', 0);
	}
}, 500).unref();
try {
	testbed = await startTestbed({prometheus, requestsPerSecond: Number(values.rps), log: line => console.error(line)});
	if (exiting) {
		await testbed.stop();
	} else {
		await copyFile(testbed.kubeconfigFile, kubeconfigOut);
		written.push(kubeconfigOut);
		const stateOut = values['state-out'];
		if (stateOut !== undefined) {
			await writeFile(stateOut, JSON.stringify(testbedState(testbed, kubeconfigOut), null, 2));
			written.push(stateOut);
		}

		console.log(`testbed ready: kubernetes ${testbed.kubernetesVersion}, prometheus ${testbed.prometheus.version}, kubeconfig ${kubeconfigOut} (contexts testbed, testbed-viewer, testbed-shifter), kubectl ${testbed.binaries.kubectl}`);
	}
} catch (error) {
	console.error(error instanceof Error ? error.message : String(error));
	await shutdown('startup failed', 1);
}
