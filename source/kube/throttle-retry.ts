/**
 * What meshtop does when the API server answers 429 Too Many Requests: wait the Retry-After it asked for (its own
 * max-requests-inflight filter says 1 s, only in the header; API Priority and Fairness says it in the Status too), and
 * ask again, a bounded number of times. A 429 means the request was not served at all (the filter refuses it before
 * any handler runs), so even a PATCH with a resourceVersion test is safe to send again unchanged.
 */
import {KubeError} from './errors.js';

/** Attempts of one request under 429s, the first included. */
export const throttledAttempts = 5;

/** The wait after a 429 that named none (a proxy that drops the header). */
export const defaultRetryAfterMs = 1000;

/** How long the server asked to be left alone after `error`, or undefined when `error` is not a 429. */
export function throttledWaitMs(error: unknown): number | undefined {
	if (!(error instanceof KubeError) || error.status !== 429) {
		return undefined;
	}

	return error.retryAfterSeconds === undefined ? defaultRetryAfterMs : error.retryAfterSeconds * 1000;
}

/** Options of {@link retryThrottled}. */
export interface ThrottleRetryOptions {
	/** Attempts in all (default {@link throttledAttempts}). */
	attempts?: number;
	/** Waits `ms` (tests pass a recording one); default a timer. */
	sleep?: (ms: number) => Promise<void>;
}

const timerSleep = async (ms: number) => new Promise<void>(resolve => {
	setTimeout(resolve, ms);
});

/**
 * Runs `attempt` (which throws KubeErrors), again after each 429 once its Retry-After has passed; any other failure,
 * or the last 429, is thrown. The last 429 is reworded: "retrying as it asked" would no longer be true.
 */
export async function retryThrottled<T>(attempt: () => Promise<T>, options: ThrottleRetryOptions = {}): Promise<T> {
	const attempts = Math.max(1, options.attempts ?? throttledAttempts);
	const sleep = options.sleep ?? timerSleep;
	let waitedMs = 0;
	for (let tried = 1; ; tried++) {
		try {
			// eslint-disable-next-line no-await-in-loop -- a retry loop: each attempt follows the wait the server asked for
			return await attempt();
		} catch (error) {
			const waitMs = throttledWaitMs(error);
			if (waitMs === undefined) {
				throw error;
			}

			if (tried >= attempts) {
				const kubeError = error as KubeError;
				const what = kubeError.message.replace(/^the API server is overloaded \(429 Too Many Requests\) and refused to /, '').replace(/; retrying after .*$/, '');
				throw new KubeError('other', `the API server is overloaded: it refused to ${what} ${attempts} times with 429 Too Many Requests over ${(waitedMs / 1000).toFixed(0)} s, each time after the wait it asked for; try again later`, {
					status: 429, cause: error, ...(kubeError.verb === undefined ? {} : {verb: kubeError.verb}), ...(kubeError.resource === undefined ? {} : {resource: kubeError.resource}),
					...(kubeError.retryAfterSeconds === undefined ? {} : {retryAfterSeconds: kubeError.retryAfterSeconds}),
				});
			}

			// eslint-disable-next-line no-await-in-loop -- a retry loop: each attempt follows the wait the server asked for
			await sleep(waitMs);
			waitedMs += waitMs;
		}
	}
}
