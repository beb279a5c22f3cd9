/**
 * Ink's reconciler compares the old and new props (and styles) of every host element React commits, once a second for
 * most of the console's elements. Its own comparison builds an array of keys and an array of [key, value] pairs per
 * element and per call; this one walks the same keys with no array. The bundle puts it in Ink's place
 * (scripts/bundle-prop-diff.mjs).
 */

/** Props or styles of an Ink host element. */
type Props = Record<string, unknown>;

/**
 * What changed from `before` to `after`, as Ink's `diff` answers: undefined when nothing changed (or both are the same
 * object), `after` itself when there was nothing before, otherwise an object of the keys removed (set to undefined)
 * and the keys whose value changed (set to the new value), in that order.
 */
export function propDiff(before: Props | undefined, after: Props | undefined): Props | undefined {
	if (before === after) {
		return undefined;
	}

	if (!before) {
		return after;
	}

	let changed: Props | undefined;
	for (const key in before) {
		if (Object.hasOwn(before, key) && (after === undefined || after === null || !Object.hasOwn(after, key))) {
			changed ??= {};
			changed[key] = undefined;
		}
	}

	if (after) {
		for (const key in after) {
			if (Object.hasOwn(after, key) && after[key] !== before[key]) {
				changed ??= {};
				changed[key] = after[key];
			}
		}
	}

	return changed;
}
