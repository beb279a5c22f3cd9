import type {Key} from 'ink';

/**
 * Keys as data: every key of every mode is an entry here (keys, description, mode, dangerous). The dispatcher
 * (key-actions.ts) maps entries to what they do; the footer and the help overlay are generated from the same entries,
 * and --read-only removes the dangerous ones, so what the screen says a key does is what it does.
 */

/** Every command of the console. */
export type CommandId =
	| 'select-up' | 'select-down' | 'stage-less' | 'stage-more' | 'step-down' | 'step-up'
	| 'review' | 'confirm' | 'discard' | 'undo' | 'next-route' | 'picker' | 'help' | 'quit'
	| 'plan-open' | 'rollout-pause' | 'rollout-rollback' | 'rollout-promote'
	| 'rollout-start' | 'plan-next-field' | 'plan-previous-field' | 'plan-choice-left' | 'plan-choice-right' | 'plan-erase' | 'plan-type'
	| 'picker-up' | 'picker-down' | 'picker-open' | 'picker-erase' | 'picker-type';

/** Which layer a command belongs to (the mode); only the layer on top receives keys. */
export type Scope = 'main' | 'confirm' | 'help' | 'picker' | 'plan';

/**
 * A key: a named special key, a character (with Ctrl), or text: any printable character matching `pattern`
 * (the picker's filter, the plan dialog's fields), handed to the command.
 */
export type Binding =
	| {special: 'up' | 'down' | 'left' | 'right' | 'return' | 'escape' | 'tab' | 'backspace'; label: string}
	| {input: string; ctrl?: boolean; label: string}
	| {text: RegExp; label: string};

/** A command as data: the footer and the help overlay are generated from these. */
export interface Command {
	id: CommandId;
	scopes: readonly Scope[];
	bindings: readonly Binding[];
	/** Short footer text. */
	label: string;
	/** Help overlay text. */
	description: string;
	/** Changes the cluster (or stages a change): unbound in --read-only mode, like k9s. */
	dangerous?: boolean;
	/** Shown in the footer (the rest only in help). */
	footer?: boolean;
	/** Commands of one group share a help line (↑↓ select, ←→ shift). */
	group?: string;
	/** Only while a rollout runs ('rollout'), or only while none does ('no-rollout': manual changes would fight it). */
	requires?: 'rollout' | 'no-rollout';
}

const up = {special: 'up', label: '↑'} as const;
const down = {special: 'down', label: '↓'} as const;
const ctrlC = {input: 'c', ctrl: true, label: 'Ctrl-C'} as const;
const backspace = {special: 'backspace', label: 'Backspace'} as const;

