/**
 * Runs a rollout plan against the world: asks the pure state machine what to do, does it (write, measure, wait),
 * and feeds the outcome back. The shift command and the console share it, so a plan behaves the same in both.
 */
import {
	createRollout, nextAction, rolloutReducer,
	type RollbackMode, type RolloutEvent, type RolloutPlan, type RolloutState, type StepCounts,
} from '../domain/rollout.js';
import {errorMessage} from '../util/error-message.js';
import {systemClock, type Clock} from '../util/clock.js';

/** What the driver needs from the outside world. */
export interface RolloutDriverOptions {
	/** The plan to run. */
	plan: RolloutPlan;
	/** Writes a split (aligned with plan.keys) and records it; rejects when nothing was written. */
	apply(weights: number[], position: number): Promise<void>;
	/**
	 * Counts of every version of the route over the last `rangeMs` (increase(...[Δ]), one query per metric):
	 * the step's own traffic since its write, minus the settle time.
	 */
	fetchCounts(rangeMs: number): Promise<StepCounts>;
	/** Default: the system clock. */
	clock?: Clock;
	/** Called after every event with the new and previous state (progress output, the console's store). */
	onUpdate?(state: RolloutState, event: RolloutEvent, previous: RolloutState): void;
}

/** Smallest time between two measurements of the plan's gates. */
const minimumEvaluationGapMs = 1000;

/**
 * Owns one plan's loop and its single timer. Writes and measurements are strictly sequential: a user's pause or
 * rollback during a write takes effect right after it. stop() ends the loop after the write in flight, so the
 * cluster is left at a split that was written and recorded.
 */
export class RolloutDriver {
	private current: RolloutState | undefined;
	private readonly clock: Clock;
	private timer: unknown;
	private busy: Promise<void> | undefined;
	private stopped = false;
	private lastEvaluation = Number.NEGATIVE_INFINITY;
	private resolveDone: ((state: RolloutState) => void) | undefined;
	/** Resolves with the final state when the plan completes or rolls back, or with the last state after stop(). */
	readonly done: Promise<RolloutState>;

	/** Prepares the driver; nothing happens before start(). */
	constructor(private readonly options: RolloutDriverOptions) {
		this.clock = options.clock ?? systemClock;
		this.done = new Promise(resolve => {
			this.resolveDone = resolve;
		});
	}

	/** The plan's current state (available after start()). */
	get state(): RolloutState {
		if (this.current === undefined) {
			throw new Error('the rollout has not started');
		}

		return this.current;
	}

	/** Whether stop() was called or the plan reached a final phase. */
	get finished(): boolean {
		return this.stopped;
	}

	/** Starts the plan now: the first step is written at once. */
	start(): void {
		if (this.current !== undefined) {
			return;
		}

		this.current = createRollout(this.options.plan, this.clock.now());
		this.kick();
	}

	/** Holds the current split; a write in flight still completes. */
	pause(): void {
		this.send({type: 'pause', now: this.clock.now()});
	}

	/** Continues after a pause: the hold restarts, or the failed write is retried. */
	resume(): void {
		this.send({type: 'resume', now: this.clock.now()});
	}

	/** Returns to the start split, at once or down the plan's steps. */
	rollback(mode: RollbackMode): void {
		this.send({type: 'rollback', now: this.clock.now(), mode});
	}

	/** Writes the target's final weight now. */
	promote(): void {
		this.send({type: 'promote', now: this.clock.now()});
	}

	/** Stops the loop and its timer; resolves once a write in flight has finished, so its result is known and recorded. */
	async stop(): Promise<RolloutState | undefined> {
		this.stopped = true;
		this.clearTimer();
		await this.busy;
		if (this.current !== undefined) {
			this.resolveDone?.(this.current);
		}

		return this.current;
	}

	private send(event: RolloutEvent): void {
		if (this.current === undefined || this.stopped) {
			return;
		}

		this.dispatch(event);
		this.kick();
	}

	private dispatch(event: RolloutEvent): void {
		const previous = this.state;
		this.current = rolloutReducer(previous, event);
		this.options.onUpdate?.(this.current, event, previous);
	}

	private clearTimer(): void {
		if (this.timer !== undefined) {
			this.clock.clearTimeout(this.timer);
			this.timer = undefined;
		}
	}

	/** Runs the loop unless it is running already (it then sees the new state on its next turn). */
	private kick(): void {
		if (this.busy !== undefined || this.stopped) {
			return;
		}

		this.clearTimer();
		this.busy = this.loop().finally(() => {
			this.busy = undefined;
		});
	}

	private async loop(): Promise<void> {
		while (!this.stopped) {
			const action = nextAction(this.state, this.clock.now());
			switch (action.kind) {
				case 'apply': {
					try {
						// eslint-disable-next-line no-await-in-loop -- a rollout is sequential: each step is written after the last one is known
						await this.options.apply(action.weights, action.position);
						this.dispatch({type: 'applied', now: this.clock.now(), position: action.position});
					} catch (error) {
						this.dispatch({type: 'failed', now: this.clock.now(), position: action.position, error: errorMessage(error)});
					}

					break;
				}

				case 'evaluate': {
					// Never measure in a tight loop, whatever the state machine says: at most one query set per refresh.
					const earliest = this.lastEvaluation + minimumEvaluationGapMs;
					if (this.clock.now() < earliest) {
						this.timer = this.clock.setTimeout(() => {
							this.timer = undefined;
							this.kick();
						}, earliest - this.clock.now());
						return;
					}

					this.lastEvaluation = this.clock.now();
					if (this.options.plan.gates.length === 0) {
						// Nothing to judge: the hold alone decides, and no Prometheus is needed.
						this.dispatch({type: 'counts', now: this.clock.now()});
						break;
					}

					try {
						// eslint-disable-next-line no-await-in-loop -- gates are measured between steps, never alongside a write
						const counts = await this.options.fetchCounts(action.rangeMs);
						this.dispatch({type: 'counts', now: this.clock.now(), counts});
					} catch (error) {
						this.dispatch({type: 'counts', now: this.clock.now(), error: errorMessage(error)});
					}

					break;
				}

				case 'wait': {
					if (action.until !== null) {
						this.timer = this.clock.setTimeout(() => {
							this.timer = undefined;
							this.kick();
						}, Math.max(0, action.until - this.clock.now()));
					}

					return;
				}

				case 'done': {
					this.stopped = true;
					this.resolveDone?.(this.state);
					return;
				}
			}
		}
	}
}
