/** The real Prometheus of the test bed, supervised like its other processes, scraping the mesh every second. */
import {mkdir, writeFile} from 'node:fs/promises';
import path from 'node:path';
import {prometheusConfigYaml} from '../../source/sim/prometheus/config.js';
import {freePort} from '../../source/net/listen.js';
import {waitUntil} from './ports.js';
import type {SupervisedProcess} from '../../source/sim/supervised-process.js';

/** A running Prometheus. */
export interface PrometheusServer {
	url: string;
	port: number;
	/** As /api/v1/status/buildinfo reports it. */
	version: string;
}

/** Starts `binary` with a config scraping `target` every second, its TSDB in `directory`; resolves when ready. */
export async function startPrometheusServer(options: {
	binary: string;
	target: string;
	directory: string;
	supervise: (name: string, binary: string, args: string[]) => SupervisedProcess;
}): Promise<PrometheusServer> {
	await mkdir(options.directory, {recursive: true});
	const config = path.join(options.directory, 'prometheus.yml');
	await writeFile(config, prometheusConfigYaml({target: options.target, intervalSeconds: 1}));
	const port = await freePort();
	const child = options.supervise('prometheus', options.binary, [
		`--config.file=${config}`, `--storage.tsdb.path=${path.join(options.directory, 'data')}`,
		'--storage.tsdb.retention.time=1h', `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn',
	]);
	const url = `http://127.0.0.1:${port}`;
	await waitUntil(async () => (await fetch(`${url}/-/ready`)).ok, {what: 'Prometheus /-/ready', process: child});
	const info = await (await fetch(`${url}/api/v1/status/buildinfo`)).json() as {data?: {version?: string}};
	return {url, port, version: info.data?.version ?? 'unknown'};
}
