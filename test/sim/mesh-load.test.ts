import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {ObjectStore} from '../../source/sim/api/store.js';
import {seedBookinfo} from '../../source/sim/bookinfo.js';
import {LoadGenerator, type Clock} from '../../source/sim/mesh/load-generator.js';
import {createMesh} from '../../source/sim/mesh/mesh.js';

/** A clock whose time moves only when the test says, and whose timer fires on each advance step. */
class FakeClock implements Clock {
	time = 1_700_000_000_000;
	private readonly timers = new Map<number, {callback: () => void; ms: number; due: number}>();
	private nextId = 1;

	now(): number {
		return this.time;
	}

	setInterval(callback: () => void, ms: number): unknown {
		const id = this.nextId++;
		this.timers.set(id, {callback, ms, due: this.time + ms});
		return id;
	}

	clearInterval(handle: unknown): void {
		this.timers.delete(handle as number);
	}

	get activeTimers(): number {
		return this.timers.size;
	}

	/** Moves time forward, firing due timers in order. */
	advance(ms: number): void {
		const end = this.time + ms;
		for (;;) {
			const next = [...this.timers.values()].filter(timer => timer.due <= end).sort((a, b) => a.due - b.due)[0];
			if (!next) {
				break;
			}

			this.time = next.due;
			next.due += next.ms;
			next.callback();
		}

		this.time = end;
	}
}

describe('load generator', () => {
	it('sends the configured rate on the fake clock, carrying fractions between ticks', () => {
		const clock = new FakeClock();
		let sent = 0;
		const generator = new LoadGenerator({requestsPerSecond: 2.5, clock, tickMs: 100, send: () => sent++});
		generator.start();
		clock.advance(10_000);
		assert.equal(sent, 25);
		generator.requestsPerSecond = 20;
		clock.advance(3000);
		assert.equal(sent, 85);
		generator.stop();
		assert.equal(clock.activeTimers, 0);
		clock.advance(5000);
		assert.equal(sent, 85);
	});

	it('does not burst after a stall longer than its catch-up limit', () => {
		const clock = new FakeClock();
		let sent = 0;
		const generator = new LoadGenerator({requestsPerSecond: 10, clock, send: () => sent++});
		generator.start();
		clock.time += 3_600_000;
		assert.equal(generator.tick(), 50);
		generator.stop();
		assert.equal(sent, 50);
	});

	it('drives the mesh: 20 req/s for 30 s is 600 entry requests and as many details calls', () => {
		const clock = new FakeClock();
		const store = new ObjectStore();
		seedBookinfo(store);
		const mesh = createMesh({store, clock, requestsPerSecond: 20});
		mesh.start();
		clock.advance(30_000);
		mesh.stop();
		clock.advance(1000);
		const stats = mesh.stats();
		assert.equal(stats.entryRequests, 600);
		assert.equal(stats.services['productpage']?.['v1']?.requests, 600);
		assert.equal(stats.services['details']?.['v1']?.requests, 600);
		assert.equal(stats.services['reviews']?.['v1']?.requests, 600);
		assert.equal(stats.services['ratings'], undefined, 'reviews v1 does not call ratings');
	});
});
