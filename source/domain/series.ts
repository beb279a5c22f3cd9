/**
 * Bounded time series of samples per version for sparklines and charts: memory stays constant however long the console runs.
 */

/** Fixed-capacity ring buffer (O(1) push, no array growth), oldest first on read. */
export class RingBuffer<T> {
	readonly #items: (T | undefined)[];
	#start = 0;
	#length = 0;

	/** @param capacity How many values are kept; the oldest is dropped beyond it. A positive integer. */
	constructor(capacity: number) {
		if (!Number.isInteger(capacity) || capacity < 1) {
			throw new RangeError(`RingBuffer capacity must be a positive integer (got ${capacity})`);
		}

		this.#items = Array.from<T | undefined>({length: capacity});
	}

	/** Appends a value, overwriting the oldest when full. */
	push(value: T): void {
		const capacity = this.#items.length;
		if (this.#length < capacity) {
			this.#items[(this.#start + this.#length) % capacity] = value;
			this.#length++;
			return;
		}

		this.#items[this.#start] = value;
		this.#start = (this.#start + 1) % capacity;
	}

	/** Number of values held, at most the capacity. */
	get length(): number {
		return this.#length;
	}

	/** Maximum number of values held. */
	get capacity(): number {
		return this.#items.length;
	}

	/** A copy of the values, oldest first. */
	toArray(): T[] {
		const capacity = this.#items.length;
		const result: T[] = [];
		for (let offset = 0; offset < this.#length; offset++) {
			result.push(this.#items[(this.#start + offset) % capacity] as T);
		}

		return result;
	}

	/** The newest value, or undefined when empty. */
	last(): T | undefined {
		if (this.#length === 0) {
			return undefined;
		}

		return this.#items[(this.#start + this.#length - 1) % this.#items.length];
	}

	/** Drops every value (the capacity stays). */
	clear(): void {
		this.#items.fill(undefined);
		this.#start = 0;
		this.#length = 0;
	}
}

/**
 * Per-key bounded series (one RingBuffer per version key, created on demand; keys not pushed in a sample get null so
 * series stay aligned in time). A key first seen late is back-filled with nulls: index i of every series is the same refresh.
 */
export class SeriesSet {
	readonly #capacity: number;
	readonly #buffers = new Map<string, RingBuffer<number | null>>();
	#length = 0;

	/** @param capacity Samples kept per key (e.g. the chart width). A positive integer. */
	constructor(capacity: number) {
		if (!Number.isInteger(capacity) || capacity < 1) {
			throw new RangeError(`SeriesSet capacity must be a positive integer (got ${capacity})`);
		}

		this.#capacity = capacity;
	}

	/** Records one refresh: a value (or null = no data) per key. */
	push(sample: Readonly<Record<string, number | null>>): void {
		for (const key of Object.keys(sample)) {
			if (!this.#buffers.has(key)) {
				const buffer = new RingBuffer<number | null>(this.#capacity);
				for (let index = 0; index < this.#length; index++) {
					buffer.push(null);
				}

				this.#buffers.set(key, buffer);
			}
		}

		for (const [key, buffer] of this.#buffers) {
			buffer.push(Object.hasOwn(sample, key) ? sample[key] ?? null : null);
		}

		this.#length = Math.min(this.#length + 1, this.#capacity);
	}

	/** The values of `key`, oldest first, `length` long; all null for a key never pushed. */
	series(key: string): (number | null)[] {
		return this.#buffers.get(key)?.toArray() ?? Array.from<null>({length: this.#length}).fill(null);
	}

	/** Keys in the order they were first pushed. */
	keys(): string[] {
		return [...this.#buffers.keys()];
	}

	/** Number of samples held per key, at most the capacity. */
	get length(): number {
		return this.#length;
	}

	/** Maximum number of samples held per key. */
	get capacity(): number {
		return this.#capacity;
	}

	/** Drops every key and sample (e.g. when the user switches VirtualService). */
	clear(): void {
		this.#buffers.clear();
		this.#length = 0;
	}
}
