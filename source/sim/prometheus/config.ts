import {stringify} from 'yaml';

/** Inputs of {@link prometheusConfigYaml}. */
export interface ScrapeConfigOptions {
	/** `host:port` of the mesh's /metrics endpoint. */
	target: string;
	/** Scrape and evaluation interval in seconds; meshtop derives its rate window (4x) from it. */
	intervalSeconds: number;
	/** Path of the metrics endpoint. Default /metrics. */
	metricsPath?: string;
}

/** Name of the scrape job, as in Istio's addon config (whose pods job scrapes the sidecars' merged metrics). */
export const scrapeJobName = 'kubernetes-pods';

/**
 * The Prometheus configuration of the sim: one job scraping the mesh with honor_labels (the sidecar's labels
 * win, as in Istio's addon). The built-in responder serves the same YAML from /api/v1/status/config, so
 * meshtop reads the same scrape_interval whichever Prometheus answers.
 */
export function prometheusConfigYaml(options: ScrapeConfigOptions): string {
	const interval = `${options.intervalSeconds}s`;
	return stringify({
		global: {
			scrape_interval: interval,
			// Must not exceed the interval, and Prometheus' default (10s) does.
			scrape_timeout: interval,
			evaluation_interval: interval,
		},
		scrape_configs: [
			{
				job_name: scrapeJobName,
				honor_labels: true,
				honor_timestamps: true,
				scrape_interval: interval,
				scrape_timeout: interval,
				metrics_path: options.metricsPath ?? '/metrics',
				scheme: 'http',
				static_configs: [{targets: [options.target]}],
			},
		],
	});
}
