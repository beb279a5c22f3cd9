import type {Destination, JsonPatchOperation, VirtualService} from '../domain/virtual-service.js';
import {routesOf, routeWeights, weightPatch} from '../domain/virtual-service.js';
import {RolloutDriver, type DriverClock} from './rollout-driver.js';
import {planFromForm} from './plan-form.js';
import {planWriteNote} from '../domain/trail-note.js';
import type {MetricsSnapshot} from '../domain/metrics.js';
import type {StepCounts} from '../domain/step-counts.js';
import {planActive, type AppliedChange, type FeedStatus} from './app-state.js';
import type {Store} from './store.js';
import type {Action} from './actions.js';
import {currentRoute, currentVirtualService, routeKey} from './selectors.js';
import {errorMessage} from '../domain/error-message.js';

/** A write meshtop made, for the change trail. */
export interface ConsoleChange {
	vs: string;
	/** uid of the VirtualService, so the trail's Event names this very object. */
	uid: string | undefined;
	route: string;
	before: Record<string, number>;
	after: Record<string, number>;
	resourceVersionBefore: string | undefined;
	resourceVersionAfter: string | undefined;
	source: 'console' | 'undo';
	/** E.g. "plan step 2/4", for the record and the Event. */
	note?: string;
}

/** The I/O the console needs, injected so the UI runs against the cluster, the sim or fakes alike. */
export interface ConsoleServices {
	/** Starts the live feed of the namespace's VirtualServices and DestinationRules; returns its stop. */
	watch(listener: (update: Extract<Action, {type: 'feed'}>) => void): () => void;
	/** Applies a JSON Patch to a VirtualService; a failed resourceVersion test rejects with an error whose `kind` is 'conflict'. */
	patch(name: string, operations: JsonPatchOperation[]): Promise<VirtualService>;
	/** One refresh of metrics for the given destinations (a constant number of queries). */
	fetchMetrics(destinations: readonly Destination[]): Promise<MetricsSnapshot>;
	/** Counts of the destinations over the last `rangeMs`, for a plan's gates (a constant number of queries). */
	fetchCounts(destinations: readonly Destination[], rangeMs: number): Promise<StepCounts>;
	/** Prometheus' scrape interval in milliseconds once known: a plan's gates look once per scrape. */
	scrapeIntervalMs?(): number | undefined;
	/** Prometheus connection changes (port-forward reconnects); returns its stop. */
	watchPrometheus?(listener: (status: {label: string; status: FeedStatus; error?: string}) => void): () => void;
	/** Re-reads one VirtualService (after a conflict, so the screen shows what won). */
	get?(name: string): Promise<VirtualService>;
	/** Records a write in the trail; resolves to a warning to show, if any. */
	recordChange?(change: ConsoleChange): Promise<string | undefined>;
}

/** Options of the controller. */
export interface ControllerOptions {
	/** Metrics refresh period in milliseconds. */
	refreshMs: number;
	/** Clock of the plan's driver (tests drive time; default the system clock). */
	planClock?: DriverClock;
}

function isConflict(error: unknown): boolean {
	return typeof error === 'object' && error !== null && (error as {kind?: unknown}).kind === 'conflict';
}

/**
 * Runs the console's side effects: the watch, the metrics refresh loop and the writes.
 * Components never call adapters; they dispatch, or call apply()/undo() here. Owns its timer and feeds: stop() ends them.
 */
export class ConsoleController {
	private readonly stops: Array<() => void> = [];
	private timer: NodeJS.Timeout | undefined;
	private fetching = false;
	private lastDestinations = '';
	private driver: RolloutDriver | undefined;

	/** Creates a controller over a store and the services; nothing runs until start(). */
	constructor(private readonly store: Store, private readonly services: ConsoleServices, private readonly options: ControllerOptions) {}

	/** Starts the VirtualService feed, Prometheus status and the metrics loop. */
	start(): void {
		const dispatch = (action: Action) => {
			this.store.dispatch(action);
		};

		this.stops.push(this.services.watch(dispatch));
		if (this.services.watchPrometheus !== undefined) {
			this.stops.push(this.services.watchPrometheus(status => {
				dispatch({type: 'prometheus', ...status});
			}));
		}

		// A new route or version set on screen should not wait a whole period for numbers.
		this.stops.push(this.store.subscribe(() => {
			const keys = this.destinationsKey();
			if (keys !== this.lastDestinations) {
				this.lastDestinations = keys;
				void this.refreshMetrics();
			}
		}));
		this.timer = setInterval(() => void this.refreshMetrics(), this.options.refreshMs);
		void this.refreshMetrics();
	}

