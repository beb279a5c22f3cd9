/** Time as a dependency: every timer of the console, the controller and the rollout driver goes through one Clock. */

/** Time source and one-shot timers; tests pass a manual clock and move time themselves instead of sleeping. */
export interface Clock {
	/** Epoch milliseconds. */
	now: () => number;
	/** Schedules `callback` after `ms`; returns a handle for clearTimeout. */
	setTimeout: (callback: () => void, ms: number) => unknown;
	/** Cancels a scheduled callback (a handle already fired or cleared is ignored). */
	clearTimeout: (handle: unknown) => void;
}

/** The real clock. */
export const systemClock: Clock = {
	now: () => Date.now(),
	setTimeout: (callback, ms) => setTimeout(callback, ms),
	clearTimeout(handle) {
		clearTimeout(handle as NodeJS.Timeout);
	},
};
