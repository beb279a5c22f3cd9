/**
 * Bounded time series of samples per version for sparklines and charts: memory stays constant however long the console
 * runs. A value, not a buffer: adding a sample returns a new history, so the console's reducer stays pure and React can
 * compare histories by identity.
 */

/**
 * Per-key bounded series (keys not in a sample get null so series stay aligned in time; a key first seen late is
 * back-filled with nulls: index i of every series is the same refresh). Immutable: {@link withSample} returns a new one.
 */
export class SeriesHistory {
	readonly #capacity: number;
	readonly #series: ReadonlyMap<string, readonly (number | null)[]>;
	readonly #length: number;

	/** @param capacity Samples kept per key (e.g. the chart width). A positive integer. */
	constructor(capacity: number, series: ReadonlyMap<string, readonly (number | null)[]> = new Map(), length = 0) {
		if (!Number.isInteger(capacity) || capacity < 1) {
			throw new RangeError(`SeriesHistory capacity must be a positive integer (got ${capacity})`);
		}

		this.#capacity = capacity;
		this.#series = series;
		this.#length = length;
	}

	/** A new history with one more refresh: a value (or null = no data) per key; the oldest sample drops beyond the capacity. */
	withSample(sample: Readonly<Record<string, number | null>>): SeriesHistory {
		const keys = [...this.#series.keys(), ...Object.keys(sample).filter(key => !this.#series.has(key))];
		const length = Math.min(this.#length + 1, this.#capacity);
		const series = new Map<string, readonly (number | null)[]>();
		for (const key of keys) {
			const previous = this.#series.get(key) ?? Array.from<null>({length: this.#length}).fill(null);
			const value = Object.hasOwn(sample, key) ? sample[key] ?? null : null;
			series.set(key, Object.freeze([...previous, value].slice(-length)));
		}

		return new SeriesHistory(this.#capacity, series, length);
	}

	/** An empty history of the same capacity (another VirtualService was picked). */
	cleared(): SeriesHistory {
		return new SeriesHistory(this.#capacity);
	}

	/** The values of `key`, oldest first, `length` long; all null for a key never pushed. */
	series(key: string): readonly (number | null)[] {
		return this.#series.get(key) ?? Array.from<null>({length: this.#length}).fill(null);
	}

	/** Keys in the order they were first pushed. */
	keys(): string[] {
		return [...this.#series.keys()];
	}

	/** Number of samples held per key, at most the capacity. */
	get length(): number {
		return this.#length;
	}

	/** Maximum number of samples held per key. */
	get capacity(): number {
		return this.#capacity;
	}
}