	/** Stops every feed and timer this controller started. */
	stop(): void {
		// The plan stops after a write in flight, which is recorded: the cluster keeps a split that was written.
		void this.driver?.stop();
		this.driver = undefined;
		clearInterval(this.timer);
		this.timer = undefined;
		for (const stop of this.stops.splice(0)) {
			stop();
		}
	}

	/** Fetches metrics once for the destinations on screen; skipped while a fetch is in flight. */
	async refreshMetrics(): Promise<void> {
		const destinations = currentRoute(this.store.getState())?.destinations;
		if (this.fetching || destinations === undefined || destinations.length === 0) {
			return;
		}

		this.fetching = true;
		try {
			const snapshot = await this.services.fetchMetrics(destinations);
			if (this.timer !== undefined) {
				this.store.dispatch({type: 'metrics', snapshot});
			}
		} catch (error) {
			if (this.timer !== undefined) {
				this.store.dispatch({type: 'metricsFailed', error: errorMessage(error)});
			}
		} finally {
			this.fetching = false;
		}
	}

	/** Writes the staged change (the confirm overlay's Enter). */
	async apply(): Promise<void> {
		const state = this.store.getState();
		const vs = currentVirtualService(state);
		const route = currentRoute(state);
		const staged = state.staged;
		if (state.readOnly || state.applying || vs === undefined || route === undefined || staged === undefined || staged.route !== routeKey(route)) {
			return;
		}

		if (vs.metadata.resourceVersion !== staged.resourceVersion) {
			this.conflict(vs.metadata.name, staged.resourceVersion);
			return;
		}

		await this.write(vs, route.name, routeKey(route), routeWeights(route), staged.weights, 'console');
	}

	/** Reverts the last change this console applied, if nothing changed the VirtualService since (`u`). */
	async undo(): Promise<void> {
		const state = this.store.getState();
		const last = state.history.at(-1);
		const vs = currentVirtualService(state);
		if (state.readOnly || state.applying) {
			return;
		}

		if (last === undefined || vs === undefined) {
			this.store.dispatch({type: 'notice', notice: {level: 'info', text: 'Nothing to undo in this session.'}});
			return;
		}

		if (vs.metadata.resourceVersion !== last.resourceVersion) {
			this.store.dispatch({type: 'notice', notice: {level: 'warn', text: `Not undoing: ${vs.metadata.name} changed elsewhere since your last change (resourceVersion ${last.resourceVersion ?? '?'} → ${vs.metadata.resourceVersion ?? '?'}).`}});
			return;
		}

		const route = currentRoute({...state, routeKey: last.route});
		if (route === undefined || routeKey(route) !== last.route) {
			this.store.dispatch({type: 'notice', notice: {level: 'warn', text: `Not undoing: route ${last.route} no longer exists.`}});
			return;
		}

		await this.write(vs, route.name, last.route, routeWeights(route), last.before, 'undo');
	}

	/** Starts the plan of the dialog (its Enter): one owned driver, writing through the same conflict-safe patch. */
	startPlan(): void {
		const state = this.store.getState();
		const route = currentRoute(state);
		const vs = currentVirtualService(state);
		if (state.readOnly || state.planForm === undefined || route === undefined || vs === undefined || planActive(state)) {
			return;
		}

		const parsed = planFromForm(state.planForm, route, this.services.scrapeIntervalMs?.());
		if (!parsed.ok) {
			this.store.dispatch({type: 'planInvalid', error: parsed.error});
			return;
		}

		const {plan} = parsed;
		const key = routeKey(route);
		// The plan writes against the object it last wrote: an edit made elsewhere meanwhile is a conflict that pauses it.
		let planVs = vs;
		const driver = new RolloutDriver({
			plan,
			...(this.options.planClock === undefined ? {} : {clock: this.options.planClock}),
			apply: async (weights, position) => {
				const planRoute = routesOf(planVs, this.store.getState().destinationRules).find(candidate => routeKey(candidate) === key);
				if (planRoute === undefined) {
					throw new Error(`route ${key} is gone from ${planVs.metadata.name}`);
				}

				const after = Object.fromEntries(plan.keys.map((name, index) => [name, weights[index] ?? 0]));
				const before = routeWeights(planRoute);
				let updated: VirtualService;
				this.store.dispatch({type: 'writing'});
				try {
					updated = await this.services.patch(planVs.metadata.name, weightPatch(planVs, planRoute, after));
				} catch (error) {
					this.store.dispatch({type: 'written', vs: undefined});
					throw new Error(isConflict(error) ? `${planVs.metadata.name} was changed elsewhere; the plan wrote nothing (${errorMessage(error)})` : errorMessage(error));
				}

				const note = planWriteNote('plan', driver.state, position);
				const resourceVersionBefore = planVs.metadata.resourceVersion;
				planVs = updated;
				this.store.dispatch({type: 'written', vs: updated});
				const warning = await this.services.recordChange?.({
					vs: updated.metadata.name,
					uid: typeof updated.metadata['uid'] === 'string' ? updated.metadata['uid'] : undefined,
					route: planRoute.name,
					before,
					after,
					resourceVersionBefore,
					resourceVersionAfter: updated.metadata.resourceVersion,
					source: 'console',
					note,
				}).catch((error: unknown) => `not recorded in the trail: ${errorMessage(error)}`);
				if (warning !== undefined) {
					this.store.dispatch({type: 'notice', notice: {level: 'warn', text: warning}});
				}
			},
			fetchCounts: async rangeMs => {
				const destinations = routesOf(planVs, this.store.getState().destinationRules).find(candidate => routeKey(candidate) === key)?.destinations ?? route.destinations;
				return this.services.fetchCounts(destinations, rangeMs);
			},
			onUpdate: rollout => {
				this.store.dispatch({type: 'rollout', rollout});
			},
		});
		this.driver = driver;
		this.store.dispatch({type: 'planStarted', rollback: parsed.rollback});
		driver.start();
	}

