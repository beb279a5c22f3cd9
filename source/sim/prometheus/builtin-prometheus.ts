import {createServer} from 'node:http';
import type {Sample} from '../metrics/istio-metrics.js';
import {prometheusConfigYaml} from './config.js';
import type {PrometheusInstance} from './prometheus-instance.js';
import {handleQueryApi} from './query-api.js';
import {SampleHistory} from './sample-history.js';
import {listenOnLoopback} from '../../net/listen.js';

/** Version the built-in responder reports, so meshtop (and its user) can tell it is not a real Prometheus. */
export const builtinVersion = 'builtin-sim';

/** Inputs of {@link startBuiltinPrometheus}. */
export interface BuiltinPrometheusOptions {
	/** Reads the mesh's counters, like one scrape. */
	samples: () => Promise<Sample[]>;
	/** `host:port` shown as the scrape target in the served config. */
	target: string;
	/** Scrape interval in seconds. Default 1. */
	intervalSeconds?: number;
	/** Port on 127.0.0.1. Default 0 (free). */
	port?: number;
	/** Clock, epoch milliseconds. Default Date.now. */
	now?: () => number;
	/** Storage; inject one filled with known points to test queries. */
	history?: SampleHistory;
	/** Scrape on a timer (default true); false leaves the history to the caller. */
	scrape?: boolean;
}

/** The built-in responder, with access to its storage. */
export interface BuiltinPrometheus extends PrometheusInstance {
	/** Its storage. */
	history: SampleHistory;
	/** Takes one scrape now. */
	scrapeNow(): Promise<void>;
}

/**
 * Answers Prometheus' query API from the mesh's own counters when no `prometheus` binary is available:
 * scrapes them every interval into a 10-minute in-memory history and evaluates the queries meshtop makes.
 */
export async function startBuiltinPrometheus(options: BuiltinPrometheusOptions): Promise<BuiltinPrometheus> {
	const intervalSeconds = options.intervalSeconds ?? 1;
	const now = options.now ?? Date.now;
	const history = options.history ?? new SampleHistory();
	const context = {
		history,
		now,
		configYaml: prometheusConfigYaml({target: options.target, intervalSeconds}),
		version: builtinVersion,
	};
	const server = createServer((request, response) => {
		handleQueryApi(request, response, context).catch((error: unknown) => {
			if (!response.headersSent) {
				response.writeHead(500, {'content-type': 'text/plain'}).end(String(error));
			}
		});
	});
	const port = await listenOnLoopback(server, options.port ?? 0);

	let scraping: Promise<void> | undefined;
	const scrapeNow = async (): Promise<void> => {
		// A slow scrape must not pile up behind itself.
		scraping ??= options.samples().then(samples => {
			history.add(now(), samples);
		}).finally(() => {
			scraping = undefined;
		});
		return scraping;
	};

	let timer: NodeJS.Timeout | undefined;
	if (options.scrape ?? true) {
		await scrapeNow();
		timer = setInterval(() => {
			scrapeNow().catch(() => {
				// A failed scrape is a gap in the data, as in Prometheus; the next one fills in.
			});
		}, intervalSeconds * 1000);
		timer.unref();
	}

	let stopped: Promise<void> | undefined;
	return {
		mode: 'builtin',
		url: `http://127.0.0.1:${port}`,
		host: '127.0.0.1',
		port,
		version: builtinVersion,
		history,
		scrapeNow,
		stop() {
			stopped ??= (async () => {
				clearInterval(timer);
				await new Promise<void>(resolve => {
					server.close(() => {
						resolve();
					});
					server.closeAllConnections();
				});
				await scraping?.catch(() => undefined);
			})();
			return stopped;
		},
	};
}
