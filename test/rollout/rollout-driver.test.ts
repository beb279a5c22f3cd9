import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {RolloutDriver} from '../../source/rollout/rollout-driver.js';
import {ManualClock} from '../helpers/manual-clock.js';
import {createPlan, parseGate, type RolloutState, type StepCounts, type VersionCounts} from '../../source/domain/rollout.js';
import {waitFor} from '../helpers/wait-for.js';

const healthy: VersionCounts = {requests: 20_000, successes: 20_000, p50Ms: 5, p99Ms: 12};
const failing: VersionCounts = {requests: 1000, successes: 700, p50Ms: 5, p99Ms: 12};

function setup(options: {onFail?: 'pause' | 'rollback'; v3?: () => VersionCounts; applyFails?: (position: number) => boolean} = {}) {
	const clock = new ManualClock();
	const plan = createPlan({keys: ['v1', 'v3'], weights: [100, 0], target: 'v3', step: 50, intervalMs: 1000, gates: [parseGate('success>=99')], onFail: options.onFail});
	const writes: number[][] = [];
	let fetches = 0;
	const ranges: number[] = [];
	const states: RolloutState[] = [];
	let release: (() => void) | undefined;
	let holdWrites = false;
	const driver = new RolloutDriver({
		plan,
		clock,
		async apply(weights, position) {
			if (holdWrites) {
				await new Promise<void>(resolve => {
					release = resolve;
				});
			}

			if (options.applyFails?.(position) === true) {
				throw new Error('conflict: changed by someone else');
			}

			writes.push(weights);
		},
		async fetchCounts(rangeMs): Promise<StepCounts> {
			fetches++;
			ranges.push(rangeMs);
			return {at: clock.now(), rangeMs, byVersion: {v1: healthy, v3: options.v3?.() ?? healthy}};
		},
		onUpdate(state) {
			states.push(state);
		},
	});
	return {
		clock, driver, writes, states, ranges,
		get fetches() {
			return fetches;
		},
		/** Whether a held write is waiting (the driver has called apply and not heard back). */
		get writeHeld() {
			return release !== undefined;
		},
		holdNextWrite() {
			holdWrites = true;
		},
		releaseWrite() {
			holdWrites = false;
			release?.();
			release = undefined;
		},
	};
}

describe('RolloutDriver', () => {
	it('writes each step, looks once the step\'s own traffic can be counted, and completes', async () => {
		const world = setup();
		world.driver.start();
		await waitFor(() => world.writes.length === 1 && world.clock.pending === 1, {message: 'first step written and first look scheduled'});
		assert.deepEqual(world.writes, [[50, 50]]);
		assert.equal(world.fetches, 0);
		// The hold is 1 s, but the first look waits for the settle time (one scrape) and two scrapes of the step.
		world.clock.advanceTo(2999);
		assert.equal(world.fetches, 0);
		world.clock.advanceTo(3000);
		await waitFor(() => world.writes.length === 2, {message: 'second step'});
		assert.equal(world.fetches, 1);
		world.clock.advanceTo(6000);
		const final = await world.driver.done;
		assert.equal(final.phase, 'completed');
		assert.deepEqual(world.writes, [[50, 50], [0, 100]]);
		assert.deepEqual(world.ranges, [2000, 2000], 'each look counts the step\'s window: since the write, minus the settle time');
		assert.equal(world.clock.pending, 0, 'no timer left behind');
	});

	it('pauses on a failing gate and leaves the split', async () => {
		const world = setup({v3: () => failing});
		world.driver.start();
		await waitFor(() => world.clock.pending === 1);
		world.clock.advanceTo(3000);
		await waitFor(() => world.driver.state.phase === 'paused', {message: 'paused'});
		assert.deepEqual(world.writes, [[50, 50]]);
		assert.match(world.driver.state.reason ?? '', /success>=99: 70\.0% \(n=1,000, 95% [\d.]+–[\d.]+%\) < 99 ✗/);
		assert.equal(world.clock.pending, 0, 'a paused plan waits for the user, not a timer');
		world.driver.rollback('immediate');
		const final = await world.driver.done;
		assert.equal(final.phase, 'rolled-back');
		assert.deepEqual(world.writes.at(-1), [100, 0]);
	});

	it('rolls back on a failing gate in rollback mode', async () => {
		const world = setup({onFail: 'rollback', v3: () => failing});
		world.driver.start();
		await waitFor(() => world.clock.pending === 1);
		world.clock.advanceTo(3000);
		const final = await world.driver.done;
		assert.equal(final.phase, 'rolled-back');
		assert.deepEqual(world.writes, [[50, 50], [100, 0]]);
	});

	it('a pause during a write takes effect after it; stop() waits for the write', async () => {
		const world = setup();
		world.holdNextWrite();
		world.driver.start();
		// The first step's write has started and is held: nothing written, no state reported yet.
		await waitFor(() => world.writeHeld);
		assert.deepEqual([world.states.length, world.writes.length], [0, 0]);
		world.driver.pause();
		const stopping = world.driver.stop();
		let stopped = false;
		void stopping.then(() => {
			stopped = true;
		});
		await new Promise(resolve => {
			setImmediate(resolve);
		});
		assert.equal(stopped, false, 'stop waits for the write in flight');
		world.releaseWrite();
		const state = await stopping;
		assert.deepEqual(world.writes, [[50, 50]]);
		assert.equal(state?.position, 1);
		assert.equal(state?.phase, 'paused');
		world.clock.advanceTo(10_000);
		await new Promise(resolve => {
			setImmediate(resolve);
		});
		assert.equal(world.writes.length, 1, 'nothing is written after stop');
	});

	it('a failed write pauses with the error; resume retries it', async () => {
		let fail = true;
		const world = setup({applyFails: () => fail});
		world.driver.start();
		await waitFor(() => world.driver.state.phase === 'paused');
		assert.match(world.driver.state.reason ?? '', /write failed: conflict/);
		fail = false;
		world.driver.resume();
		await waitFor(() => world.writes.length === 1);
		assert.deepEqual(world.writes, [[50, 50]]);
		await world.driver.stop();
	});

	it('promote writes the target weight at once', async () => {
		const world = setup();
		world.driver.start();
		await waitFor(() => world.writes.length === 1);
		world.driver.promote();
		const final = await world.driver.done;
		assert.equal(final.phase, 'completed');
		assert.deepEqual(world.writes, [[50, 50], [0, 100]]);
		assert.equal(world.fetches, 0);
	});
});
