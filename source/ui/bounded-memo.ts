/**
 * A bounded memory of computed values for the console's frames, in two generations: lookups hit the current map,
 * then the previous one (and a hit there moves into the current one); when the current map is full it becomes the
 * previous one and the oldest generation is dropped. What the frames still use survives each turnover, what they
 * stopped using is gone after two, and no lookup pays for LRU bookkeeping. At most 2 × capacity entries are held.
 * (The same scheme as quick-lru, which Ink uses for wrapped text; this one is ours so the widths need no dependency.)
 */
export class BoundedMemo<K, V> {
	/** Entries per generation. */
	readonly capacity: number;
	#current = new Map<K, V>();
	#previous = new Map<K, V>();

	constructor(capacity: number) {
		this.capacity = Math.max(1, Math.floor(capacity));
	}

	/** The value remembered for `key`, or undefined. */
	get(key: K): V | undefined {
		const value = this.#current.get(key);
		if (value !== undefined || this.#current.has(key)) {
			return value;
		}

		if (this.#previous.has(key)) {
			const kept = this.#previous.get(key) as V;
			this.#previous.delete(key);
			this.set(key, kept);
			return kept;
		}

		return undefined;
	}

	/** Remembers `value` for `key`, turning the generations over when the current one is full. */
	set(key: K, value: V): this {
		if (!this.#current.has(key) && this.#current.size >= this.capacity) {
			this.#previous = this.#current;
			this.#current = new Map<K, V>();
		}

		this.#current.set(key, value);
		return this;
	}

	/** Entries held now, both generations (at most 2 × capacity). */
	get size(): number {
		return this.#current.size + this.#previous.size;
	}

	/** Forgets everything. */
	clear(): void {
		this.#current = new Map<K, V>();
		this.#previous = new Map<K, V>();
	}
}