	/** Space: pause a running plan, resume a paused one. */
	togglePlan(): void {
		const phase = this.store.getState().rollout?.phase;
		if (phase === 'paused') {
			this.driver?.resume();
		} else if (phase === 'running' || phase === 'rolling-back') {
			this.driver?.pause();
		}
	}

	/** r: back to the plan's start split, the way the dialog chose. */
	rollbackPlan(): void {
		this.driver?.rollback(this.store.getState().rollbackMode);
	}

	/** P: the target's final weight now. */
	promotePlan(): void {
		this.driver?.promote();
	}

	private async write(vs: VirtualService, routeName: string, key: string, before: Record<string, number>, after: Record<string, number>, source: ConsoleChange['source']): Promise<void> {
		const route = currentRoute({...this.store.getState(), routeKey: key});
		if (route === undefined) {
			return;
		}

		let operations: JsonPatchOperation[];
		try {
			operations = weightPatch(vs, route, after);
		} catch (error) {
			this.store.dispatch({type: 'applyFailed', error: errorMessage(error), conflict: false});
			return;
		}

		this.store.dispatch({type: 'applyStarted'});
		let updated: VirtualService;
		try {
			updated = await this.services.patch(vs.metadata.name, operations);
		} catch (error) {
			if (isConflict(error)) {
				await this.reread(vs.metadata.name);
				this.conflict(vs.metadata.name, vs.metadata.resourceVersion);
			} else {
				this.store.dispatch({type: 'applyFailed', error: `Write failed, nothing changed: ${errorMessage(error)}`, conflict: false});
			}

			return;
		}

		const change: AppliedChange = {route: key, before, after, resourceVersion: updated.metadata.resourceVersion};
		this.store.dispatch({type: 'applySucceeded', vs: updated, change, undo: source === 'undo'});
		const warning = await this.services.recordChange?.({
			vs: vs.metadata.name,
			uid: typeof vs.metadata['uid'] === 'string' ? vs.metadata['uid'] : undefined,
			route: routeName,
			before,
			after,
			resourceVersionBefore: vs.metadata.resourceVersion,
			resourceVersionAfter: updated.metadata.resourceVersion,
			source,
		}).catch((error: unknown) => `Change applied, but not recorded in the trail: ${errorMessage(error)}`);
		if (warning !== undefined) {
			this.store.dispatch({type: 'notice', notice: {level: 'warn', text: warning}});
		}
	}

	private async reread(name: string): Promise<void> {
		try {
			const fresh = await this.services.get?.(name);
			if (fresh !== undefined) {
				const state = this.store.getState();
				this.store.dispatch({type: 'feed', items: new Map(state.virtualServices).set(name, fresh), status: state.kubeStatus});
			}
		} catch {
			// The watch delivers the new object shortly anyway.
		}
	}

	private conflict(name: string, stagedVersion: string | undefined): void {
		this.store.dispatch({
			type: 'applyFailed',
			conflict: true,
			error: `Conflict: ${name} was changed by someone else since you staged (resourceVersion ${stagedVersion ?? '?'}). Nothing was written; the screen shows the current weights, stage again.`,
		});
	}

	private destinationsKey(): string {
		const state = this.store.getState();
		const route = currentRoute(state);
		return `${state.vsName ?? ''}|${route === undefined ? '' : routeKey(route)}|${route?.destinations.map(destination => destination.key).join(',') ?? ''}`;
	}
}
