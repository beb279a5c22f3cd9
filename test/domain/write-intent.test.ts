import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import type {VirtualService} from '../../source/domain/virtual-service.js';
import {cutWriteNext, interruptedChange, isAppliedChange, resolveIntent, type WriteIntent} from '../../source/domain/write-intent.js';

/** The route `reviews` holding `weights` (subsets of reviews) at `resourceVersion`. */
function reviews(weights: Record<string, number>, resourceVersion: string | undefined, uid = 'uid-1'): VirtualService {
	return {
		apiVersion: 'networking.istio.io/v1',
		kind: 'VirtualService',
		metadata: {name: 'reviews', namespace: 'bookinfo', uid, ...(resourceVersion === undefined ? {} : {resourceVersion})},
		spec: {hosts: ['reviews'], http: [{route: Object.entries(weights).map(([subset, weight]) => ({destination: {host: 'reviews', subset}, weight}))}]},
	};
}

const intent: WriteIntent = {
	version: 1,
	kind: 'VirtualService',
	namespace: 'bookinfo',
	name: 'reviews',
	uid: 'uid-1',
	route: 'http[0]',
	resourceVersion: '10',
	before: {v1: 100, v2: 0, v3: 0},
	asked: {v1: 50, v2: 0, v3: 50},
	time: '2026-12-03T05:00:00.000Z',
	pid: 4242,
	command: 'meshtop set reviews v1=50 v3=50',
	user: 'admin',
	context: 'sim',
	source: 'set',
};

describe('resolveIntent', () => {
	it('applied: the route holds the asked split and its resourceVersion moved past the one read (a version at 0 may be absent)', () => {
		const resolution = resolveIntent(intent, reviews({v1: 50, v3: 50}, '11'));
		assert.equal(resolution.outcome, 'applied');
		assert.equal(resolution.resourceVersion, '11');
		assert.deepEqual(resolution.current, {v1: 50, v3: 50});
	});

	it('not applied: the route still holds the old split at the resourceVersion read', () => {
		const resolution = resolveIntent(intent, reviews({v1: 100, v2: 0, v3: 0}, '10'));
		assert.equal(resolution.outcome, 'not-applied');
		assert.match(resolution.reason, /unchanged since the read/);
	});

	it('not applied: the resourceVersion moved but the route holds another split than the asked one', () => {
		assert.equal(resolveIntent(intent, reviews({v1: 80, v3: 20}, '12')).outcome, 'not-applied');
		assert.equal(resolveIntent(intent, reviews({v1: 100, v3: 0}, '12')).outcome, 'not-applied', 'the old split at a newer resourceVersion');
	});

	it('not applied: the resourceVersion read, even if the weights read differently (nothing was written since the read)', () => {
		assert.equal(resolveIntent(intent, reviews({v1: 50, v3: 50}, '10')).outcome, 'not-applied');
	});

	it('unknown: the route was deleted', () => {
		const resolution = resolveIntent(intent, undefined);
		assert.equal(resolution.outcome, 'unknown');
		assert.match(resolution.reason, /no longer exists/);
		assert.equal(resolution.resourceVersion, '');
	});

	it('unknown: the route was deleted and created again (another uid), even holding the asked split', () => {
		assert.equal(resolveIntent(intent, reviews({v1: 50, v3: 50}, '30', 'uid-2')).outcome, 'unknown');
	});

	it('unknown: an object of another kind under the name', () => {
		assert.equal(resolveIntent({...intent, kind: 'HTTPRoute'}, reviews({v1: 50, v3: 50}, '11')).outcome, 'unknown');
	});

	it('unknown: the route entry is no longer in the object', () => {
		const resolution = resolveIntent({...intent, route: 'http[3]'}, reviews({v1: 50, v3: 50}, '11'));
		assert.equal(resolution.outcome, 'unknown');
		assert.match(resolution.reason, /route http\[3\] is no longer in reviews/);
	});

	it('unknown: the asked split equals the one before (a no-op PATCH keeps the resourceVersion), at the read or a newer resourceVersion', () => {
		const same = {...intent, asked: {v1: 100, v2: 0, v3: 0}};
		assert.equal(resolveIntent(same, reviews({v1: 100}, '10')).outcome, 'unknown');
		assert.equal(resolveIntent(same, reviews({v1: 100}, '11')).outcome, 'unknown');
	});

	it('unknown: the route holds the asked split but has no resourceVersion to compare', () => {
		assert.equal(resolveIntent(intent, reviews({v1: 50, v3: 50}, undefined)).outcome, 'unknown');
	});
});

describe('interruptedChange', () => {
	it('an applied intent becomes a change at the route\'s resourceVersion, marked as confirmed', () => {
		const change = interruptedChange(intent, resolveIntent(intent, reviews({v1: 50, v3: 50}, '11')));
		assert.equal(change.interrupted, 'applied');
		assert.equal(change.resourceVersionBefore, '10');
		assert.equal(change.resourceVersionAfter, '11');
		assert.deepEqual(change.after, intent.asked);
		assert.match(change.note ?? '', /^applied \(confirmed after the writer was interrupted\): .*pid 4242 \(meshtop set reviews v1=50 v3=50\)$/);
		assert.equal(isAppliedChange(change), true);
	});

	it('a write that did not land keeps the asked split as `after` but no resourceVersion after, and is not a change of the route', () => {
		const change = interruptedChange({...intent, note: 'plan step 1/2'}, resolveIntent(intent, reviews({v1: 100}, '10')));
		assert.equal(change.interrupted, 'not-applied');
		assert.equal(change.resourceVersionAfter, '');
		assert.match(change.note ?? '', /^plan step 1\/2; not applied \(interrupted\): /);
		assert.equal(isAppliedChange(change), false);
		assert.equal(isAppliedChange({...change, interrupted: 'unknown'}), false);
		assert.equal(isAppliedChange({}), true, 'a line the writer wrote itself');
	});
});

describe('cutWriteNext (a living writer after its PATCH was cut)', () => {
	const read = reviews({v1: 100, v2: 0, v3: 0}, '10');

	it('applied: the route holds the asked split past the version read: recorded, not sent again', () => {
		assert.equal(cutWriteNext(intent, read, reviews({v1: 50, v2: 0, v3: 50}, '11')).kind, 'applied');
	});

	it('retry: the route as read, at the same resourceVersion or a newer one that changed nothing in the spec', () => {
		assert.equal(cutWriteNext(intent, read, reviews({v1: 100, v2: 0, v3: 0}, '10')).kind, 'retry');
		assert.equal(cutWriteNext(intent, read, reviews({v1: 100, v2: 0, v3: 0}, '14')).kind, 'retry', 'an annotation moved the resourceVersion');
	});

	it('conflict: someone else changed the spec, deleted the route, or created it again (another uid): never overwritten', () => {
		assert.equal(cutWriteNext(intent, read, reviews({v1: 80, v2: 0, v3: 20}, '12')).kind, 'conflict');
		assert.equal(cutWriteNext(intent, read, {...reviews({v1: 100, v2: 0, v3: 0}, '12'), spec: {...read.spec, gateways: ['mesh']}}).kind, 'conflict', 'another field of the spec');
		assert.equal(cutWriteNext(intent, read, undefined).kind, 'conflict');
		assert.equal(cutWriteNext(intent, read, reviews({v1: 100, v2: 0, v3: 0}, '3', 'uid-2')).kind, 'conflict');
	});
});
