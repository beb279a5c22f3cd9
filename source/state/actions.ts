import type {VirtualService} from '../domain/virtual-service.js';
import type {MetricsSnapshot} from '../domain/metrics.js';
import type {RollbackMode, RolloutState} from '../domain/rollout.js';
import type {WeightChange} from '../domain/weight-change.js';
import type {FeedUpdate, PrometheusStatus} from '../ports/console-services.js';
import type {ConnectionInfo, Notice, Overlay} from './app-state.js';
import type {PlanFormEdit} from './plan-form.js';

/**
 * Who started a write: the user's Enter on a staged change, `u`, or a step of the running rollout.
 * The rollout reports its own progress, so its writes change neither the notice nor the undo history.
 */
export type WriteOrigin = 'apply' | 'undo' | 'rollout';

/**
 * Everything that can happen to the console, as past-tense facts; the reducer is the only consumer.
 * Keys produce the user's facts (the keymap names them), the controller the world's (feeds, writes, metrics).
 */
export type Action =
	/** The kubeconfig was loaded: where the console is connected. */
	| {type: 'connected'; connection: ConnectionInfo}
	/** The VirtualService watch delivered the namespace's current objects or a status change. */
	| ({type: 'feedUpdated'} & FeedUpdate)
	/** ↑↓: the row selection moved. */
	| {type: 'selectionMoved'; delta: number}
	/** ←→: `step` points were staged toward (1) or away from (-1) the selected version (refused while a rollout runs). */
	| {type: 'weightsStaged'; direction: 1 | -1}
	/** [ ]: the step size changed. */
	| {type: 'stepChanged'; direction: 1 | -1}
	| {type: 'chartModeCycled'}
	| {type: 'chartBackfilled'; snapshots: readonly MetricsSnapshot[]}
	/** Enter on a staged change: the diff was opened for confirmation. */
	| {type: 'reviewOpened'}
	/** Esc: the overlay was closed, or the staged change dropped. */
	| {type: 'dismissed'}
	/** A write of the split was sent. */
	| {type: 'writeStarted'; origin: WriteOrigin}
	/** The write was acknowledged: the VirtualService as it left it, and the change as recorded. */
	| {type: 'writeSucceeded'; origin: WriteOrigin; vs: VirtualService; change: WeightChange}
	/** Someone else changed the VirtualService first: nothing was written; `current` is what won, when re-read. */
	| {type: 'writeConflicted'; origin: WriteOrigin; message: string; current: VirtualService | undefined}
	/** The write failed for another reason (refused, invalid, unreachable): nothing was written. */
	| {type: 'writeFailed'; origin: WriteOrigin; message: string}
	/** The API server said whether the user may write the route object at `address` (undefined: any in the namespace). */
	| {type: 'accessReviewed'; address: string | undefined; allowed: boolean; reason?: string}
	/** A metrics refresh answered. */
	| {type: 'metricsReceived'; snapshot: MetricsSnapshot}
	/** A metrics refresh failed: the last numbers stay, marked stale. */
	| {type: 'metricsFailed'; error: string}
	/** A refresh came due while the previous one is still unanswered (a hung Prometheus): the numbers are getting old. */
	| {type: 'metricsOverdue'; waitingMs: number}
	/** The Prometheus connection changed (found, port-forward reconnecting, lost). */
	| ({type: 'prometheusChanged'} & PrometheusStatus)
	/** Tab: the next route of the VirtualService was chosen. */
	| {type: 'routeCycled'}
	/** An overlay (help, picker) was opened or closed. */
	| {type: 'overlayChanged'; overlay: Overlay}
	/** The picker's filter text changed. */
	| {type: 'pickerQueryChanged'; query: string}
	/** The picker's selection moved. */
	| {type: 'pickerMoved'; delta: number}
	/** A VirtualService was chosen in the picker. */
	| {type: 'virtualServicePicked'; name: string}
	/** A line of feedback to show (or none). */
	| {type: 'noticeShown'; notice: Notice | undefined}
	/** p: the rollout plan dialog was opened. */
	| {type: 'planDialogOpened'}
	/** A field of the plan dialog was edited. */
	| {type: 'planEdited'; edit: PlanFormEdit}
	/** The dialog's choices do not make a rollout plan. */
	| {type: 'planRejected'; error: string}
	/** The rollout of the dialog's plan started. */
	| {type: 'rolloutStarted'; rollback: RollbackMode}
	/** The rollout's state after every step, measurement, pause or rollback. */
	| {type: 'rolloutUpdated'; rollout: RolloutState};
