import type {ConsoleServices} from '../ports/console-services.js';
import {errorMessage} from '../util/error-message.js';

/** Console services that are still loading, plus their owner's close(). */
export interface LazyConsoleServices extends ConsoleServices {
	/** Closes the loaded services (port-forward); waits for a load in progress. */
	close(): Promise<void>;
}

/**
 * Services whose adapters load in the background: the first frame is drawn before the Kubernetes client is imported
 * (that import is most of meshtop's start-up time). A failed load (no kubeconfig, bad context) is shown as the
 * watch's error, so the console can say what is wrong instead of dying before it drew anything.
 */
export function lazyConsoleServices(load: () => Promise<ConsoleServices & {close(): Promise<void>}>): LazyConsoleServices {
	const loading = load();
	// A rejection is reported through watch(); keep Node from calling it unhandled meanwhile.
	loading.catch(() => undefined);
	let loaded: ConsoleServices | undefined;
	void loading.then(services => {
		loaded = services;
	}, () => undefined);
	return {
		watch(listener) {
			let stop: (() => void) | undefined;
			let stopped = false;
			loading.then(services => {
				if (!stopped) {
					stop = services.watch(listener);
				}
			}, (error: unknown) => {
				if (!stopped) {
					listener({status: 'error', error: errorMessage(error)});
				}
			});
			return () => {
				stopped = true;
				stop?.();
			};
		},
		writer: {
			async write(request) {
				try {
					return await (await loading).writer.write(request);
				} catch (error) {
					return {kind: 'failed', message: errorMessage(error), error};
				}
			},
		},
		fetchMetrics: async destinations => (await loading).fetchMetrics(destinations),
		fetchCounts: async (destinations, rangeMs) => (await loading).fetchCounts(destinations, rangeMs),
		async fetchMetricsHistory(destinations, rangeMs) {
			const services = await loading;
			return services.fetchMetricsHistory === undefined ? [] : services.fetchMetricsHistory(destinations, rangeMs);
		},
		async reviewWriteAccess(address) {
			const services = await loading;
			if (services.reviewWriteAccess === undefined) {
				throw new Error('access review not supported');
			}

			return services.reviewWriteAccess(address);
		},
		scrapeIntervalMs: () => loaded?.scrapeIntervalMs?.(),
		watchPrometheus(listener) {
			let stop: (() => void) | undefined;
			let stopped = false;
			loading.then(services => {
				if (!stopped) {
					stop = services.watchPrometheus?.(listener);
				}
			}, (error: unknown) => {
				if (!stopped) {
					listener({label: 'not connected', status: 'error', error: errorMessage(error)});
				}
			});
			return () => {
				stopped = true;
				stop?.();
			};
		},
		async close() {
			const services = await loading.catch(() => undefined);
			await services?.close();
		},
	};
}
