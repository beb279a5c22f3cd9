import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {createInterface} from 'node:readline';
import {startSimCluster, type SimCluster} from './cluster.js';
import {controlHelp, runControlCommand} from './mesh/control.js';
import {formatFault, type Fault} from './mesh/faults.js';
import type {PrometheusChoice} from './prometheus/start-prometheus.js';

export {parseFaultFlag} from './mesh/faults.js';
export type {Fault} from './mesh/faults.js';

/** Options of {@link runSim}, the body of `meshtop sim`. */
export interface RunSimOptions {
	/** API server port on 127.0.0.1 (`--port`). Default: a free port. */
	port?: number;
	/** Where to write the kubeconfig (`--kubeconfig-out`); default a temporary directory removed on exit. */
	kubeconfigOut?: string;
	/** Faults from `--fault` flags (parse them with parseFaultFlag). */
	faults: Fault[];
	/** Which Prometheus to run. Default `auto`. */
	prometheus?: PrometheusChoice;
	/** Prometheus executable instead of the one on PATH. */
	prometheusBinary?: string;
	/** Entry requests per second. Default 20. */
	requestsPerSecond?: number;
	/** Ambient mode (`--ambient`): the namespace labelled for ambient, metrics reported by the waypoint. */
	ambient?: boolean;
	/** Prometheus' scrape interval in seconds (`--scrape-interval`; default 1). */
	scrapeIntervalSeconds?: number;
	/** Banner and control replies. */
	stdout: NodeJS.WritableStream;
	/** Warnings (Prometheus died). Default: stdout. */
	stderr?: NodeJS.WritableStream;
	/** Control channel, one command per line (see controlHelp). Default: none. */
	stdin?: NodeJS.ReadableStream;
	/** Stops the simulation when aborted (embedding, tests); SIGINT, SIGTERM and SIGHUP always do. */
	signal?: AbortSignal;
}

/** The signals that stop the sim (and its cleanup) instead of ending the process at once. */
const stopSignals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * The sim's output stream failed (EPIPE: nobody reads it any more). Nothing is left to tell; the sim goes on and stops
 * cleanly when asked. Left attached after runSim returns: its last line may fail after it.
 */
function ignoreClosedOutput(): void {
	// Nothing to do: the listener's presence keeps the error from ending the process.
}

/**
 * Runs the simulated cluster in the foreground until SIGINT/SIGTERM/SIGHUP, a `quit` line on stdin, or the abort
 * signal: prints where everything is and how to use it, applies control commands from stdin, and on the way
 * out stops every server and process and removes the temporary kubeconfig directory.
 */
export async function runSim(options: RunSimOptions): Promise<void> {
	const {stdout} = options;
	const stderr = options.stderr ?? stdout;
	const temporaryDirectory = options.kubeconfigOut === undefined ? await mkdtemp(join(tmpdir(), 'meshtop-sim-')) : undefined;
	const kubeconfigPath = options.kubeconfigOut === undefined ? join(temporaryDirectory!, 'kubeconfig.yaml') : resolve(options.kubeconfigOut);
	let cluster: SimCluster | undefined;
	let stopRequested: () => void = () => undefined;
	const stopped = new Promise<void>(resolveStop => {
		stopRequested = resolveStop;
	});
	const onSignal = () => {
		stopRequested();
	};

	// A hung-up terminal (the SSH link gone) stops the sim as Ctrl-C does, so it still stops Prometheus and removes its
	// temporary kubeconfig. A closed output no longer ends it: a parent that stopped reading (execFile's timeout
	// destroys the pipes before its SIGTERM) made the next write fail with EPIPE, which ended the process before its
	// cleanup.
	for (const signal of stopSignals) {
		process.on(signal, onSignal);
	}

	for (const stream of new Set([stdout, stderr])) {
		stream.on('error', ignoreClosedOutput);
	}

	options.signal?.addEventListener('abort', onSignal, {once: true});
	let lines: ReturnType<typeof createInterface> | undefined;
	try {
		if (options.signal?.aborted) {
			return;
		}

		cluster = await startSimCluster({
			port: options.port,
			faults: options.faults,
			prometheus: options.prometheus,
			prometheusBinary: options.prometheusBinary,
			requestsPerSecond: options.requestsPerSecond,
			ambient: options.ambient ?? false,
			...(options.scrapeIntervalSeconds === undefined ? {} : {scrapeIntervalSeconds: options.scrapeIntervalSeconds}),
			onPrometheusExit(error) {
				stderr.write(`meshtop sim: ${error.message}\nmeshtop sim: Prometheus queries will fail until the sim is restarted.\n`);
			},
		});
		await cluster.writeKubeconfig(kubeconfigPath);
		stdout.write(banner(cluster, kubeconfigPath, options));
		if (options.stdin) {
			const mesh = cluster.mesh;
			lines = createInterface({input: options.stdin, terminal: false});
			lines.on('line', line => {
				const reply = runControlCommand(line, mesh);
				if (reply.text !== '') {
					(reply.error ? stderr : stdout).write(`${reply.text}\n`);
				}

				if (reply.quit) {
					stopRequested();
				}
			});
		}

		await stopped;
		stdout.write('meshtop sim: stopping…\n');
	} finally {
		lines?.close();
		for (const signal of stopSignals) {
			process.off(signal, onSignal);
		}

		options.signal?.removeEventListener('abort', onSignal);
		await cluster?.stop();
		if (temporaryDirectory !== undefined) {
			await rm(temporaryDirectory, {recursive: true, force: true});
		}
	}

	stdout.write('meshtop sim: stopped\n');
}

function banner(cluster: SimCluster, kubeconfigPath: string, options: RunSimOptions): string {
	const {prometheus} = cluster;
	const prometheusLine = prometheus.mode === 'prometheus'
		? `Prometheus ${prometheus.version} (real, scraping every ${options.scrapeIntervalSeconds ?? 1}s) at ${prometheus.url}`
		: `built-in Prometheus responder (${prometheus.fallbackReason ?? 'asked for'}) at ${prometheus.url}; it answers meshtop's queries only`;
	const faults = cluster.mesh.faults();
	return [
		`meshtop sim: simulated Istio cluster with Bookinfo, ${options.requestsPerSecond ?? 20} req/s to productpage`,
		`  API server:  ${cluster.server}`,
		`  kubeconfig:  ${kubeconfigPath}`,
		`  Prometheus:  ${prometheusLine}`,
		'               (meshtop reaches it through the prometheus pod in istio-system, port 9090)',
		`  faults:      ${faults.length === 0 ? 'none' : faults.map(fault => formatFault(fault)).join(' ')}`,
		'',
		'Try:',
		`  kubectl --kubeconfig ${kubeconfigPath} get vs -n bookinfo`,
		`  meshtop --kubeconfig ${kubeconfigPath} reviews -n bookinfo`,
		'',
		options.stdin ? `Commands on stdin:\n${indent(controlHelp)}` : '',
		'Ctrl-C stops the simulation.',
		'',
	].filter((line, index, all) => line !== '' || all[index - 1] !== '').join('\n');
}

function indent(text: string): string {
	return text.split('\n').map(line => `  ${line}`).join('\n');
}
