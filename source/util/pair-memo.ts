/**
 * Values computed from a pair of objects, remembered weakly under both: an entry goes when either object is collected.
 * A value must not refer to either object of its pair, or it would keep it (and what it refers to) alive.
 */
export class PairMemo<First extends object, Second extends object, Value> {
	readonly #byFirst = new WeakMap<First, WeakMap<Second, Value>>();

	/**
	 * The value for (`first`, `second`): `compute(first, second)` the first time. Pass a function made once, not a new
	 * closure per call: this runs on every frame's row joins.
	 */
	get(first: First, second: Second, compute: (first: First, second: Second) => Value): Value {
		let bySecond = this.#byFirst.get(first);
		if (bySecond === undefined) {
			bySecond = new WeakMap();
			this.#byFirst.set(first, bySecond);
		}

		if (bySecond.has(second)) {
			return bySecond.get(second) as Value;
		}

		const value = compute(first, second);
		bySecond.set(second, value);
		return value;
	}
}
