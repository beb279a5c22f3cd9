import type {Key} from 'ink';

/** Every command of the console. */
export type CommandId =
	| 'select-up' | 'select-down' | 'shift-left' | 'shift-right' | 'step-down' | 'step-up'
	| 'review' | 'confirm' | 'discard' | 'undo' | 'next-route' | 'picker' | 'help' | 'quit';

/** Which layer a command belongs to; only the layer on top receives keys. */
export type Scope = 'main' | 'confirm' | 'help' | 'picker';

/** A key: a named special key, or a printable character. */
export type Binding = {special: 'up' | 'down' | 'left' | 'right' | 'return' | 'escape' | 'tab'; label: string} | {input: string; ctrl?: boolean; label: string};

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
}

const up = {special: 'up', label: '↑'} as const;
const down = {special: 'down', label: '↓'} as const;

/** The console's key bindings (k9s / vim habits). */
export const commands: readonly Command[] = [
	{id: 'select-up', scopes: ['main'], bindings: [up, {input: 'k', label: 'k'}], label: 'select', description: 'select the previous version', footer: true},
	{id: 'select-down', scopes: ['main'], bindings: [down, {input: 'j', label: 'j'}], label: 'select', description: 'select the next version'},
	{id: 'shift-right', scopes: ['main'], bindings: [{special: 'right', label: '→'}, {input: 'l', label: 'l'}], label: 'more', description: 'stage: move `step` points of traffic to the selected version', dangerous: true, footer: true},
	{id: 'shift-left', scopes: ['main'], bindings: [{special: 'left', label: '←'}, {input: 'h', label: 'h'}], label: 'less', description: 'stage: move `step` points of traffic away from the selected version', dangerous: true, footer: true},
	{id: 'step-down', scopes: ['main'], bindings: [{input: '[', label: '['}], label: 'step', description: 'smaller step (1, 5, 10, 25)', dangerous: true},
	{id: 'step-up', scopes: ['main'], bindings: [{input: ']', label: ']'}], label: 'step', description: 'larger step (1, 5, 10, 25)', dangerous: true, footer: true},
	{id: 'review', scopes: ['main'], bindings: [{special: 'return', label: 'Enter'}], label: 'apply', description: 'review the staged change, then confirm to write it', dangerous: true, footer: true},
	{id: 'confirm', scopes: ['confirm'], bindings: [{special: 'return', label: 'Enter'}, {input: 'y', label: 'y'}], label: 'write it', description: 'write the change (conflict-safe JSON Patch)', dangerous: true, footer: true},
	{id: 'discard', scopes: ['main', 'confirm', 'help', 'picker'], bindings: [{special: 'escape', label: 'Esc'}], label: 'discard', description: 'discard the staged change / close', footer: true},
	{id: 'undo', scopes: ['main'], bindings: [{input: 'u', label: 'u'}], label: 'undo', description: 'undo the last change applied from this console', dangerous: true, footer: true},
	{id: 'next-route', scopes: ['main'], bindings: [{special: 'tab', label: 'Tab'}], label: 'route', description: 'next route of the VirtualService'},
	{id: 'picker', scopes: ['main'], bindings: [{input: '/', label: '/'}], label: 'pick VS', description: 'pick another VirtualService', footer: true},
	{id: 'help', scopes: ['main', 'help'], bindings: [{input: '?', label: '?'}], label: 'help', description: 'show / hide this help', footer: true},
	{id: 'quit', scopes: ['main', 'help', 'confirm'], bindings: [{input: 'q', label: 'q'}, {input: 'c', ctrl: true, label: 'Ctrl-C'}], label: 'quit', description: 'quit (the cluster keeps its current weights)', footer: true},
];

/** The commands active in a mode: dangerous ones are gone in read-only mode. */
export function activeCommands(scope: Scope, readOnly: boolean): Command[] {
	return commands.filter(command => command.scopes.includes(scope) && !(readOnly && command.dangerous));
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
		}
	}

	return input === binding.input && Boolean(binding.ctrl) === key.ctrl;
}

/** The command a keypress means in a scope, if any. */
export function commandFor(input: string, key: Key, scope: Scope, readOnly: boolean): CommandId | undefined {
	return activeCommands(scope, readOnly).find(command => command.bindings.some(binding => matches(binding, input, key)))?.id;
}

/** Key labels of a command joined for display, e.g. "↑/k". */
export function keysLabel(command: Command): string {
	return command.bindings.map(binding => binding.label).join('/');
}
