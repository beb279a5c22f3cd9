/**
 * What the console needs from the outside world, as interfaces: the state layer depends on these, the adapters in
 * source/app implement them, and tests pass fakes. Nothing here knows the reducer's actions.
 */
import type {Destination, DestinationRuleInfo, ServiceInfo, VirtualService} from '../domain/virtual-service.js';
import type {MetricsSnapshot} from '../domain/metrics.js';
import type {StepCounts} from '../domain/step-counts.js';
import type {SplitWriter} from './split-writer.js';

/** Health of a live data source (the VirtualService watch, Prometheus), as the header shows it. */
export type FeedStatus = 'connecting' | 'live' | 'reconnecting' | 'stale' | 'error' | 'disabled';

/** What the VirtualService watch delivers: the namespace's objects, a status change, or both. */
export interface FeedUpdate {
	/** Every route object of the namespace by address (VirtualServices by name, HTTPRoutes as `httproute/NAME`), when they changed. */
	items?: ReadonlyMap<string, VirtualService>;
	/** The namespace's DestinationRules, when they changed. */
	destinationRules?: readonly DestinationRuleInfo[];
	/** The namespace's Services (HTTPRoute backends), when they changed. */
	services?: readonly ServiceInfo[];
	/** Health of the watch. */
	status: FeedStatus;
	/** Why it is not live. */
	error?: string;
	/** Since when (epoch ms) a request of the feed has waited for the API server's answer; absent when none waits. */
	pendingSince?: number;
}

/** Where Prometheus is reached and whether it answers. */
export interface PrometheusStatus {
	/** For people: "port-forward istio-system/prometheus-… → 127.0.0.1:41234", or the URL. */
	label: string;
	/** Health of the connection. */
	status: FeedStatus;
	/** Why it is not live. */
	error?: string;
}

/** The API server's answer to "may I write this route object?" (a SelfSubjectAccessReview). */
export interface AccessReview {
	allowed: boolean;
	/** For people, when not allowed: who may not do what, and where. */
	reason?: string;
}

/** The I/O the console needs, injected so the UI runs against the cluster, the sim or fakes alike. */
export interface ConsoleServices {
	/** Starts the live feed of the namespace's VirtualServices and DestinationRules; returns its stop. */
	watch(listener: (update: FeedUpdate) => void): () => void;
	/** The one write path: conflict-safe weight patches, recorded in the trail. */
	writer: SplitWriter;
	/** One refresh of metrics for the given destinations (a constant number of queries). */
	fetchMetrics(destinations: readonly Destination[]): Promise<MetricsSnapshot>;
	/**
	 * The metrics of the last `rangeMs`, a snapshot per step, oldest first (Prometheus' query_range): the chart's
	 * past when the console opens mid-migration. Optional: without it the chart starts empty.
	 */
	fetchMetricsHistory?(destinations: readonly Destination[], rangeMs: number): Promise<MetricsSnapshot[]>;
	/** Counts of the destinations over the last `rangeMs`, for a rollout's gates (a constant number of queries). */
	fetchCounts(destinations: readonly Destination[], rangeMs: number): Promise<StepCounts>;
	/** Prometheus' scrape interval in milliseconds once known: a rollout's gates look once per scrape. */
	scrapeIntervalMs?(): number | undefined;
	/**
	 * Whether the current user may write the route object at `address` (a VirtualService's name or `httproute/NAME`;
	 * undefined: any route object of the namespace). Rejects when the API server could not be asked.
	 */
	reviewWriteAccess?(address: string | undefined): Promise<AccessReview>;
	/** Prometheus connection changes (port-forward reconnects); returns its stop. */
	watchPrometheus?(listener: (status: PrometheusStatus) => void): () => void;
}
