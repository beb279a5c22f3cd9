/** Small waiting helpers of the test bed. */
import type {SupervisedProcess} from '../../source/sim/supervised-process.js';

/**
 * Polls `check` until it returns true; a thrown error counts as "not yet". Fails early when `process` exits,
 * and on timeout with the last error seen.
 */
export async function waitUntil(check: () => Promise<boolean>, options: {what: string; timeoutMs?: number; intervalMs?: number; process?: SupervisedProcess}): Promise<void> {
	const deadline = Date.now() + (options.timeoutMs ?? 30_000);
	let last = '';
	for (;;) {
		if (options.process?.hasExited() === true) {
			throw new Error(`${options.process.name} exited while waiting for ${options.what}`);
		}

		try {
			if (await check()) {
				return;
			}
		} catch (error) {
			last = error instanceof Error ? error.message.split('\n')[0] ?? '' : String(error);
		}

		if (Date.now() > deadline) {
			throw new Error(`timed out waiting for ${options.what}${last === '' ? '' : ` (last: ${last})`}`);
		}

		await new Promise(resolve => {
			setTimeout(resolve, options.intervalMs ?? 200);
		});
	}
}
