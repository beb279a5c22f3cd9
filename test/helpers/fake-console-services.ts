import {applyJsonPatch, type Destination, type DestinationRuleInfo, type JsonPatchOperation, type ServiceInfo, type VirtualService} from '../../source/domain/virtual-service.js';
import {addressOf, routeAddress} from '../../source/domain/addressing.js';
import type {MetricsSnapshot, VersionMetrics} from '../../source/domain/metrics.js';
import type {AccessReview, ConsoleServices, FeedUpdate} from '../../source/ports/console-services.js';
import type {WeightChange} from '../../source/domain/weight-change.js';
import {createSplitWriter} from '../../source/write/split-writer.js';
import type {StepCounts, VersionCounts} from '../../source/domain/step-counts.js';
import {readIstioYaml} from '../../source/sim/istio-data.js';
import {bookinfoRules} from './bookinfo.js';

type Feed = (update: FeedUpdate) => void;

/** Bookinfo's VirtualServices and DestinationRules from the shipped Istio files, in namespace bookinfo. */
export function bookinfoObjects(vsFile = 'bookinfo/virtual-service-all-v1.yaml'): {virtualServices: VirtualService[]; destinationRules: DestinationRuleInfo[]} {
	const virtualServices = readIstioYaml(vsFile).map((object, index) => {
		const vs = object as unknown as VirtualService;
		return {...vs, metadata: {...vs.metadata, namespace: 'bookinfo', resourceVersion: String(100 + index), uid: `uid-${index}`}};
	});
	return {virtualServices, destinationRules: bookinfoRules};
}

/**
 * In-memory stand-in for the cluster and Prometheus: a JSON Patch really is applied (with its resourceVersion test),
 * so component tests check the exact write, and `external()` simulates someone else's edit. Writes go through the
 * real write service over this store, as in the console.
 */
export class FakeConsoleServices implements ConsoleServices {
	readonly patches: Array<{name: string; operations: JsonPatchOperation[]}> = [];
	readonly recorded: WeightChange[] = [];
	readonly writer = createSplitWriter({
		store: {
			patchRoute: async (kind, _namespace, name, operations) => this.patch(addressOf(kind, name), operations),
			getRoute: async (kind, _namespace, name) => this.get(addressOf(kind, name)),
		},
		trail: {
			record: async record => {
				this.recorded.push(record);
				return {record, warnings: []};
			},
		},
		writer: {user: 'tester', context: 'test-ctx', namespace: 'bookinfo'},
	});
	readonly objects = new Map<string, VirtualService>();
	metricsCalls = 0;
	/** Time of the metrics snapshots (tests that pin whole frames fix it). */
	now: () => number = Date.now;
	/** The window of every counts query a plan made. */
	readonly countsCalls: number[] = [];
	metrics: Record<string, VersionMetrics> = {};
	failMetrics: string | undefined;
	/** What the access review answers (default: allowed); a string rejects with it (the API could not be asked). */
	access: AccessReview | string = {allowed: true};
	/** The addresses the console asked about, in order. */
	readonly accessQuestions: Array<string | undefined> = [];
	private feed: Feed | undefined;
	private version = 1000;

	/** Route objects of either kind (keyed by address, as the real feed does), the DestinationRules and the Services. */
	constructor(virtualServices: readonly VirtualService[], private readonly destinationRules: readonly DestinationRuleInfo[], private readonly services: readonly ServiceInfo[] = []) {
		for (const vs of virtualServices) {
			this.objects.set(routeAddress(vs), vs);
		}
	}

	watch(listener: Feed): () => void {
		this.feed = listener;
		this.emit();
		return () => {
			this.feed = undefined;
		};
	}

	async patch(name: string, operations: JsonPatchOperation[]): Promise<VirtualService> {
		this.patches.push({name, operations});
		const current = this.objects.get(name);
		if (current === undefined) {
			throw Object.assign(new Error(`virtualservices "${name}" not found`), {kind: 'not-found'});
		}

		let patched: VirtualService;
		try {
			patched = applyJsonPatch(current, operations);
		} catch (error) {
			throw Object.assign(new Error(`conflict: ${(error as Error).message}`), {kind: 'conflict'});
		}

		return this.store(patched);
	}

	async reviewWriteAccess(address: string | undefined): Promise<AccessReview> {
		this.accessQuestions.push(address);
		if (typeof this.access === 'string') {
			throw new Error(this.access);
		}

		return this.access;
	}

	async get(name: string): Promise<VirtualService> {
		const vs = this.objects.get(name);
		if (vs === undefined) {
			throw new Error('not found');
		}

		return vs;
	}

	async fetchMetrics(destinations: readonly Destination[]): Promise<MetricsSnapshot> {
		this.metricsCalls++;
		if (this.failMetrics !== undefined) {
			throw new Error(this.failMetrics);
		}

		const byVersion: Record<string, VersionMetrics> = {};
		for (const destination of destinations) {
			byVersion[destination.key] = this.metrics[destination.key] ?? {rps: 0, successRate: null, p50Ms: null, p99Ms: null};
		}

		return {at: this.now(), window: '4s', byVersion};
	}

	/** Counts as steady traffic at `metrics`' rates would give over `rangeMs`; the same failure switch as fetchMetrics. */
	async fetchCounts(destinations: readonly Destination[], rangeMs: number): Promise<StepCounts> {
		this.countsCalls.push(rangeMs);
		if (this.failMetrics !== undefined) {
			throw new Error(this.failMetrics);
		}

		const byVersion: Record<string, VersionCounts> = {};
		for (const destination of destinations) {
			const metrics = this.metrics[destination.key];
			const requests = (metrics?.rps ?? 0) * (rangeMs / 1000);
			byVersion[destination.key] = {
				requests,
				successes: requests * (metrics?.successRate ?? 0),
				p50Ms: requests > 0 ? metrics?.p50Ms ?? null : null,
				p99Ms: requests > 0 ? metrics?.p99Ms ?? null : null,
			};
		}

		return {at: this.now(), rangeMs, byVersion};
	}

	/** Someone else (kubectl) edits a VirtualService: the watch delivers it. */
	external(name: string, edit: (vs: VirtualService) => VirtualService): VirtualService {
		return this.store(edit(structuredClone(this.objects.get(name)!)));
	}

	/** Someone else deletes a VirtualService. */
	remove(name: string): void {
		this.objects.delete(name);
		this.emit();
	}

	private store(vs: VirtualService): VirtualService {
		const stored = {...vs, metadata: {...vs.metadata, resourceVersion: String(++this.version)}};
		this.objects.set(routeAddress(vs), stored);
		this.emit();
		return stored;
	}

	private emit(): void {
		this.feed?.({items: new Map(this.objects), destinationRules: this.destinationRules, services: this.services, status: 'live'});
	}
}
