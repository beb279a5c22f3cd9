import {EnvoyLineMemory, envoyStatsFilter, parseEnvoyStats, type PodCounters, type StatsReporter} from '../domain/envoy-stats.js';
import type {LiveReading} from '../domain/live-merge.js';
import {QuietPods} from '../domain/quiet-pods.js';
import {liveFigures, type LivePoll, type LiveSample} from '../domain/live-rates.js';
import type {Destination} from '../domain/virtual-service.js';
import {withDeadline} from '../util/deadline.js';
import {errorMessage} from '../util/error-message.js';
import {createBodyReader, type BodyReader} from '../net/body-reader.js';
import type {KubeTarget} from './config.js';
import {toKubeError} from './errors.js';
import {startPortForward, type PortForwardHandle} from './port-forward.js';
import {choosePods} from './live-pods.js';
import {KubeRest} from './rest.js';
import {throttledWaitMs} from './throttle-retry.js';

/** Envoy's Prometheus stats port on a sidecar or waypoint. */
export const envoyStatsPort = 15_090;

/** A pod's forward and the reader of its stats over it. */
interface PodLink {
	forward: PortForwardHandle;
	reader: BodyReader;
}

/** Ends a pod's reader, then its forward. */
async function closeLink(link: PodLink): Promise<void> {
	await link.reader.close();
	await link.forward.stop();
}

/** Options of {@link startLiveStats}. */
export interface LiveStatsOptions {
	/** Namespace of the route's pods. */
	namespace: string;
	/** `destination`: each version's sidecars; `waypoint`: the namespace's waypoint pods (ambient mode). */
	reporter: StatsReporter;
	/** Pods read per version at most (default 3): beyond that the figures are a sample. */
	podsPerVersion?: number;
	/** Time between reads (default 1 s). */
	periodMs?: number;
	/** Reads kept: the live figures span the last `window - 1` periods (default 6: five seconds). */
	window?: number;
	/** How often the pods are listed again (default 10 s). */
	reselectMs?: number;
	/**
	 * How often a quiet pod is read (default 5 s): one whose answer came back the same as the read before (a version
	 * at weight 0 serves nothing). Between its reads its last counters stand; a change of the weights wakes them all.
	 */
	quietPeriodMs?: number;
}

/** The live reads of the versions on screen; one owner calls stop(). */
export interface LiveStatsSource {
	/** The figures of `destinations` now, from the reads so far; the reads follow the destinations asked last. */
	read(destinations: readonly Destination[]): LiveReading;
	/**
	 * Reads the pods now unless a read started less than half a period ago (then waits for it), so the console's refresh
	 * shows counters a few milliseconds old instead of up to a period old; resolves after `maxWaitMs` at the latest.
	 */
	refresh(destinations: readonly Destination[], maxWaitMs: number): Promise<void>;
	/** Ends the reads, their timer and every port-forward; resolves when all are closed. */
	stop(): Promise<void>;
}

/**
 * Reads each version's Envoy stats straight from its pods every second, through a port-forward (client-node's
 * PortForward; the reads reach it as in-process streams, no loopback socket) to port 15090 of up to N pods per
 * version, so a failing version shows within seconds
 * whatever Prometheus' scrape interval. Pods are listed again every few seconds; a forward whose pod left the sample is
 * stopped. Owned: stop() ends the timer, the reads in flight and every forward.
 */
