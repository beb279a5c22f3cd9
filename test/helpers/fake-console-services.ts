import {applyJsonPatch, type Destination, type DestinationRuleInfo, type JsonPatchOperation, type VirtualService} from '../../source/domain/virtual-service.js';
import type {MetricsSnapshot, VersionMetrics} from '../../source/domain/metrics.js';
import type {StepCounts, VersionCounts} from '../../source/domain/step-counts.js';
import type {ConsoleChange, ConsoleServices} from '../../source/state/controller.js';
import type {Action} from '../../source/state/actions.js';
import {readIstioYaml} from '../../source/sim/istio-data.js';
import {bookinfoRules} from './bookinfo.js';

type Feed = (update: Extract<Action, {type: 'feed'}>) => void;

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
 * so component tests check the exact write, and `external()` simulates someone else's edit.
 */
export class FakeConsoleServices implements ConsoleServices {
	readonly patches: Array<{name: string; operations: JsonPatchOperation[]}> = [];
	readonly recorded: ConsoleChange[] = [];
	readonly objects = new Map<string, VirtualService>();
	metricsCalls = 0;
	/** The window of every counts query a plan made. */
	readonly countsCalls: number[] = [];
	metrics: Record<string, VersionMetrics> = {};
	failMetrics: string | undefined;
	private feed: Feed | undefined;
	private version = 1000;

	constructor(virtualServices: readonly VirtualService[], private readonly destinationRules: readonly DestinationRuleInfo[]) {
		for (const vs of virtualServices) {
			this.objects.set(vs.metadata.name, vs);
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

		return {at: Date.now(), window: '4s', byVersion};
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

		return {at: Date.now(), rangeMs, byVersion};
	}

	async recordChange(change: ConsoleChange): Promise<string | undefined> {
		this.recorded.push(change);
		return undefined;
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
		this.objects.set(vs.metadata.name, stored);
		this.emit();
		return stored;
	}

	private emit(): void {
		this.feed?.({type: 'feed', items: new Map(this.objects), destinationRules: this.destinationRules, status: 'live'});
	}
}
