import type {Sample} from '../metrics/istio-metrics.js';
import {startBuiltinPrometheus} from './builtin-prometheus.js';
import type {PrometheusInstance} from './prometheus-instance.js';
import {findOnPath, startRealPrometheus} from './real-prometheus.js';

/** Which Prometheus to run: the real binary when present (`auto`), always the binary (`real`), or never (`builtin`). */
export type PrometheusChoice = 'auto' | 'real' | 'builtin';

/** Inputs of {@link startPrometheus}. */
export interface StartPrometheusOptions {
	/** Default `auto`. */
	choice?: PrometheusChoice;
	/** Executable to use instead of searching PATH for `prometheus`. */
	binary?: string;
	/** `host:port` of the mesh's /metrics endpoint. */
	target: string;
	/** The mesh's counters, for the built-in responder. */
	samples: () => Promise<Sample[]>;
	/** Scrape interval in seconds. Default 1. */
	intervalSeconds?: number;
	/** Called when a real Prometheus dies while it should be running. */
	onUnexpectedExit?: (error: Error) => void;
}

/** A started Prometheus and, when `auto` fell back to the built-in one, why. */
export interface StartedPrometheus {
	/** The instance. */
	instance: PrometheusInstance;
	/** Why the real binary is not used (not found, failed to start); undefined when it is, or `builtin` was asked. */
	fallbackReason?: string;
}

/**
 * Starts the real Prometheus when possible, else the built-in responder. `real` fails loudly instead of falling
 * back, for CI, where a silently built-in Prometheus would hide a broken installation.
 */
export async function startPrometheus(options: StartPrometheusOptions): Promise<StartedPrometheus> {
	const choice = options.choice ?? 'auto';
	const builtin = async () => startBuiltinPrometheus({target: options.target, samples: options.samples, intervalSeconds: options.intervalSeconds});
	if (choice === 'builtin') {
		return {instance: await builtin()};
	}

	const binary = options.binary ?? await findOnPath('prometheus');
	if (!binary) {
		if (choice === 'real') {
			throw new Error('prometheus binary not found on PATH (install it, pass its path, or use the built-in Prometheus)');
		}

		return {instance: await builtin(), fallbackReason: 'no prometheus binary on PATH'};
	}

	try {
		const instance = await startRealPrometheus({
			binary,
			target: options.target,
			intervalSeconds: options.intervalSeconds,
			onUnexpectedExit: options.onUnexpectedExit,
		});
		return {instance};
	} catch (error) {
		if (choice === 'real') {
			throw error;
		}

		return {instance: await builtin(), fallbackReason: `${binary} failed to start: ${(error as Error).message}`};
	}
}
