/** The write service against an in-memory API server: the exact patch, each way a write can end, the trail entry, exact undo. */
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {applyJsonPatch, routesOf, type JsonPatchOperation, type VirtualService} from '../../source/domain/virtual-service.js';
import type {WeightChange} from '../../source/domain/weight-change.js';
import {createSplitWriter, type SplitStore} from '../../source/write/split-writer.js';
import type {WriteOutcome} from '../../source/ports/split-writer.js';
import {bookinfoRules, bookinfoVs} from '../helpers/bookinfo.js';

/** An API server holding one object: applies JSON Patches with their tests, bumps resourceVersion, counts requests. */
function fakeApi(initial: VirtualService) {
	let current = initial;
	let version = Number(initial.metadata.resourceVersion);
	const requests: Array<{verb: 'patch' | 'get'; operations?: JsonPatchOperation[]}> = [];
	let refuse: Error | undefined;
	const store: SplitStore = {
		async patchRoute(_kind, _namespace, _name, operations) {
			requests.push({verb: 'patch', operations});
			if (refuse !== undefined) {
				throw refuse;
			}

			try {
				current = applyJsonPatch(current, operations);
			} catch (error) {
				throw Object.assign(new Error(`conflict: ${(error as Error).message}`), {kind: 'conflict'});
			}

			current = {...current, metadata: {...current.metadata, resourceVersion: String(++version)}};
			return current;
		},
		async getRoute() {
			requests.push({verb: 'get'});
			return current;
		},
	};
	return {
		store,
		requests,
		get current() {
			return current;
		},
		/** Someone else edits the object. */
		edit(change: (vs: VirtualService) => VirtualService) {
			current = {...change(structuredClone(current)), metadata: {...current.metadata, resourceVersion: String(++version)}};
		},
		refuseWith(error: Error) {
			refuse = error;
		},
	};
}

function writerFor(api: ReturnType<typeof fakeApi>, warnings: string[] = []) {
	const recorded: Array<{record: WeightChange; uid: string | undefined}> = [];
	const writer = createSplitWriter({
		store: api.store,
		trail: {
			async record(record, uid) {
				recorded.push({record, uid});
				return {record: warnings.length === 0 ? record : {...record, note: 'no Event: forbidden'}, warnings};
			},
		},
		writer: {user: 'sim-admin', context: 'sim', namespace: 'bookinfo'},
		now: () => new Date('2025-01-01T12:00:05.000Z'),
	});
	return {writer, recorded};
}

function written(outcome: WriteOutcome): Extract<WriteOutcome, {kind: 'written'}> {
	assert.equal(outcome.kind, 'written', outcome.kind === 'written' ? '' : outcome.message);
	return outcome;
}

const allV1 = () => ({...bookinfoVs('virtual-service-all-v1.yaml', 'reviews', '41'), metadata: {...bookinfoVs('virtual-service-all-v1.yaml', 'reviews', '41').metadata, uid: 'uid-reviews'}});
const routeOf = (vs: VirtualService) => routesOf(vs, bookinfoRules)[0]!;

