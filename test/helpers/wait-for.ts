/** Options of {@link waitFor}. */
export interface WaitForOptions {
	/** Give up after this many milliseconds (default 5000): a test must fail rather than hang. */
	timeout?: number;
	/** Pause between probes in milliseconds (default 20). */
	interval?: number;
	/** Describes the awaited condition in the timeout error, so a failure says what never happened. */
	message?: string;
}

/**
 * Polls `probe` until it returns a value other than `undefined` or `false`, and resolves with it.
 * Rejects after `timeout`; a probe that throws is retried, and its last error is kept as the cause
 * (conditions are often "the server answers" and fail until they hold).
 */
export async function waitFor<T>(
	probe: () => T | undefined | false | Promise<T | undefined | false>,
	options: WaitForOptions = {},
): Promise<T> {
	const timeout = options.timeout ?? 5000;
	const interval = options.interval ?? 20;
	const deadline = Date.now() + timeout;
	let lastError: unknown;
	for (;;) {
		try {
			const value = await probe();
			if (value !== undefined && value !== false) {
				return value;
			}
		} catch (error) {
			lastError = error;
		}

		if (Date.now() >= deadline) {
			const what = options.message ?? 'condition';
			throw new Error(`waitFor: ${what} not met within ${timeout} ms`, lastError === undefined ? undefined : {cause: lastError});
		}

		await new Promise(resolve => {
			setTimeout(resolve, Math.min(interval, Math.max(0, deadline - Date.now())));
		});
	}
}
