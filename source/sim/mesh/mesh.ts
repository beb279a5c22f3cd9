import {followDataplaneModes} from './dataplane.js';
import type {Fault} from './faults.js';
import {followRouting, type MeshStore} from './live-routing.js';
import {LoadGenerator, type Clock} from './load-generator.js';
import type {RequestRecorder} from './request-record.js';
import {seededRandom, type Random} from './rng.js';
import {StatsCollector, type MeshStats} from './stats.js';
import {bookinfoTopology, type Topology} from './topology.js';
import {createTrafficSimulator} from './traffic.js';

/** Inputs of {@link createMesh}. */
export interface MeshOptions {
	/** Where VirtualServices, DestinationRules, HTTPRoutes, Services, Pods and Namespaces live; followed for changes. */
	store: MeshStore;
	/** Receives every hop (the Istio metrics). */
	recorder?: RequestRecorder;
	/** Defaults to Bookinfo. */
	topology?: Topology;
	/** Entry requests per second. Default 20. */
	requestsPerSecond?: number;
	/** Seed of the default random source. Default 1. */
	seed?: number;
	/** Overrides the seeded random source. */
	random?: Random;
	/** Defaults to real time. */
	clock?: Clock;
	/** Load generator timer period. Default 100 ms. */
	tickMs?: number;
	/** Faults set from the start. */
	faults?: readonly Fault[];
}

/** The simulated service mesh: traffic, routing by the live VirtualServices, and runtime faults. */
export interface Mesh {
	/** Starts the load generator. */
	start(): void;
	/** Stops the load generator and stops following the store; idempotent. */
	stop(): void;
	/** Sends the requests that fell due on the clock since the last tick; returns how many. */
	tick(): number;
	/** Sends `count` entry requests right now, whatever the clock says (tests, benchmarks). */
	sendRequests(count: number): void;
	/** Sets (replaces) the fault of `fault.service`/`fault.version`. */
	setFault(fault: Fault): void;
	/** Removes the fault of a service version; returns whether there was one. */
	clearFault(service: string, version: string): boolean;
	/** Faults currently set. */
	faults(): Fault[];
	/** Changes the entry request rate. */
	setRequestsPerSecond(requestsPerSecond: number): void;
	/** Totals since start. */
	stats(): MeshStats;
}

/** Creates a stopped mesh; call start() to generate traffic on the clock. */
export function createMesh(options: MeshOptions): Mesh {
	const faults = new Map<string, Fault>();
	const key = (service: string, version: string) => `${service}/${version}`;
	for (const fault of options.faults ?? []) {
		faults.set(key(fault.service, fault.version), {...fault});
	}

	const routing = followRouting(options.store);
	const dataplanes = followDataplaneModes(options.store);
	const stats = new StatsCollector();
	const recorder = options.recorder;
	const simulator = createTrafficSimulator({
		topology: options.topology ?? bookinfoTopology,
		routing,
		random: options.random ?? seededRandom(options.seed ?? 1),
		recorder(record) {
			stats.record(record);
			recorder?.({...record, dataplane: dataplanes.of(record.service.namespace)});
		},
		faultFor: (service, version) => faults.get(key(service, version)),
	});
	const send = () => {
		stats.countEntryRequest();
		simulator.sendEntryRequest();
	};

	const generator = new LoadGenerator({
		requestsPerSecond: options.requestsPerSecond ?? 20,
		send,
		clock: options.clock,
		tickMs: options.tickMs,
	});
	let stopped = false;

	return {
		start() {
			if (!stopped) {
				generator.start();
			}
		},
		stop() {
			stopped = true;
			generator.stop();
			routing.close();
			dataplanes.close();
		},
		tick: () => generator.tick(),
		sendRequests(count) {
			for (let index = 0; index < count; index++) {
				send();
			}
		},
		setFault(fault) {
			faults.set(key(fault.service, fault.version), {...fault});
		},
		clearFault: (service, version) => faults.delete(key(service, version)),
		faults: () => [...faults.values()].map(fault => ({...fault})),
		setRequestsPerSecond(requestsPerSecond) {
			generator.requestsPerSecond = requestsPerSecond;
		},
		stats: () => stats.snapshot(),
	};
}
