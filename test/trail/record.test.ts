import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import type {WeightChange} from '../../source/domain/weight-change.js';
import {changeEventMessage, changeEventReason, describeWeightChange, recordChange} from '../../source/trail/record.js';

const change: WeightChange = {
	time: '2025-01-01T12:00:05.000Z',
	user: 'sim-admin',
	context: 'sim',
	namespace: 'bookinfo',
	vs: 'reviews',
	route: 'http[0]',
	before: {v1: 100, v2: 0, v3: 0},
	after: {v1: 50, v2: 0, v3: 50},
	resourceVersionBefore: '10',
	resourceVersionAfter: '11',
	source: 'console',
};

function fakes(options: {eventError?: Error; appendError?: Error} = {}) {
	const events: Array<{namespace: string; event: {involvedName: string; involvedUid?: string; reason: string; message: string; action: string}}> = [];
	const lines: WeightChange[] = [];
	return {
		events,
		lines,
		api: {
			async createEvent(namespace: string, event: {involvedName: string; involvedUid?: string; reason: string; message: string; action: string}) {
				if (options.eventError) {
					throw options.eventError;
				}

				events.push({namespace, event});
			},
		},
		historyFile: {
			async append(record: WeightChange) {
				if (options.appendError) {
					throw options.appendError;
				}

				lines.push(record);
			},
		},
	};
}

describe('change descriptions', () => {
	it('lists only the versions that changed', () => {
		assert.equal(describeWeightChange(change.before, change.after), 'v1 100→50, v3 0→50');
		assert.equal(describeWeightChange({v1: 50}, {v1: 50}), 'no weight change');
		assert.equal(describeWeightChange({v1: 100}, {v1: 0, v4: 100}), 'v1 100→0, v4 0→100');
	});

	it('reads like the issue asks', () => {
		assert.equal(changeEventMessage(change), 'reviews http[0]: v1 100→50, v3 0→50 by sim-admin (console)');
		assert.equal(changeEventMessage({...change, source: 'shift', note: 'shift step 2/4'}), 'reviews http[0]: v1 100→50, v3 0→50 by sim-admin (shift); shift step 2/4');
	});
});

describe('recordChange', () => {
	it('creates the Event on the VirtualService and appends the record', async () => {
		const world = fakes();
		const outcome = await recordChange(change, {...world, uid: 'uid-1'});
		assert.deepEqual(outcome, {record: change, event: true, history: true, warnings: []});
		assert.deepEqual(world.events, [{namespace: 'bookinfo', event: {involvedName: 'reviews', involvedUid: 'uid-1', reason: changeEventReason, message: changeEventMessage(change), action: 'console'}}]);
		assert.deepEqual(world.lines, [change]);
	});

	it('a forbidden Event is noted in the record and warned about, never thrown', async () => {
		const world = fakes({eventError: new Error('events is forbidden: User "viewer" cannot create resource "events"')});
		const outcome = await recordChange(change, world);
		assert.equal(outcome.event, false);
		assert.equal(outcome.history, true);
		assert.match(outcome.warnings[0] ?? '', /no Event recorded on reviews: events is forbidden/);
		assert.match(world.lines[0]?.note ?? '', /^no Event: events is forbidden/);
	});

	it('an unwritable history file is a warning too', async () => {
		const world = fakes({appendError: new Error('EACCES: permission denied')});
		const outcome = await recordChange(change, world);
		assert.equal(outcome.history, false);
		assert.equal(outcome.event, true);
		assert.match(outcome.warnings.join('\n'), /not written to the history file: EACCES/);
	});
});
