import type {Clock} from '../../source/util/clock.js';

/** A clock that only moves when the test says so. */
export class ManualClock implements Clock {
	time = 0;
	private timers: Array<{at: number; callback: () => void; id: number}> = [];
	private nextId = 1;

	now(): number {
		return this.time;
	}

	setTimeout(callback: () => void, ms: number): unknown {
		const id = this.nextId++;
		this.timers.push({at: this.time + ms, callback, id});
		return id;
	}

	clearTimeout(handle: unknown): void {
		this.timers = this.timers.filter(timer => timer.id !== handle);
	}

	get pending(): number {
		return this.timers.length;
	}

	/** Moves to `time`, firing due timers. */
	advanceTo(time: number): void {
		this.time = time;
		const due = this.timers.filter(timer => timer.at <= time);
		this.timers = this.timers.filter(timer => timer.at > time);
		for (const timer of due) {
			timer.callback();
		}
	}
}
