/** A weight change meshtop wrote, as one value shared by the write service, the console, the trail and undo. */
import type {JsonPatchOperation, RouteObjectKind} from './virtual-service.js';

/** What became of a write whose writer was interrupted between its PATCH and its trail line (see write-intent.ts). */
export type InterruptedOutcome = 'applied' | 'not-applied' | 'unknown';

/** Which write path made a change. */
export type ChangeSource = 'console' | 'set' | 'shift' | 'undo';

/**
 * One weight change meshtop wrote: what the write service returns, the console keeps for `u`, the history file stores
 * one per line and `meshtop undo` reads back. The only name for it.
 */
export interface WeightChange {
	/** When the write was acknowledged, ISO 8601. */
	time: string;
	/** Kubeconfig user that made the write. */
	user: string;
	/** Kubeconfig context (which cluster). */
	context: string;
	/** Namespace of the VirtualService. */
	namespace: string;
	/** Name of the route object (the field predates HTTPRoutes). */
	vs: string;
	/** Kind of the route object; absent in records of VirtualServices (and in every record written before HTTPRoutes). */
	kind?: RouteObjectKind;
	/** Route name as shown, e.g. "http[0]". */
	route: string;
	/** Weights by version key before the write. */
	before: Record<string, number>;
	/** Weights by version key after the write. */
	after: Record<string, number>;
	/** resourceVersion the write was tested against ('' when unknown). */
	resourceVersionBefore: string;
	/** resourceVersion the write produced: `undo` only reverts while the VirtualService still has it. */
	resourceVersionAfter: string;
	/** Which write path. */
	source: ChangeSource;
	/** Free text: a plan step, why the Event is missing, what an undo reverted. */
	note?: string;
	/** The exact inverse of the write's patch (no resourceVersion test): `undo` restores the route byte for byte with it. */
	undo?: JsonPatchOperation[];
	/**
	 * Set only on lines written for an interrupted writer, after the route was read again: whether its write landed.
	 * A line without it was written by the writer itself, after the API server acknowledged the change.
	 */
	interrupted?: InterruptedOutcome;
}