describe('the split writer', () => {
	it('writes the weight patch tested against the resourceVersion and records who, where, when and the exact inverse', async () => {
		const api = fakeApi(allV1());
		const {writer, recorded} = writerFor(api);
		const vs = api.current;
		const events: string[] = [];
		const outcome = written(await writer.write({
			vs,
			route: routeOf(vs),
			change: {weights: {v1: 50, v3: 50}},
			reason: {source: 'set'},
			onWritten: ({vs: acknowledged}) => events.push(`written ${acknowledged.metadata.resourceVersion ?? ''}, ${recorded.length} recorded`),
		}));
		assert.deepEqual(events, ['written 42, 0 recorded'], 'the acknowledged write is reported before the trail round trip');
		assert.deepEqual(api.requests.map(request => request.verb), ['patch']);
		assert.deepEqual(api.requests[0]!.operations![0], {op: 'test', path: '/metadata/resourceVersion', value: '41'});
		assert.deepEqual(api.current.spec, bookinfoVs('virtual-service-reviews-50-v3.yaml').spec);
		assert.deepEqual(outcome.change, {
			time: '2025-01-01T12:00:05.000Z',
			user: 'sim-admin',
			context: 'sim',
			namespace: 'bookinfo',
			vs: 'reviews',
			route: 'http[0]',
			before: {v1: 100, v2: 0, v3: 0},
			after: {v1: 50, v2: 0, v3: 50},
			resourceVersionBefore: '41',
			resourceVersionAfter: '42',
			source: 'set',
			undo: [
				{op: 'test', path: '/spec/http/0/route/1', value: {destination: {host: 'reviews', subset: 'v3'}, weight: 50}},
				{op: 'remove', path: '/spec/http/0/route/1'},
				{op: 'test', path: '/spec/http/0/route/0/weight', value: 50},
				{op: 'remove', path: '/spec/http/0/route/0/weight'},
			],
		});
		assert.deepEqual(recorded.map(entry => entry.uid), ['uid-reviews'], 'the Event names this very object');
		assert.deepEqual(outcome.warnings, []);
	});

	it('undo writes the inverse back: the spec is byte-identical to before, and the undo is recorded too', async () => {
		const api = fakeApi(allV1());
		const {writer, recorded} = writerFor(api);
		const original = api.current;
		const first = written(await writer.write({vs: original, route: routeOf(original), change: {weights: {v1: 70, v3: 30}}, reason: {source: 'console'}}));
		const undone = written(await writer.write({vs: first.vs, route: routeOf(first.vs), change: {undo: first.change.undo!, weights: first.change.before}, reason: {source: 'undo', note: 'reverts'}}));
		assert.equal(JSON.stringify(api.current.spec), JSON.stringify(original.spec));
		assert.deepEqual(api.requests[1]!.operations![0], {op: 'test', path: '/metadata/resourceVersion', value: first.vs.metadata.resourceVersion});
		assert.deepEqual(undone.change.after, {v1: 100, v2: 0, v3: 0});
		assert.equal(undone.change.undo, undefined, 'an undo is not itself undone by an inverse');
		assert.deepEqual(recorded.map(entry => entry.record.source), ['console', 'undo']);
	});

	it('a staged change decided against an older resourceVersion is a conflict: nothing is sent or re-read', async () => {
		const api = fakeApi(allV1());
		const {writer, recorded} = writerFor(api);
		const vs = api.current;
		const outcome = await writer.write({vs, route: routeOf(vs), expectedResourceVersion: '40', change: {weights: {v1: 50, v3: 50}}, reason: {source: 'console'}});
		assert.equal(outcome.kind, 'conflict');
		assert.equal(outcome.kind === 'conflict' ? outcome.current : undefined, vs);
		assert.deepEqual(api.requests, []);
		assert.deepEqual(recorded, []);
	});

	it('an edit racing the write: the server refuses on the resourceVersion test, the writer re-reads and records nothing', async () => {
		const api = fakeApi(allV1());
		const {writer, recorded} = writerFor(api);
		const stale = api.current;
		api.edit(vs => ({...vs, metadata: {...vs.metadata, labels: {touched: 'yes'}}}));
		const outcome = await writer.write({vs: stale, route: routeOf(stale), change: {weights: {v1: 50, v3: 50}}, reason: {source: 'set'}});
		assert.equal(outcome.kind, 'conflict');
		assert.equal(outcome.kind === 'conflict' ? outcome.current?.metadata.resourceVersion : undefined, '42');
		assert.match(outcome.kind === 'conflict' ? outcome.message : '', /test failed at \/metadata\/resourceVersion/);
		assert.deepEqual(api.requests.map(request => request.verb), ['patch', 'get']);
		assert.deepEqual(recorded, []);
	});

	it('weights that do not fit the route are invalid before anything is sent; a refused request is failed', async () => {
		const api = fakeApi(allV1());
		const {writer} = writerFor(api);
		const vs = api.current;
		const invalid = await writer.write({vs, route: routeOf(vs), change: {weights: {v1: 50, v3: 40}}, reason: {source: 'set'}});
		assert.deepEqual(invalid, {kind: 'invalid', message: 'weights must sum to 100 (got 90)'});
		assert.deepEqual(api.requests, []);
		const forbidden = Object.assign(new Error('forbidden: user sim-viewer cannot patch virtualservices'), {kind: 'forbidden'});
		api.refuseWith(forbidden);
		const failed = await writer.write({vs, route: routeOf(vs), change: {weights: {v1: 50, v3: 50}}, reason: {source: 'set'}});
		assert.deepEqual(failed, {kind: 'failed', message: forbidden.message, error: forbidden});
	});

	it('trail problems do not fail the write: they come back as warnings, with the record as stored', async () => {
		const api = fakeApi(allV1());
		const {writer} = writerFor(api, ['change applied, but no Event recorded on reviews: forbidden']);
		const vs = api.current;
		const outcome = written(await writer.write({vs, route: routeOf(vs), change: {weights: {v1: 90, v3: 10}}, reason: {source: 'shift', note: 'shift step 1/10'}}));
		assert.deepEqual(outcome.warnings, ['change applied, but no Event recorded on reviews: forbidden']);
		assert.equal(outcome.change.note, 'no Event: forbidden');
		assert.equal(api.current.metadata.resourceVersion, '42');
	});
});