export function startLiveStats(target: KubeTarget, options: LiveStatsOptions): LiveStatsSource {
	const rest = new KubeRest(target.kc);
	const {namespace, reporter} = options;
	const podsPerVersion = Math.max(1, options.podsPerVersion ?? 3);
	const periodMs = options.periodMs ?? 1000;
	const window = Math.max(2, options.window ?? 6);
	const reselectMs = options.reselectMs ?? 10_000;
	const abort = new AbortController();
	const forwards = new Map<string, Promise<PodLink>>();
	// Every pod answers the same lines each read, new values only.
	const lineMemory = new EnvoyLineMemory(reporter);
	// Each pod's last answer and counters, and which pods answered the same twice: a quiet pod is read less often.
	const quiet = new QuietPods<PodCounters>(options.quietPeriodMs ?? 5000);
	let weights = '';
	let destinations: readonly Destination[] = [];
	let wanted = '';
	let selectedFor = '';
	let selectedAt = 0;
	let samples: Record<string, LiveSample> = {};
	let serving = 0;
	let polls: LivePoll[] = [];
	let error: string | undefined;
	let stopped = false;
	let loop: Promise<void> | undefined;
	let inFlight: Promise<void> | undefined;
	let lastStart = 0;
	// An overloaded API server (429) said when to come back: the pods are not listed again before then.
	let listNotBefore = 0;
	let timer: NodeJS.Timeout | undefined;
	let wake: (() => void) | undefined;

	// Forwards that gave up (a 403, the pod gone), by when: retried after a while, not at every read.
	const failedAt = new Map<string, number>();
	const forwardTo = async (pod: string): Promise<PodLink> => {
		// A read still under way when stop() ran must not open a forward that nothing would close.
		if (stopped) {
			throw new Error('live reads stopped');
		}

		let handle = forwards.get(pod);
		const failed = failedAt.get(pod);
		if (handle !== undefined && failed !== undefined && Date.now() - failed >= reselectMs) {
			failedAt.delete(pod);
			forwards.delete(pod);
			void handle.then(closeLink, () => undefined);
			handle = undefined;
		}

		if (handle === undefined) {
			handle = startPortForward(target, {namespace, pod, port: envoyStatsPort}).then(forward => ({
				forward,
				// One keep-alive connection, an in-process stream into the forward, reused every period (each connection is
				// a WebSocket through the API server).
				reader: createBodyReader({connectionsPerOrigin: 1, connect: () => forward.connect()}),
			}));
			forwards.set(pod, handle);
			handle.catch(() => forwards.delete(pod));
		}

		return handle;
	};

	/** One pod's counters, or why they could not be read (the kubelet's refusal when it said one). */
	const readPod = async (pod: string): Promise<PodCounters | Error> => {
		let handle: PortForwardHandle | undefined;
		try {
			const link = await forwardTo(pod);
			handle = link.forward;
			const url = `${handle.url}/stats/prometheus?filter=${envoyStatsFilter}`;
			const response = await withDeadline(Math.max(periodMs * 2, 1000), abort.signal, async signal => link.reader.read(url, signal));
			if (response.status < 200 || response.status > 299) {
				return new Error(`${pod}:${envoyStatsPort} answered ${response.status}`);
			}

			// The same answer as the last read: the same counters, not parsed again.
			return quiet.read(pod, response.text, Date.now(), text => parseEnvoyStats(text, reporter, lineMemory));
		} catch (cause) {
			if (handle?.status().state === 'failed' && !failedAt.has(pod)) {
				failedAt.set(pod, Date.now());
			}

			return new Error(handle?.status().error ?? `${pod}:${envoyStatsPort}: ${errorMessage(cause)}`);
		}
	};

	const stopUnused = () => {
		const used = new Set(Object.values(samples).flatMap(sample => sample.sampled));
		quiet.keepOnly(used);

		for (const [pod, handle] of forwards) {
			if (!used.has(pod)) {
				forwards.delete(pod);
				void handle.then(closeLink, () => undefined);
			}
		}
	};

	const poll = async (): Promise<void> => {
		if (stopped || destinations.length === 0) {
			return;
		}

		const listDue = selectedFor !== wanted || Date.now() - selectedAt >= reselectMs;
		if (listDue && Date.now() < listNotBefore && selectedFor !== wanted) {
			// Nothing to read yet, and the server asked not to be asked before then.
			return;
		}

		if (listDue && Date.now() >= listNotBefore) {
			try {
				({samples, serving} = await choosePods(rest, {namespace, reporter, podsPerVersion}, destinations));
				selectedFor = wanted;
				selectedAt = Date.now();
				stopUnused();
			} catch (cause) {
				const failure = toKubeError(cause, {verb: 'list', resource: 'pods', namespace, server: target.server, user: target.user});
				error = failure.message;
				// A 429's Retry-After, not the read period, decides when the pods are listed again (no request storm).
				const waitMs = throttledWaitMs(failure);
				if (waitMs !== undefined) {
					listNotBefore = Date.now() + waitMs;
				}

				return;
			}
		}

		const pods = [...new Set(Object.values(samples).flatMap(sample => sample.sampled))];
		const at = Date.now();
		const due = pods.filter(pod => quiet.due(pod, at));
		const results = await Promise.all(due.map(async pod => [pod, await readPod(pod)] as const));
		if (stopped) {
			return;
		}

		const read = new Map<string, PodCounters>();
		// A quiet pod not read this time: its last counters stand (it counted nothing at its last read).
		for (const pod of pods) {
			const counters = quiet.last(pod);
			if (!due.includes(pod) && counters !== undefined) {
				read.set(pod, counters);
			}
		}

		const failures: string[] = [];
		for (const [pod, result] of results) {
			if (result instanceof Error) {
				failures.push(result.message);
			} else {
				read.set(pod, result);
			}
		}

		error = failures.length === 0 ? undefined : `${failures.length}/${due.length} pods unreadable: ${failures[0]}`;
		polls = [...polls, {at, pods: read}].slice(-window);
	};

	const sleep = async (ms: number) => new Promise<void>(resolve => {
		wake = resolve;
		timer = setTimeout(resolve, ms);
	});

	/** One read of every sampled pod; a read asked for while one is in flight is that one. */
	const pollOnce = async (): Promise<void> => {
		if (inFlight === undefined) {
			lastStart = Date.now();
			inFlight = poll().catch((cause: unknown) => {
				error = errorMessage(cause);
			}).finally(() => {
				inFlight = undefined;
			});
		}

		return inFlight;
	};

	/** A read a period after the last one, whoever started it (the timer, or a refresh). */
	const run = async (): Promise<void> => {
		while (!stopped) {
			const due = lastStart + periodMs - Date.now();
			// eslint-disable-next-line no-await-in-loop -- one read a period, each after the one before
			await (due > 0 ? sleep(due) : pollOnce());
		}
	};

	const follow = (next: readonly Destination[]) => {
		destinations = next;
		const nextWeights = next.map(destination => `${destination.key}=${destination.weight}`).join(',');
		if (nextWeights !== weights) {
			weights = nextWeights;
			quiet.wake(Date.now());
		}

		wanted = next.map(destination => `${destination.key}=${destination.metric.service}/${destination.metric.version ?? ''}`).join(',');
		if (loop === undefined && !stopped) {
			loop = run();
		}
	};

	return {
		async refresh(next, maxWaitMs) {
			// A refresh that was under way when the console quit: no new read (its forwards would outlive stop()).
			if (stopped) {
				return;
			}

			follow(next);
			const reading = Date.now() - lastStart >= periodMs / 2 ? pollOnce() : inFlight;
			if (reading === undefined || stopped) {
				return;
			}

			let bound: NodeJS.Timeout | undefined;
			await Promise.race([reading, new Promise<void>(resolve => {
				bound = setTimeout(resolve, maxWaitMs);
			})]);
			clearTimeout(bound);
		},
		read(next) {
			follow(next);

			// Reads older than the window (reads stuck behind a hung API server) are not "now": never shown as live.
			const recent = polls.filter(poll => poll.at >= Date.now() - ((window + 1) * periodMs));
			const last = recent.at(-1);
			const sampled = new Set(Object.values(samples).flatMap(sample => sample.sampled));
			const reporting = [...sampled].filter(pod => last?.pods.has(pod) === true).length;
			const byVersion = selectedFor === wanted ? liveFigures(recent, destinations, samples) : {};
			const anyFigures = Object.values(byVersion).some(version => version.metrics !== undefined);
			const status = anyFigures && reporting > 0 ? 'live' : error === undefined ? 'connecting' : 'error';
			const noPods = selectedFor === wanted && serving === 0 ? (reporter === 'waypoint' ? 'no waypoint pods' : 'no serving pods') : undefined;
			const reason = error ?? noPods;
			return {
				status: noPods === undefined ? status : 'error',
				...(reason === undefined ? {} : {reason}),
				byVersion,
				pods: {reporting, sampled: sampled.size, total: serving},
			};
		},
		async stop() {
			stopped = true;
			abort.abort();
			clearTimeout(timer);
			wake?.();
			await loop;
			await inFlight;
			const handles = [...forwards.values()];
			forwards.clear();
			await Promise.all(handles.map(async handle => handle.then(closeLink, () => undefined)));
		},
	};
}
