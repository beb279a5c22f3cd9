/**
 * The run's shared test bed: the default control plane (no extra kube-apiserver flags), started by the first of a
 * run of consecutive rows that share it and stopped by the last (the runner tells each row whether the next one shares
 * it), so those rows pay its start once instead of once each. Rows that change the control plane (flags, restarts,
 * compaction, RBAC) start their own. `npm run chaos` stops it at the end of the run whatever happened.
 */
import {startTestbed, type Testbed} from '../../testbed/testbed.js';
import type {ChaosContext} from '../row.js';

let kept: Promise<Testbed> | undefined;
/** Where the bed's progress lines go: the row it is lent to. */
let log: (line: string) => void = () => undefined;

/** The shared test bed, started now if it is not running. */
async function lend(context: ChaosContext): Promise<Testbed> {
	log = line => {
		context.log(line);
	};

	context.signal.throwIfAborted();
	kept ??= startTestbed({prometheus: process.env['MESHTOP_TESTBED_PROMETHEUS'] === '2' ? '2' : '3', build: false, log: line => {
		log(line);
	}}).catch((error: unknown) => {
		kept = undefined;
		throw error;
	});
	return kept;
}

/** Stops the shared test bed if it runs (idempotent). */
export async function stopSharedTestbed(): Promise<void> {
	const running = kept;
	kept = undefined;
	log = () => undefined;
	await (await running?.catch(() => undefined))?.stop();
}

/** Lends the shared test bed to a row that shares it; afterwards it stays up only when the next row shares it too. */
export async function withSharedTestbed<T>(context: ChaosContext, body: (testbed: Testbed) => Promise<T>): Promise<T> {
	try {
		const testbed = await lend(context);
		context.signal.throwIfAborted();
		return await body(testbed);
	} finally {
		if (context.sharedTestbed?.keep !== true) {
			await stopSharedTestbed();
		}
	}
}

/** The shared test bed for `release`-style callers (the writes rows): the bed, and what to call when the row is done. */
export async function lendSharedTestbed(context: ChaosContext): Promise<{testbed: Testbed; release: () => Promise<void>}> {
	try {
		return {
			testbed: await lend(context),
			async release() {
				if (context.sharedTestbed?.keep !== true) {
					await stopSharedTestbed();
				}
			},
		};
	} catch (error) {
		if (context.sharedTestbed?.keep !== true) {
			await stopSharedTestbed();
		}

		throw error;
	}
}
