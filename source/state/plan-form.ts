import {createPlan, parseGate, parseStepList, type OnFail, type RollbackMode, type RolloutPlan} from '../domain/rollout.js';
import {parseDuration} from '../domain/duration.js';
import {planRefusal, routeWeights, type Route} from '../domain/virtual-service.js';
import {errorMessage} from '../util/error-message.js';

/** The plan dialog (`p`): the same choices as `meshtop shift`, as text the user edits. */
export interface PlanForm {
	/** Index of the focused field in planFields. */
	field: number;
	/** Version to migrate to. */
	target: string;
	/** "10,25,50,100" (explicit ladder) or "10" (equal steps). */
	steps: string;
	/** Hold per step, e.g. "30s". */
	every: string;
	/** Space-separated gates, e.g. "success>=99.5 p99<=500ms min-rps=1". */
	gates: string;
	onFail: OnFail;
	/** What `r` does while the plan runs. */
	rollback: RollbackMode;
	/** Why the last Enter did not start the plan. */
	error?: string;
}

/** A field of the dialog; choices cycle with ← →, text fields take typing. */
export interface PlanField {
	id: 'target' | 'steps' | 'every' | 'gates' | 'onFail' | 'rollback';
	label: string;
	kind: 'choice' | 'text';
	hint: string;
}

/** The dialog's fields in order (data: the view and the key handling both derive from it). */
export const planFields: readonly PlanField[] = [
	{id: 'target', label: 'migrate to', kind: 'choice', hint: '← → choose the version'},
	{id: 'steps', label: 'steps', kind: 'text', hint: 'weights of the target, e.g. 10,25,50,100; or 10 for equal steps'},
	{id: 'every', label: 'hold each step', kind: 'text', hint: 'e.g. 30s, 2m'},
	{id: 'gates', label: 'gates', kind: 'text', hint: 'success>=99.5 p99<=500ms min-rps=1 (space-separated; empty: time only)'},
	{id: 'onFail', label: 'a gate fails', kind: 'choice', hint: '← → pause (default) or rollback'},
	{id: 'rollback', label: 'r rolls back', kind: 'choice', hint: '← → immediate or gradual (down the steps)'},
];

const onFailChoices: readonly OnFail[] = ['pause', 'rollback'];
const rollbackChoices: readonly RollbackMode[] = ['immediate', 'gradual'];

/** The dialog as it opens: toward the selected version (or the one with least traffic), the defaults. */
export function initialPlanForm(route: Route, selectedKey: string | undefined): PlanForm {
	const byWeight = [...route.destinations].sort((a, b) => a.weight - b.weight);
	const selected = route.destinations.find(destination => destination.key === selectedKey);
	const target = selected !== undefined && selected.weight < 100 ? selected.key : byWeight[0]?.key ?? '';
	return {field: 0, target, steps: '10,25,50,100', every: '30s', gates: 'success>=99.5 p99<=500ms min-rps=1', onFail: 'pause', rollback: 'immediate'};
}

/** Edits of the dialog, from keys. */
export type PlanFormEdit =
	| {kind: 'move'; delta: number}
	| {kind: 'cycle'; delta: number; keys: readonly string[]}
	| {kind: 'type'; text: string}
	| {kind: 'backspace'};

function cycle<T>(choices: readonly T[], current: T, delta: number): T {
	const index = Math.max(choices.indexOf(current), 0);
	return choices[(index + delta + choices.length) % choices.length] ?? current;
}

/** Applies one edit; pure. */
export function editPlanForm(form: PlanForm, edit: PlanFormEdit): PlanForm {
	const field = planFields[form.field]!;
	const {error: _error, ...rest} = form;
	switch (edit.kind) {
		case 'move': {
			return {...rest, field: (form.field + edit.delta + planFields.length) % planFields.length};
		}

		case 'cycle': {
			if (field.id === 'target') {
				return {...rest, target: cycle(edit.keys, form.target, edit.delta)};
			}

			if (field.id === 'onFail') {
				return {...rest, onFail: cycle(onFailChoices, form.onFail, edit.delta)};
			}

			return field.id === 'rollback' ? {...rest, rollback: cycle(rollbackChoices, form.rollback, edit.delta)} : form;
		}

		case 'type':
		case 'backspace': {
			if (field.kind !== 'text') {
				return form;
			}

			const id = field.id as 'steps' | 'every' | 'gates';
			const value = edit.kind === 'type' ? form[id] + edit.text : form[id].slice(0, -1);
			return {...rest, [id]: value};
		}
	}
}

/** Turns the dialog into a plan for the route, or says what is wrong. */
export function planFromForm(form: PlanForm, route: Route, scrapeIntervalMs?: number): {ok: true; plan: RolloutPlan; rollback: RollbackMode} | {ok: false; error: string} {
	try {
		if (!route.editable) {
			throw new Error(`route ${route.name} is read-only: ${route.readOnlyReason ?? ''}`);
		}

		const refusal = planRefusal(route);
		if (refusal !== undefined) {
			throw new Error(refusal);
		}

		const keys = route.destinations.map(destination => destination.key);
		const weights = routeWeights(route);
		const ladder = form.steps.trim();
		const single = /^\d+%?$/.test(ladder);
		const plan = createPlan({
			keys,
			weights: keys.map(key => weights[key] ?? 0),
			target: form.target,
			...(single ? {step: Number(ladder.replace('%', ''))} : {steps: parseStepList(ladder)}),
			intervalMs: parseDuration(form.every),
			gates: form.gates.split(/\s+/).filter(text => text !== '').map(text => parseGate(text)),
			onFail: form.onFail,
			// The console's plans judge like shift's defaults; looks follow Prometheus' scrape interval when known.
			...(scrapeIntervalMs === undefined ? {} : {policy: {scrapeIntervalMs}}),
		});
		if (plan.steps.length === 0) {
			throw new Error(`${form.target} already has ${weights[form.target] ?? 0}%: nothing to migrate`);
		}

		return {ok: true, plan, rollback: form.rollback};
	} catch (error) {
		return {ok: false, error: errorMessage(error)};
	}
}
