/** Time and timers, injectable so tests drive the generator without waiting. */
export interface Clock {
	/** Milliseconds since the epoch. */
	now(): number;
	/** Calls back every `ms` until cleared. */
	setInterval(callback: () => void, ms: number): unknown;
	/** Stops a timer returned by setInterval. */
	clearInterval(handle: unknown): void;
}

/** Real time; the timer does not keep the process alive on its own (servers do). */
export const systemClock: Clock = {
	now: () => Date.now(),
	setInterval(callback, ms) {
		const handle = setInterval(callback, ms);
		handle.unref();
		return handle;
	},
	clearInterval(handle) {
		clearInterval(handle as NodeJS.Timeout);
	},
};

const maxCatchUpMs = 5000;

/** Inputs of {@link LoadGenerator}. */
export interface LoadGeneratorOptions {
	/** Target rate of entry requests. */
	requestsPerSecond: number;
	/** Sends one entry request. */
	send: () => void;
	/** Defaults to {@link systemClock}. */
	clock?: Clock;
	/** Timer period; requests due since the last tick are sent together. Default 100 ms. */
	tickMs?: number;
}

/**
 * Sends a steady request rate on a coarse timer instead of one timer per request: each tick sends the requests
 * that fell due since the previous one, carrying the fraction over, so the long-run rate is exact at any period.
 */
export class LoadGenerator {
	/** Target rate; may change while running (takes effect from the next tick). */
	requestsPerSecond: number;
	private readonly send: () => void;
	private readonly clock: Clock;
	private readonly tickMs: number;
	private handle: unknown;
	private last: number | undefined;
	private carry = 0;

	/** Creates a stopped generator. */
	constructor(options: LoadGeneratorOptions) {
		this.requestsPerSecond = options.requestsPerSecond;
		this.send = options.send;
		this.clock = options.clock ?? systemClock;
		this.tickMs = options.tickMs ?? 100;
	}

	/** Starts the timer; the first requests go out one tick later. */
	start(): void {
		if (this.handle !== undefined) {
			return;
		}

		this.last = this.clock.now();
		this.handle = this.clock.setInterval(() => this.tick(), this.tickMs);
	}

	/** Stops the timer; idempotent. */
	stop(): void {
		if (this.handle !== undefined) {
			this.clock.clearInterval(this.handle);
			this.handle = undefined;
		}
	}

	/** Sends the requests due since the previous tick (the timer calls this; tests with a fake clock may too). Returns how many. */
	tick(): number {
		const now = this.clock.now();
		// A stalled event loop (a suspended laptop) must not come back as a burst of thousands of requests.
		const elapsed = Math.min(maxCatchUpMs, Math.max(0, now - (this.last ?? now)));
		this.last = now;
		const due = (this.requestsPerSecond * elapsed) / 1000 + this.carry;
		const count = Math.floor(due);
		this.carry = due - count;
		for (let index = 0; index < count; index++) {
			this.send();
		}

		return count;
	}
}
