import type {DestinationRuleInfo, VirtualService} from '../domain/virtual-service.js';
import type {MetricsSnapshot} from '../domain/metrics.js';
import type {RollbackMode, RolloutState} from '../domain/rollout.js';
import type {AppliedChange, ConnectionInfo, FeedStatus, Notice, Overlay} from './app-state.js';
import type {PlanFormEdit} from './plan-form.js';

/** Every way the console's state can change. The reducer is the only consumer. */
export type Action =
	/** The kubeconfig was loaded: where the console is connected. */
	| {type: 'connected'; connection: ConnectionInfo}
	/** The VirtualService watch delivered the namespace's current objects or a status change. */
	| {type: 'feed'; items?: ReadonlyMap<string, VirtualService>; destinationRules?: readonly DestinationRuleInfo[]; status: FeedStatus; error?: string}
	/** ↑↓: move the row selection. */
	| {type: 'select'; delta: number}
	/** ←→: stage a shift of `step` points toward (1) or away from (-1) the selected version. */
	| {type: 'shift'; direction: 1 | -1}
	/** [ ]: change the step size. */
	| {type: 'step'; direction: 1 | -1}
	/** Enter on a staged change: show the diff for confirmation. */
	| {type: 'review'}
	/** Esc: leave an overlay, or drop the staged change. */
	| {type: 'discard'}
	| {type: 'applyStarted'}
	| {type: 'applySucceeded'; vs: VirtualService; change: AppliedChange; undo: boolean}
	| {type: 'applyFailed'; error: string; conflict: boolean}
	| {type: 'metrics'; snapshot: MetricsSnapshot}
	| {type: 'metricsFailed'; error: string}
	| {type: 'prometheus'; label: string; status: FeedStatus; error?: string}
	/** Tab: next route of the VirtualService. */
	| {type: 'nextRoute'}
	| {type: 'overlay'; overlay: Overlay}
	| {type: 'pickerQuery'; query: string}
	| {type: 'pickerMove'; delta: number}
	/** Choose a VirtualService to show (picker Enter). */
	| {type: 'pick'; name: string}
	| {type: 'notice'; notice: Notice | undefined}
	/** p: open the plan dialog. */
	| {type: 'planOpen'}
	| {type: 'planEdit'; edit: PlanFormEdit}
	/** The dialog's choices do not make a plan. */
	| {type: 'planInvalid'; error: string}
	| {type: 'planStarted'; rollback: RollbackMode}
	/** The plan's state after every step, measurement, pause or rollback. */
	| {type: 'rollout'; rollout: RolloutState}
	/** A plan step is being written: the watch event of this write is not "a change made elsewhere". */
	| {type: 'writing'}
	/** A plan step's write ended: the VirtualService as it left it, or undefined when it failed. */
	| {type: 'written'; vs: VirtualService | undefined};
