import {spawn} from 'node:child_process';
import {constants, rmSync} from 'node:fs';
import {access, mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {delimiter, join} from 'node:path';
import {freePort} from '../../net/listen.js';
import {lifeline} from '../lifeline.js';
import {prometheusConfigYaml} from './config.js';
import type {PrometheusInstance} from './prometheus-instance.js';

/** Inputs of {@link startRealPrometheus}. */
export interface RealPrometheusOptions {
	/** Path of the `prometheus` executable. */
	binary: string;
	/** `host:port` of the mesh's /metrics endpoint. */
	target: string;
	/** Scrape interval in seconds. Default 1. */
	intervalSeconds?: number;
	/** Port on 127.0.0.1 (a restart on the same port, as a pod behind a Service comes back). Default a free one. */
	port?: number;
	/** Give up waiting for /-/ready after this long. Default 30 s. */
	readyTimeoutMs?: number;
	/** Between SIGTERM and SIGKILL on stop. Default 5 s. */
	stopGraceMs?: number;
	/** Called when the process dies while it should be running (its stderr tail is in the message). */
	onUnexpectedExit?: (error: Error) => void;
}

/** The real Prometheus as a child process. */
export interface RealPrometheus extends PrometheusInstance {
	/** Set once the process died on its own. */
	readonly exitError: Error | undefined;
}

/** Finds an executable named `name` on PATH; undefined when there is none. */
export async function findOnPath(name: string, path = process.env['PATH'] ?? ''): Promise<string | undefined> {
	for (const directory of path.split(delimiter).filter(entry => entry !== '')) {
		const candidate = join(directory, name);
		try {
			await access(candidate, constants.X_OK);
			return candidate;
		} catch {
			// Not here.
		}
	}

	return undefined;
}

/**
 * Runs the real Prometheus in a temporary directory (config + TSDB) on a free 127.0.0.1 port and resolves once
 * /-/ready answers. The child is killed when this process exits, so a crashed test cannot leave it behind.
 */
export async function startRealPrometheus(options: RealPrometheusOptions): Promise<RealPrometheus> {
	const directory = await mkdtemp(join(tmpdir(), 'meshtop-prometheus-'));
	try {
		// A free port can be taken between probing and binding; one retry covers that race.
		for (let attempt = 1; ; attempt++) {
			try {
				return await launch(options, directory, options.port ?? await freePort());
			} catch (error) {
				if (attempt >= 2 || !String(error).includes('address already in use')) {
					throw error;
				}
			}
		}
	} catch (error) {
		await rm(directory, {recursive: true, force: true});
		throw error;
	}
}

async function launch(options: RealPrometheusOptions, directory: string, port: number): Promise<RealPrometheus> {
	const configFile = join(directory, 'prometheus.yml');
	await writeFile(configFile, prometheusConfigYaml({target: options.target, intervalSeconds: options.intervalSeconds ?? 1}));
	const child = spawn(options.binary, [
		`--config.file=${configFile}`,
		`--storage.tsdb.path=${join(directory, 'data')}`,
		'--storage.tsdb.retention.time=1h',
		`--web.listen-address=127.0.0.1:${port}`,
		'--log.level=warn',
	], {
		// Its own process group: a Ctrl-C in the terminal reaches the sim, which then stops Prometheus in order,
		// instead of killing Prometheus first and making its exit look like a crash.
		detached: true,
		stdio: ['ignore', 'ignore', 'pipe'],
	});
	// Its data is a throwaway temporary directory: after our death a short grace is enough, and the directory goes too.
	const tie = child.pid === undefined ? undefined : lifeline(child.pid, {graceMs: 1000, directory});
	const stderrTail: string[] = [];
	child.stderr.setEncoding('utf8');
	child.stderr.on('data', (chunk: string) => {
		stderrTail.push(...chunk.split('\n').filter(line => line !== ''));
		stderrTail.splice(0, Math.max(0, stderrTail.length - 20));
	});
	// Exit handlers must be synchronous: kill, then remove the directory as best we can.
	const killOnExit = () => {
		child.kill('SIGKILL');
		rmSync(directory, {recursive: true, force: true});
	};

	process.once('exit', killOnExit);
	let stopping = false;
	let exitError: Error | undefined;
	const exited = new Promise<void>(resolve => {
		child.once('exit', (code, signal) => {
			tie?.release();
			process.off('exit', killOnExit);
			if (!stopping) {
				exitError = new Error(`prometheus exited unexpectedly (${signal ?? `code ${code ?? '?'}`}): ${stderrTail.join('\n')}`);
				options.onUnexpectedExit?.(exitError);
			}

			resolve();
		});
	});
	const spawnFailed = new Promise<never>((_resolve, reject) => {
		child.once('error', error => {
			process.off('exit', killOnExit);
			reject(error);
		});
	});
	const url = `http://127.0.0.1:${port}`;

	let stopped: Promise<void> | undefined;
	const stop = async (): Promise<void> => {
		stopped ??= (async () => {
			stopping = true;
			if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
				child.kill('SIGTERM');
				const grace = setTimeout(() => child.kill('SIGKILL'), options.stopGraceMs ?? 5000);
				await exited;
				clearTimeout(grace);
			}

			await rm(directory, {recursive: true, force: true});
		})();
		return stopped;
	};

	// Whichever way startup fails, the readiness poll must end with it rather than run on to its deadline.
	const startup = new AbortController();
	try {
		await Promise.race([spawnFailed, waitReady(url, options.readyTimeoutMs ?? 30_000, () => exitError, startup.signal)]);
	} catch (error) {
		startup.abort();
		await stop();
		throw error;
	}

	const version = await readVersion(url);
	return {
		mode: 'prometheus',
		url,
		host: '127.0.0.1',
		port,
		version,
		pid: child.pid,
		directory,
		get exitError() {
			return exitError;
		},
		stop,
	};
}

async function waitReady(url: string, timeoutMs: number, died: () => Error | undefined, signal: AbortSignal): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const error = died();
		if (error) {
			throw error;
		}

		if (signal.aborted) {
			throw new Error('prometheus startup abandoned');
		}

		try {
			const response = await fetch(`${url}/-/ready`, {signal: AbortSignal.any([signal, AbortSignal.timeout(1000)])});
			await response.arrayBuffer();
			if (response.ok) {
				return;
			}
		} catch {
			// Not listening yet.
		}

		if (Date.now() > deadline) {
			throw new Error(`prometheus did not become ready within ${timeoutMs} ms`);
		}

		await new Promise(resolve => {
			setTimeout(resolve, 50);
		});
	}
}

async function readVersion(url: string): Promise<string> {
	try {
		const response = await fetch(`${url}/api/v1/status/buildinfo`, {signal: AbortSignal.timeout(2000)});
		const body = await response.json() as {data?: {version?: unknown}};
		return typeof body.data?.version === 'string' ? body.data.version : 'unknown';
	} catch {
		return 'unknown';
	}
}
