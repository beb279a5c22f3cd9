/**
 * A request's time limit, ended with the request. `AbortSignal.timeout()` keeps its timer to the end of the limit
 * whatever happens to the request, then aborts a signal nobody listens to any more (building a DOMException with its
 * stack); `AbortSignal.any()` registers the combined signal with each source, and the console's stop signal lives as
 * long as the console. At four requests a second (Prometheus and the pods' stats) both were steady garbage and CPU.
 */

/** A signal for one request: aborted after `ms` (a `TimeoutError` DOMException, as AbortSignal.timeout's) or with `parent`. */
export interface Deadline {
	/** The request's signal. */
	readonly signal: AbortSignal;
	/** Ends the timer and the link to the parent signal; call it once the request has settled. */
	done(): void;
}

/** Starts a {@link Deadline} of `ms`; `parent` (e.g. the owner's stop signal) aborts it too. */
export function startDeadline(ms: number, parent?: AbortSignal): Deadline {
	const controller = new AbortController();
	const onParentAbort = () => {
		controller.abort(parent?.reason);
	};

	const timer = setTimeout(() => {
		controller.abort(new DOMException(`The operation was aborted due to timeout (${ms} ms)`, 'TimeoutError'));
	}, ms);
	if (parent?.aborted === true) {
		onParentAbort();
	} else {
		parent?.addEventListener('abort', onParentAbort, {once: true});
	}

	return {
		signal: controller.signal,
		done() {
			clearTimeout(timer);
			parent?.removeEventListener('abort', onParentAbort);
		},
	};
}

/** Runs `request` with a {@link startDeadline} signal and ends the deadline when it settles. */
export async function withDeadline<T>(ms: number, parent: AbortSignal | undefined, request: (signal: AbortSignal) => Promise<T>): Promise<T> {
	const deadline = startDeadline(ms, parent);
	try {
		return await request(deadline.signal);
	} finally {
		deadline.done();
	}
}