/** The console's key bindings (k9s / vim habits). */
export const commands: readonly Command[] = [
	{id: 'select-up', group: 'select', scopes: ['main'], bindings: [up, {input: 'k', label: 'k'}], label: 'select', description: 'select a version', footer: true},
	{id: 'select-down', group: 'select', scopes: ['main'], bindings: [down, {input: 'j', label: 'j'}], label: 'select', description: 'select the next version'},
	{id: 'stage-more', group: 'shift', scopes: ['main'], bindings: [{special: 'right', label: '→'}, {input: 'l', label: 'l'}], label: 'more', description: 'stage: move `step` points of traffic to (→) or away from (←) the selected version', dangerous: true, footer: true, requires: 'no-rollout'},
	{id: 'stage-less', group: 'shift', scopes: ['main'], bindings: [{special: 'left', label: '←'}, {input: 'h', label: 'h'}], label: 'less', description: 'stage: move `step` points of traffic away from the selected version', dangerous: true, footer: true, requires: 'no-rollout'},
	{id: 'step-down', group: 'step', scopes: ['main'], bindings: [{input: '[', label: '['}], label: 'step', description: 'step size: 1, 5, 10, 25', dangerous: true, requires: 'no-rollout'},
	{id: 'step-up', group: 'step', scopes: ['main'], bindings: [{input: ']', label: ']'}], label: 'step', description: 'larger step (1, 5, 10, 25)', dangerous: true, footer: true, requires: 'no-rollout'},
	{id: 'review', scopes: ['main'], bindings: [{special: 'return', label: 'Enter'}], label: 'apply', description: 'review the staged change, then confirm to write it', dangerous: true, footer: true, requires: 'no-rollout'},
	{id: 'confirm', scopes: ['confirm'], bindings: [{special: 'return', label: 'Enter'}, {input: 'y', label: 'y'}], label: 'write it', description: 'write the change (conflict-safe JSON Patch)', dangerous: true, footer: true},
	{id: 'discard', scopes: ['main', 'confirm', 'help', 'picker', 'plan'], bindings: [{special: 'escape', label: 'Esc'}], label: 'discard', description: 'discard the staged change / close', footer: true},
	{id: 'undo', scopes: ['main'], bindings: [{input: 'u', label: 'u'}], label: 'undo', description: 'undo the last change applied from this console', dangerous: true, footer: true, requires: 'no-rollout'},
	{id: 'next-route', scopes: ['main'], bindings: [{special: 'tab', label: 'Tab'}], label: 'route', description: 'next http route / rule of the route on screen'},
	{id: 'picker', scopes: ['main'], bindings: [{input: '/', label: '/'}], label: 'pick route', description: 'pick another route (VirtualService or HTTPRoute)', footer: true},
	{id: 'help', scopes: ['main', 'help'], bindings: [{input: '?', label: '?'}], label: 'help', description: 'show / hide this help', footer: true},
	{id: 'plan-open', scopes: ['main'], bindings: [{input: 'p', label: 'p'}], label: 'plan', description: 'plan a progressive migration: steps, interval, metric gates', dangerous: true, footer: true, requires: 'no-rollout'},
	{id: 'rollout-pause', scopes: ['main'], bindings: [{input: ' ', label: 'Space'}], label: 'pause/resume', description: 'pause / resume the plan', footer: true, requires: 'rollout'},
	{id: 'rollout-rollback', scopes: ['main'], bindings: [{input: 'r', label: 'r'}], label: 'rollback', description: 'roll the plan back to its start split (as chosen: at once or down the steps)', dangerous: true, footer: true, requires: 'rollout'},
	{id: 'rollout-promote', scopes: ['main'], bindings: [{input: 'P', label: 'P'}], label: 'promote', description: 'promote: the target version to its final weight now', dangerous: true, footer: true, requires: 'rollout'},
	{id: 'rollout-start', scopes: ['plan'], bindings: [{special: 'return', label: 'Enter'}], label: 'start', description: 'start the plan', dangerous: true, footer: true},
	{id: 'plan-next-field', scopes: ['plan'], bindings: [down, {special: 'tab', label: 'Tab'}], label: 'next field', description: 'next field of the plan', footer: true},
	{id: 'plan-previous-field', scopes: ['plan'], bindings: [up], label: 'previous field', description: 'previous field of the plan'},
	{id: 'plan-choice-left', scopes: ['plan'], bindings: [{special: 'left', label: '←'}], label: 'choose', description: 'previous choice (version, on-fail, rollback)'},
	{id: 'plan-choice-right', scopes: ['plan'], bindings: [{special: 'right', label: '→'}], label: 'choose', description: 'next choice', footer: true},
	{id: 'quit', scopes: ['main', 'help', 'confirm'], bindings: [{input: 'q', label: 'q'}, ctrlC], label: 'quit', description: 'quit (the cluster keeps its current weights)', footer: true},
	// In the picker and the plan dialog letters are text: only Ctrl-C quits. Text entries come last, after every named key.
	{id: 'quit', scopes: ['picker', 'plan'], bindings: [ctrlC], label: 'quit', description: 'quit'},
	{id: 'plan-erase', scopes: ['plan'], bindings: [backspace], label: 'erase', description: 'erase the last character of the field'},
	{id: 'plan-type', scopes: ['plan'], bindings: [{text: /^[\w.,%<>=!\- ]+$/, label: 'text'}], label: 'type', description: 'type into the field (steps, hold, gates)'},
	{id: 'picker-up', scopes: ['picker'], bindings: [up], label: 'up', description: 'previous route'},
	{id: 'picker-down', scopes: ['picker'], bindings: [down], label: 'down', description: 'next route'},
	{id: 'picker-open', scopes: ['picker'], bindings: [{special: 'return', label: 'Enter'}], label: 'open', description: 'open the selected route'},
	{id: 'picker-erase', scopes: ['picker'], bindings: [backspace], label: 'erase', description: 'erase the last character of the filter'},
	{id: 'picker-type', scopes: ['picker'], bindings: [{text: /^[\w.-]+$/, label: 'text'}], label: 'filter', description: 'type to filter the routes'},
];

/** The commands active in a mode: dangerous ones are gone in read-only mode, plan keys only while a plan runs. */
export function activeCommands(scope: Scope, readOnly: boolean, rolloutRunning = false): Command[] {
	return commands.filter(command => command.scopes.includes(scope)
		&& !(readOnly && command.dangerous)
		&& !(command.requires === 'rollout' && !rolloutRunning)
		&& !(command.requires === 'no-rollout' && rolloutRunning));
}

function matches(binding: Binding, input: string, key: Key): boolean {
	if ('special' in binding) {
		switch (binding.special) {
			case 'up': {
				return key.upArrow;
			}

			case 'down': {
				return key.downArrow;
			}

			case 'left': {
				return key.leftArrow;
			}

			case 'right': {
				return key.rightArrow;
			}

			case 'return': {
				return key.return;
			}

			case 'escape': {
				return key.escape;
			}

			case 'tab': {
				return key.tab && !key.shift;
			}

			case 'backspace': {
				return key.backspace || key.delete;
			}
		}
	}

	if ('text' in binding) {
		return input.length > 0 && !key.ctrl && !key.meta && binding.text.test(input);
	}

	return input === binding.input && Boolean(binding.ctrl) === key.ctrl;
}

/** The command a keypress means in a scope, if any. */
export function commandFor(input: string, key: Key, scope: Scope, readOnly: boolean, rolloutRunning = false): CommandId | undefined {
	return activeCommands(scope, readOnly, rolloutRunning).find(command => command.bindings.some(binding => matches(binding, input, key)))?.id;
}

/** Key labels of a command joined for display, e.g. "↑/k". */
export function keysLabel(command: Command): string {
	return command.bindings.map(binding => binding.label).join('/');
}
