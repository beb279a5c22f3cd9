import {routesOf, type Destination, type Route, type VirtualService} from '../domain/virtual-service.js';
import type {WeightChange} from '../domain/weight-change.js';
import {RolloutDriver} from '../rollout/rollout-driver.js';
import type {ConsoleServices} from '../ports/console-services.js';
import type {SplitChange, WriteOutcome, WriteReason} from '../ports/split-writer.js';
import {systemClock, type Clock} from '../util/clock.js';
import {errorMessage} from '../util/error-message.js';
import {planFromForm} from './plan-form.js';
import {planWriteNote} from '../domain/trail-note.js';
import {rolloutActive} from './app-state.js';
import type {Store} from './store.js';
import type {Action, WriteOrigin} from './actions.js';
import {currentRoute, currentRoutes, currentVirtualService, routeKey} from './selectors.js';

/** Options of the controller. */
export interface ControllerOptions {
	/** Metrics refresh period in milliseconds. */
	refreshMs: number;
	/** Time for the refresh loop and the rollout (tests pass a manual clock; default the system clock). */
	clock?: Clock;
	/** How far back to fill the chart from Prometheus when a route's versions first show (0 or absent: no backfill). */
	historyMs?: number;
}

/**
 * Runs the console's side effects: the watch, the metrics refresh loop and the writes (through the write service).
 * Components never call adapters; they dispatch, or call apply()/undo() here. It owns its timer, its feeds and the
 * rollout driver: start() is idempotent, stop() ends them all and resolves once a write in flight has finished.
 */
export class ConsoleController {
	private readonly stops: Array<() => void> = [];
	private readonly clock: Clock;
	private running = false;
	private timer: unknown;
	private fetching = false;
	/** When the fetch in flight started (clock time), to say how long an overdue answer has been awaited. */
	private fetchStartedAt = 0;
	private lastDestinations = '';
	/** The version sets whose chart was already backfilled (one range query per route shown). */
	private readonly backfilled = new Set<string>();
	private driver: RolloutDriver | undefined;
	private reviewedAddress: string | undefined;

	/** Creates a controller over a store and the services; nothing runs until start(). */
	constructor(private readonly store: Store, private readonly services: ConsoleServices, private readonly options: ControllerOptions) {
		this.clock = options.clock ?? systemClock;
	}

	/** Starts the VirtualService feed, Prometheus status and the metrics loop; a second call does nothing. */
	start(): void {
		if (this.running) {
			return;
		}

		this.running = true;
		this.stops.push(this.services.watch(update => {
			this.dispatch({type: 'feedUpdated', ...update});
		}));
		if (this.services.watchPrometheus !== undefined) {
			this.stops.push(this.services.watchPrometheus(status => {
				this.dispatch({type: 'prometheusChanged', ...status});
			}));
		}

		// A new route or version set on screen should not wait a whole period for numbers.
		this.reviewAccess();
		this.stops.push(this.store.subscribe(() => {
			this.reviewAccess();
			const keys = this.destinationsKey();
			if (keys !== this.lastDestinations) {
				this.lastDestinations = keys;
				void this.refreshMetrics();
			}
		}));
		this.schedule();
		void this.refreshMetrics();
	}

	/** Stops every feed, timer and the rollout; resolves after a rollout write in flight has finished and been recorded. */
	async stop(): Promise<void> {
		this.running = false;
		this.clock.clearTimeout(this.timer);
		this.timer = undefined;
		for (const stop of this.stops.splice(0)) {
			stop();
		}

		// The rollout stops after a write in flight, which is recorded: the cluster keeps a split that was written.
		const driver = this.driver;
		this.driver = undefined;
		await driver?.stop();
	}

	/**
	 * Asks once per route object shown whether the user may write it, so a user without `patch` starts read-only with
	 * the reason instead of meeting a 403 on Enter. Not asked with --read-only, nor before a bare name is resolved;
	 * when the question cannot be asked the console stays writable and a refused write says why.
	 */
	private reviewAccess(): void {
		const state = this.store.getState();
		if (this.services.reviewWriteAccess === undefined || state.vsName === undefined || state.pendingAddress !== undefined || state.vsName === this.reviewedAddress
			|| (state.readOnly && state.readOnlyReason === undefined)) {
			return;
		}

		const address = state.vsName;
		this.reviewedAddress = address;
		this.services.reviewWriteAccess(address).then(answer => {
			if (this.running) {
				this.dispatch({type: 'accessReviewed', address, allowed: answer.allowed, ...(answer.reason === undefined ? {} : {reason: answer.reason})});
			}
		}, () => undefined);
	}

