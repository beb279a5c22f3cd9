import type {DestinationRuleInfo, ServiceInfo, VirtualService} from '../domain/virtual-service.js';
import type {MetricsSnapshot} from '../domain/metrics.js';
import {SeriesHistory} from '../domain/series.js';
import {ChartHistory, type ChartMode} from './chart-history.js';
import type {WeightChange} from '../domain/weight-change.js';
import type {FeedStatus} from '../ports/console-services.js';
import type {RollbackMode, RolloutState} from '../domain/rollout.js';
import type {PlanForm} from './plan-form.js';
import {addressOf, parseRouteAddress} from '../domain/addressing.js';

/** Where meshtop is connected, for the header. */
export interface ConnectionInfo {
	contextName: string;
	namespace: string;
	user: string;
	server: string;
}

/** A change staged by the arrow keys, not yet written. */
export interface StagedChange {
	/** Route key (see routeKey) the weights belong to. */
	route: string;
	/** Weights keyed by destination key, summing to 100. */
	weights: Record<string, number>;
	/** resourceVersion of the VirtualService the change was staged against. */
	resourceVersion: string | undefined;
}

/** A line of feedback at the bottom of the screen. */
export interface Notice {
	level: 'info' | 'warn' | 'error';
	text: string;
}

/** Which layer has the keyboard. */
export type Overlay = 'none' | 'help' | 'picker' | 'confirm' | 'plan';

/** Everything the console shows; changed only by the reducer. */
export interface AppState {
	connection: ConnectionInfo;
	readOnly: boolean;
	/** Why the console is read-only when the API server said so (not --read-only): shown under the header. */
	readOnlyReason: string | undefined;
	/** Address of the route object on screen (a VirtualService's name, or `httproute/NAME`); undefined until picked. */
	vsName: string | undefined;
	/**
	 * A bare name typed on the command line (`meshtop reviews`), until the feed shows which kinds have it: one → that one,
	 * both → the picker on them. Undefined once resolved, or when the user said the kind (`httproute/reviews`).
	 */
	pendingAddress: string | undefined;
	/** Every route object of the namespace, by address (see routeAddress; the live watch). */
	virtualServices: ReadonlyMap<string, VirtualService>;
	destinationRules: readonly DestinationRuleInfo[];
	/** The namespace's Services: HTTPRoute backends and the versions not yet a backend. */
	services: readonly ServiceInfo[];
	kubeStatus: FeedStatus;
	kubeError: string | undefined;
	/** Since when (epoch ms) the feed has waited for the API server (a slow API), for the header; undefined when it is not. */
	kubePendingSince: number | undefined;
	/** Route on screen: its key (see routeKey) or its name (--route); undefined = first editable route. */
	routeKey: string | undefined;
	/** Key of the selected version: a key, not a row index, because a write can reorder the rows. */
	selectedKey: string | undefined;
	step: number;
	staged: StagedChange | undefined;
	applying: boolean;
	/** Weight changes written from this console (not by its rollout), newest last: what `u` reverts. */
	history: readonly WeightChange[];
	notice: Notice | undefined;
	metrics: MetricsSnapshot | undefined;
	metricsStatus: FeedStatus;
	metricsError: string | undefined;
	/** How long the refresh in flight has been waiting, once it is overdue; undefined while answers come in time. */
	metricsWaitingMs: number | undefined;
	/** Where Prometheus is reached, e.g. "port-forward istio-system/prometheus-7b… → 127.0.0.1:41234". */
	prometheusLabel: string;
	/** Request rate history per destination key (a value: a new one per sample). */
	series: SeriesHistory;
	/** Every series the chart's modes draw (same sampling as `series`). */
	chart: ChartHistory;
	/** What the chart shows; `c` cycles. */
	chartMode: ChartMode;
	/** When the series last took a sample: one sample per rate window (see reducer). */
	lastSampleAt: number | undefined;
	overlay: Overlay;
	pickerQuery: string;
	pickerSelected: number;
	/** The plan dialog while it is open (or was last used). */
	planForm: PlanForm | undefined;
	/** The progressive migration started from the console, while it runs and after it ended. */
	rollout: RolloutState | undefined;
	/** What `r` does during the plan. */
	rollbackMode: RollbackMode;
}

/** The map key of what the user typed, and whether a bare name waits for the feed to say which kind it is. */
function startAddress(text: string | undefined): {key: string | undefined; pending: string | undefined} {
	if (text === undefined) {
		return {key: undefined, pending: undefined};
	}

	try {
		const {name, kind} = parseRouteAddress(text);
		// A bare name is a VirtualService's key until the feed shows an HTTPRoute of that name too.
		return kind === undefined ? {key: name, pending: name} : {key: addressOf(kind, name), pending: undefined};
	} catch {
		// Not an address meshtop knows (`foo/bar`): shown as "not found", like any missing name.
		return {key: text, pending: undefined};
	}
}

/** Whether a rollout is driving the weights (manual staging is off meanwhile). */
export function rolloutActive(state: Pick<AppState, 'rollout'>): boolean {
	return state.rollout !== undefined && state.rollout.phase !== 'completed' && state.rollout.phase !== 'rolled-back';
}

/** Samples kept per version: 2 minutes at the default 1 s refresh, wider than any chart. */
export const seriesCapacity = 120;

/** The state before anything has been loaded. */
export function initialState(options: {connection: ConnectionInfo; vsName?: string; readOnly?: boolean; step?: number; prometheusLabel?: string; route?: string}): AppState {
	const address = startAddress(options.vsName);
	return {
		connection: options.connection,
		readOnly: options.readOnly ?? false,
		readOnlyReason: undefined,
		vsName: address.key,
		pendingAddress: address.pending,
		virtualServices: new Map(),
		destinationRules: [],
		services: [],
		kubeStatus: 'connecting',
		kubeError: undefined,
		kubePendingSince: undefined,
		routeKey: options.route,
		selectedKey: undefined,
		step: options.step ?? 10,
		staged: undefined,
		applying: false,
		history: [],
		notice: undefined,
		metrics: undefined,
		metricsStatus: 'connecting',
		metricsError: undefined,
		metricsWaitingMs: undefined,
		prometheusLabel: options.prometheusLabel ?? 'Prometheus',
		series: new SeriesHistory(seriesCapacity),
		chart: new ChartHistory(seriesCapacity),
		chartMode: 'rps',
		lastSampleAt: undefined,
		overlay: options.vsName === undefined ? 'picker' : 'none',
		pickerQuery: '',
		pickerSelected: 0,
		planForm: undefined,
		rollout: undefined,
		rollbackMode: 'immediate',
	};
}
