/**
 * The write service as the console and the commands see it: what a write needs and how it can end. The implementation
 * (source/write/) is injected, so the console's state never depends on the Kubernetes adapter.
 */
import type {JsonPatchOperation, Route, VirtualService} from '../domain/virtual-service.js';
import type {ChangeSource, WeightChange} from '../domain/weight-change.js';

/** Why a split is written: the write path, and a detail for the record and the Event ("plan step 2/4", "reverts…"). */
export interface WriteReason {
	/** console (arrows, and the console's rollout steps), set, shift (steps and rollback), undo. */
	source: ChangeSource;
	/** Free text, e.g. "shift rollback to the start split". */
	note?: string;
}

/** What to write: new weights, or the exact inverse of an earlier write (undo). */
export type SplitChange =
	| {
		/** New weights by version key (missing keys mean 0; integers summing to 100). */
		weights: Readonly<Record<string, number>>;
	}
	| {
		/** The inverse operations an earlier write returned (without its resourceVersion test). */
		undo: readonly JsonPatchOperation[];
		/** The weights the undo restores, for the record. */
		weights: Readonly<Record<string, number>>;
	};

/** One write. */
export interface WriteRequest {
	/** The VirtualService as last read: which object, and the resourceVersion the patch tests. */
	vs: VirtualService;
	/** The route to change, parsed from `vs`. */
	route: Route;
	/** resourceVersion the change was decided against (a staged change): when `vs` has moved on, it is a conflict and nothing is sent. */
	expectedResourceVersion?: string | undefined;
	/** New weights, or an undo. */
	change: SplitChange;
	/** Which write path, and why. */
	reason: WriteReason;
	/**
	 * Called as soon as the API server acknowledged the patch, before the trail is recorded: a console shows the write
	 * at once instead of after the Event round trip. The outcome follows when the trail is written.
	 */
	onWritten?: (written: {vs: VirtualService; change: WeightChange}) => void;
}

/** How a write ended. Only `written` changed the cluster. */
export type WriteOutcome =
	| {
		kind: 'written';
		/** The object the patch returned (new resourceVersion). */
		vs: VirtualService;
		/** The change as recorded in the trail; its `undo` puts the route back exactly as it was. */
		change: WeightChange;
		/** Trail problems: the write itself succeeded. */
		warnings: string[];
	}
	| {
		/** Someone else changed the object since it was read: nothing written. */
		kind: 'conflict';
		message: string;
		/** The object as re-read after the conflict, when the re-read worked. */
		current: VirtualService | undefined;
	}
	| {
		/** The change does not fit the route (bad weights, unknown version, read-only route) or the server refused it as invalid. */
		kind: 'invalid';
		message: string;
	}
	| {
		/** Anything else (forbidden, unreachable): nothing written. */
		kind: 'failed';
		message: string;
		error: unknown;
	};

/** The write service. */
export interface SplitWriter {
	/** Writes one change; never rejects (every way it ends is an outcome). */
	write(request: WriteRequest): Promise<WriteOutcome>;
}