	/** Fetches metrics once for the destinations on screen; skipped while a fetch is in flight. */
	async refreshMetrics(): Promise<void> {
		const destinations = currentRoute(this.store.getState())?.destinations;
		if (this.fetching || destinations === undefined || destinations.length === 0) {
			return;
		}

		this.fetching = true;
		this.fetchStartedAt = this.clock.now();
		try {
			await this.backfill(destinations);
			const snapshot = await this.services.fetchMetrics(destinations);
			// An answer arriving after stop() must not change a console that is gone.
			if (!this.running) {
				return;
			}

			this.dispatch({type: 'metricsReceived', snapshot});
		} catch (error) {
			if (this.running) {
				this.dispatch({type: 'metricsFailed', error: errorMessage(error)});
			}
		} finally {
			this.fetching = false;
		}
	}

	/**
	 * Before the first live sample of a version set, the chart's past from Prometheus (once per set). A failure only
	 * leaves the chart starting empty: the live refresh right after reports Prometheus' state.
	 */
	private async backfill(destinations: readonly Destination[]): Promise<void> {
		const key = destinations.map(destination => destination.key).join(',');
		const historyMs = this.options.historyMs ?? 0;
		if (historyMs <= 0 || this.services.fetchMetricsHistory === undefined || this.backfilled.has(key)) {
			return;
		}

		this.backfilled.add(key);
		try {
			const snapshots = await this.services.fetchMetricsHistory(destinations, historyMs);
			if (this.running) {
				this.dispatch({type: 'chartBackfilled', snapshots});
			}
		} catch {
			// Shown by the live refresh that follows.
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

		await this.write('apply', vs, route, {weights: staged.weights}, {source: 'console'}, staged.resourceVersion);
	}

	/** Reverts the last change this console applied, exactly, if nothing changed the VirtualService since (`u`). */
	async undo(): Promise<void> {
		const state = this.store.getState();
		const last = state.history.at(-1);
		const vs = currentVirtualService(state);
		if (state.readOnly || state.applying) {
			return;
		}

		if (last === undefined || vs === undefined) {
			this.notice('info', 'Nothing to undo in this session.');
			return;
		}

		if (vs.metadata.resourceVersion !== last.resourceVersionAfter) {
			this.notice('warn', `Not undoing: ${vs.metadata.name} changed elsewhere since your last change (resourceVersion ${last.resourceVersionAfter || '?'} → ${vs.metadata.resourceVersion ?? '?'}).`);
			return;
		}

		const route = currentRoutes(state).find(candidate => candidate.name === last.route);
		if (route === undefined) {
			this.notice('warn', `Not undoing: route ${last.route} no longer exists.`);
			return;
		}

		const change: SplitChange = last.undo === undefined ? {weights: last.before} : {undo: last.undo, weights: last.before};
		await this.write('undo', vs, route, change, {source: 'undo', note: `reverts console change of ${last.time}`});
	}

	/** Starts the rollout of the plan dialog (its Enter): one owned driver, writing through the same write service. */
	startRollout(): void {
		const state = this.store.getState();
		const route = currentRoute(state);
		const vs = currentVirtualService(state);
		if (state.readOnly || state.planForm === undefined || route === undefined || vs === undefined || rolloutActive(state)) {
			return;
		}

		const parsed = planFromForm(state.planForm, route, this.services.scrapeIntervalMs?.());
		if (!parsed.ok) {
			this.dispatch({type: 'planRejected', error: parsed.error});
			return;
		}

		const {plan} = parsed;
		const key = routeKey(route);
		// The rollout writes against the object it last wrote: an edit made elsewhere meanwhile is a conflict that pauses it.
		let rolloutVs = vs;
		const rolloutRoute = (): Route | undefined => routesOf(rolloutVs, this.store.getState().destinationRules, this.store.getState().services).find(candidate => routeKey(candidate) === key);
		const driver = new RolloutDriver({
			plan,
			clock: this.clock,
			apply: async (weights, position) => {
				const target = rolloutRoute();
				if (target === undefined) {
					throw new Error(`route ${key} is gone from ${rolloutVs.metadata.name}`);
				}

				const note = planWriteNote('plan', driver.state, position);
				const after = Object.fromEntries(plan.keys.map((name, index) => [name, weights[index] ?? 0]));
				const outcome = await this.write('rollout', rolloutVs, target, {weights: after}, {source: 'console', note});
				if (outcome.kind !== 'written') {
					throw new Error(outcome.kind === 'conflict' ? `${rolloutVs.metadata.name} was changed elsewhere; the plan wrote nothing (${outcome.message})` : outcome.message);
				}

				rolloutVs = outcome.vs;
			},
			fetchCounts: async rangeMs => this.services.fetchCounts(rolloutRoute()?.destinations ?? route.destinations, rangeMs),
			onUpdate: rollout => {
				this.dispatch({type: 'rolloutUpdated', rollout});
			},
		});
		this.driver = driver;
		this.dispatch({type: 'rolloutStarted', rollback: parsed.rollback});
		driver.start();
	}

	/** Space: pause a running rollout, resume a paused one. */
	pauseOrResumeRollout(): void {
		const phase = this.store.getState().rollout?.phase;
		if (phase === 'paused') {
			this.driver?.resume();
		} else if (phase === 'running' || phase === 'rolling-back') {
			this.driver?.pause();
		}
	}

	/** r: back to the plan's start split, the way the dialog chose. */
	rollBackRollout(): void {
		this.driver?.rollback(this.store.getState().rollbackMode);
	}

	/** P: the target's final weight now. */
	promoteRollout(): void {
		this.driver?.promote();
	}

	/** Every write of the console: the write service does the patch, the conflict re-read and the trail; this says how it went. */
	private async write(origin: WriteOrigin, vs: VirtualService, route: Route, change: SplitChange, reason: WriteReason, expectedResourceVersion?: string): Promise<WriteOutcome> {
		this.dispatch({type: 'writeStarted', origin});
		// The write is on screen as soon as the API server acknowledged it; the trail's warnings follow.
		const onWritten = (written: {vs: VirtualService; change: WeightChange}) => {
			this.dispatch({type: 'writeSucceeded', origin, ...written});
		};

		const outcome = await this.services.writer.write({vs, route, change, reason, expectedResourceVersion, onWritten});
		switch (outcome.kind) {
			case 'written': {
				if (outcome.warnings.length > 0) {
					this.notice('warn', outcome.warnings.join('; '));
				}

				break;
			}

			case 'conflict': {
				this.dispatch({
					type: 'writeConflicted',
					origin,
					current: outcome.current,
					message: `Conflict: ${vs.metadata.name} was changed by someone else since you staged (resourceVersion ${expectedResourceVersion ?? vs.metadata.resourceVersion ?? '?'}). Nothing was written; the screen shows the current weights, stage again.`,
				});
				break;
			}

			case 'invalid': {
				this.dispatch({type: 'writeFailed', origin, message: outcome.message});
				break;
			}

			case 'failed': {
				this.dispatch({type: 'writeFailed', origin, message: `Write failed, nothing changed: ${outcome.message}`});
				break;
			}
		}

		return outcome;
	}

	private notice(level: 'info' | 'warn', text: string): void {
		this.dispatch({type: 'noticeShown', notice: {level, text}});
	}

	private dispatch(action: Action): void {
		this.store.dispatch(action);
	}

	private schedule(): void {
		this.timer = this.clock.setTimeout(() => {
			if (this.running) {
				// A refresh due while the last one is still unanswered (for a whole period or more) is overdue.
				const waitingMs = this.clock.now() - this.fetchStartedAt;
				if (this.fetching && waitingMs >= this.options.refreshMs) {
					this.dispatch({type: 'metricsOverdue', waitingMs});
				}

				void this.refreshMetrics();
				this.schedule();
			}
		}, this.options.refreshMs);
	}

	private destinationsKey(): string {
		const state = this.store.getState();
		const route = currentRoute(state);
		return `${state.vsName ?? ''}|${route === undefined ? '' : routeKey(route)}|${route?.destinations.map(destination => destination.key).join(',') ?? ''}`;
	}
}
