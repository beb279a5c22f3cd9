/** Keys as data: every mode's keys come from the keymap, read-only removes the dangerous ones, no key means two things. */
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import type {Key} from 'ink';
import {activeCommands, commandFor, commands, type Binding, type Scope} from '../../source/ui/keymap.js';
import {helpLines} from '../../source/ui/HelpOverlay.js';

const scopes: Scope[] = ['main', 'confirm', 'help', 'picker', 'plan'];

/** A key event as Ink reports it, nothing pressed but what is given. */
function key(pressed: Partial<Key> = {}): Key {
	return {
		upArrow: false, downArrow: false, leftArrow: false, rightArrow: false, pageDown: false, pageUp: false, home: false, end: false,
		return: false, escape: false, ctrl: false, shift: false, tab: false, backspace: false, delete: false, meta: false,
		super: false, hyper: false, capsLock: false, numLock: false, ...pressed,
	};
}

/** A concrete keypress for a binding (text bindings: a character they accept). */
function press(binding: Binding): [string, Key] {
	if ('special' in binding) {
		const names = {up: 'upArrow', down: 'downArrow', left: 'leftArrow', right: 'rightArrow', return: 'return', escape: 'escape', tab: 'tab', backspace: 'backspace'} as const;
		return ['', key({[names[binding.special]]: true})];
	}

	if ('text' in binding) {
		return ['x', key()];
	}

	return [binding.input, key({ctrl: binding.ctrl === true})];
}

describe('the keymap', () => {
	it('the picker and the plan dialog take their keys from the keymap too', () => {
		assert.equal(commandFor('r', key(), 'picker', false), 'picker-type');
		assert.equal(commandFor('q', key(), 'picker', false), 'picker-type', 'q is text in the picker, not quit');
		assert.equal(commandFor('', key({downArrow: true}), 'picker', false), 'picker-down');
		assert.equal(commandFor('', key({return: true}), 'picker', false), 'picker-open');
		assert.equal(commandFor('', key({backspace: true}), 'picker', false), 'picker-erase');
		assert.equal(commandFor('c', key({ctrl: true}), 'picker', false), 'quit');
		assert.equal(commandFor('/', key(), 'picker', false), undefined, 'not a name character');
		assert.equal(commandFor('5', key(), 'plan', false), 'plan-type');
		assert.equal(commandFor('', key({delete: true}), 'plan', false), 'plan-erase');
		assert.equal(commandFor('', key({return: true}), 'plan', false), 'rollout-start');
	});

	it('every keypress of every mode means at most one command (the first entry never hides another)', () => {
		for (const scope of scopes) {
			for (const rolloutRunning of [false, true]) {
				const active = activeCommands(scope, false, rolloutRunning);
				for (const command of active) {
					for (const binding of command.bindings) {
						const [input, event] = press(binding);
						const meaning = commandFor(input, event, scope, false, rolloutRunning);
						assert.equal(meaning, command.id, `${scope}${rolloutRunning ? ' (rollout running)' : ''}: ${binding.label} is ${String(meaning)}, not ${command.id}`);
					}
				}
			}
		}
	});

	it('--read-only removes every dangerous entry from behaviour, footer and help alike', () => {
		const dangerous = commands.filter(command => command.dangerous);
		assert.ok(dangerous.some(command => command.id === 'stage-more') && dangerous.some(command => command.id === 'confirm'));
		for (const scope of scopes) {
			for (const rolloutRunning of [false, true]) {
				assert.deepEqual(activeCommands(scope, true, rolloutRunning).filter(command => command.dangerous), []);
				for (const command of dangerous.filter(candidate => candidate.scopes.includes(scope))) {
					for (const binding of command.bindings) {
						const [input, event] = press(binding);
						assert.notEqual(commandFor(input, event, scope, true, rolloutRunning), command.id, `${command.id} still bound in read-only ${scope}`);
					}
				}
			}
		}

		assert.ok(helpLines().filter(line => line.dangerous).length > 0, 'help marks the dangerous lines (shown disabled in read-only mode)');
	});

	it('every entry has keys, a description and at least one mode', () => {
		for (const command of commands) {
			assert.ok(command.bindings.length > 0 && command.description.length > 0 && command.scopes.length > 0, command.id);
		}
	});
});
