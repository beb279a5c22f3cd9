/** Where the test bed's binaries are: build.sh's cache directory, built first when missing. */
import {spawn} from 'node:child_process';
import {existsSync} from 'node:fs';
import path from 'node:path';

/** Paths of the built binaries. */
export interface TestbedBinaries {
	/** The cache directory (bin/, kwok-stage/, versions.json). */
	directory: string;
	etcd: string;
	kubeApiserver: string;
	kubeControllerManager: string;
	kubeScheduler: string;
	kubectl: string;
	kwok: string;
	prometheus: string;
}

const buildScript = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../../test/testbed/build.sh');

/** Whether Go is on PATH, i.e. whether the test bed can be built here. */
export function goAvailable(): boolean {
	return (process.env['PATH'] ?? '').split(path.delimiter).some(directory => existsSync(path.join(directory, 'go')));
}

/**
 * Runs build.sh, which returns at once when the pinned versions are cached, and builds them otherwise (progress on
 * `log`). With `build: false`, fails instead of building. MESHTOP_TESTBED_DIR names a directory to use instead.
 */
export async function locateBinaries(options: {build: boolean; log: (line: string) => void}): Promise<TestbedBinaries> {
	// A directory of binaries given by hand (same layout as the cache) is used as it is.
	const given = process.env['MESHTOP_TESTBED_DIR'];
	const directory = given !== undefined && given !== '' ? given : await new Promise<string>((resolve, reject) => {
		const child = spawn('bash', [buildScript], {stdio: ['ignore', 'pipe', 'pipe'], env: {...process.env, ...(options.build ? {} : {MESHTOP_TESTBED_NO_BUILD: '1'})}});
		let out = '';
		let err = '';
		child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
			out += chunk;
		});
		child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
			err += chunk;
			for (const line of chunk.split('\n').filter(line => line !== '' && !line.endsWith(': cached'))) {
				options.log(line);
			}
		});
		child.once('error', reject);
		child.once('exit', code => {
			const last = out.trim().split('\n').at(-1) ?? '';
			if (code === 0 && last !== '') {
				resolve(last);
			} else {
				reject(new Error(`test bed binaries unavailable (build.sh exit ${String(code)}): ${err.trim().split('\n').slice(-5).join(' | ')}`));
			}
		});
	});
	const bin = (name: string) => path.join(directory, 'bin', name);
	return {
		directory,
		etcd: bin('etcd'),
		kubeApiserver: bin('kube-apiserver'),
		kubeControllerManager: bin('kube-controller-manager'),
		kubeScheduler: bin('kube-scheduler'),
		kubectl: bin('kubectl'),
		kwok: bin('kwok'),
		prometheus: bin('prometheus'),
	};
}
