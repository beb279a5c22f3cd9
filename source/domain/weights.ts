/**
 * The split model: a split is an array of integer weights (percent) aligned with a route's destinations, summing to 100.
 * meshtop always writes sums of 100 because Istio before 1.15 rejected anything else, while reading relative weights (1.15+).
 */

/**
 * Distributes the integer `total` over `shares` in proportion, by largest remainder (Hamilton's method).
 * Ties go to the lower index so results are deterministic and the same keypress always gives the same split.
 * All shares zero (or none) gives all zeros: there is no proportion to follow; callers decide what that means.
 * For integer shares the arithmetic is exact (no floating-point 49.999… surprises).
 */
export function apportion(total: number, shares: readonly number[]): number[] {
	const sum = shares.reduce((accumulator, share) => accumulator + share, 0);
	if (!(sum > 0)) {
		return shares.map(() => 0);
	}

	const floors: number[] = [];
	const remainders: number[] = [];
	for (const share of shares) {
		const numerator = total * share;
		const floor = Math.floor(numerator / sum);
		floors.push(floor);
		// Same denominator for every share, so comparing numerators compares the fractional parts.
		remainders.push(numerator - (floor * sum));
	}

	let left = total - floors.reduce((accumulator, floor) => accumulator + floor, 0);
	const order = shares.map((_, index) => index).sort((a, b) => (remainders[b] ?? 0) - (remainders[a] ?? 0) || a - b);
	for (const index of order) {
		if (left <= 0) {
			break;
		}

		floors[index] = (floors[index] ?? 0) + 1;
		left--;
	}

	return floors;
}

function sumOf(values: readonly number[]): number {
	return values.reduce((accumulator, value) => accumulator + value, 0);
}

function isSplit(weights: readonly number[]): boolean {
	return weights.every(weight => Number.isInteger(weight) && weight >= 0) && sumOf(weights) === 100;
}

/**
 * Missing weights: a single destination without weight = 100; several: Istio treats unset as 0.
 * Relative weights (Istio 1.15+: any positive sum) are scaled to sum 100 with largest-remainder rounding;
 * all-zero/empty stays as is (all zero).
 * A single destination is always 100 whatever its weight says, because Envoy gets a plain cluster (no weighted clusters) then.
 * Negative or non-finite values (invalid for Istio) count as 0 so the result is always a usable split.
 */
export function normalizeWeights(weights: readonly (number | undefined)[]): number[] {
	if (weights.length === 1) {
		return [100];
	}

	const cleaned = weights.map(weight => (weight !== undefined && Number.isFinite(weight) && weight > 0 ? weight : 0));
	if (isSplit(cleaned)) {
		return cleaned;
	}

	return apportion(100, cleaned);
}

/**
 * Moves `delta` points (positive = toward `index`) between destination `index` and the others.
 * Taking: the others give in proportion to their weights (largest-remainder rounding, ties to the lower index), never below 0;
 * the selected one never above 100. Giving back (negative delta): the others receive in proportion to their current weights;
 * if they are all 0, equally (largest remainder). Sum always stays 100; a no-op when nothing can move. Works for 1..N destinations.
 * Input that is not a split (e.g. raw relative weights) is normalized first, so the sum invariant holds whatever the caller passes.
 * `delta` is truncated to an integer because weights are integers.
 * `fixed[i]` true marks a destination whose weight must stay exactly as it is (an HTTPRoute backend of another kind):
 * it neither gives nor takes, and the others move within what is left (a fixed selected destination moves nothing).
 */
export function shiftWeights(weights: readonly number[], index: number, delta: number, fixed: readonly boolean[] = []): number[] {
	const split = isSplit(weights) ? [...weights] : normalizeWeights(weights);
	if (!fixed.some(Boolean)) {
		return shiftWithin(split, index, delta);
	}

	if (fixed[index] === true) {
		return split;
	}

	// Shift among the movable destinations only; the fixed ones keep their weight, so the sum stays 100.
	const movable = split.map((_, position) => position).filter(position => fixed[position] !== true);
	const shifted = shiftWithin(movable.map(position => split[position] ?? 0), movable.indexOf(index), delta);
	for (const [position, original] of movable.entries()) {
		split[original] = shifted[position] ?? 0;
	}

	return split;
}

/** shiftWeights on a part of a split: the sum of `split` (whatever it is) is kept, nothing goes below 0. */
function shiftWithin(weights: readonly number[], index: number, delta: number): number[] {
	const split = [...weights];
	const selected = split[index];
	const amount = Math.trunc(delta);
	if (selected === undefined || !Number.isInteger(index) || amount === 0 || !Number.isFinite(amount)) {
		return split;
	}

	const otherIndexes = split.map((_, position) => position).filter(position => position !== index);
	const others = otherIndexes.map(position => split[position] ?? 0);
	if (amount > 0) {
		// What the others hold is exactly what the selected one may still gain (the sum is kept).
		const moved = Math.min(amount, sumOf(others));
		const given = apportion(moved, others);
		for (const [position, otherIndex] of otherIndexes.entries()) {
			split[otherIndex] = (split[otherIndex] ?? 0) - (given[position] ?? 0);
		}

		split[index] = selected + moved;
		return split;
	}

	const moved = Math.min(-amount, selected);
	if (moved === 0 || otherIndexes.length === 0) {
		return split;
	}

	const basis = sumOf(others) > 0 ? others : others.map(() => 1);
	const received = apportion(moved, basis);
	for (const [position, otherIndex] of otherIndexes.entries()) {
		split[otherIndex] = (split[otherIndex] ?? 0) + (received[position] ?? 0);
	}

	split[index] = selected - moved;
	return split;
}

/** Step sizes the user cycles through with [ and ]. */
export const stepSizes: readonly number[] = Object.freeze([1, 5, 10, 25]);

/**
 * The next step size in `direction` (1 = larger, -1 = smaller), stopping at the ends rather than wrapping,
 * so holding ] never jumps from 25 back to 1 in the middle of a migration.
 * A step that is not in the list moves to the nearest listed size in that direction.
 */
export function nextStep(step: number, direction: 1 | -1): number {
	const first = stepSizes[0] ?? 1;
	const last = stepSizes.at(-1) ?? first;
	if (direction === 1) {
		return stepSizes.find(size => size > step) ?? last;
	}

	return [...stepSizes].reverse().find(size => size < step) ?? first;
}

/** Result of {@link parseAssignments}: weights for every known key, or a message the user can act on. */
export type ParsedAssignments = {ok: true; weights: Record<string, number>} | {ok: false; error: string};

/**
 * Parses `v1=50 v3=50` style assignments against known keys; omitted keys get 0;
 * errors for unknown keys, non-integers, negatives, sums != 100.
 * Arguments may also be comma-separated (`v1=50,v3=50`) and values may end in `%`, as people type them in shells.
 * `fixed` holds the keys whose weight cannot change (read-only backends) with that weight and why: omitted they keep
 * it, assigned another value they are an error naming the reason; they count in the sum.
 */
export function parseAssignments(args: readonly string[], keys: readonly string[], fixed: Readonly<Record<string, {weight: number; reason: string}>> = {}): ParsedAssignments {
	const parts = args.flatMap(argument => argument.split(/[\s,]+/)).filter(part => part !== '');
	if (parts.length === 0) {
		return {ok: false, error: `no weights given; expected assignments like ${keys.map(key => `${key}=…`).join(' ') || 'v1=50 v2=50'}`};
	}

	const weights: Record<string, number> = Object.fromEntries(keys.map(key => [key, fixed[key]?.weight ?? 0]));
	const seen = new Set<string>();
	for (const part of parts) {
		const equals = part.lastIndexOf('=');
		if (equals <= 0) {
			return {ok: false, error: `"${part}" is not an assignment; expected VERSION=WEIGHT, e.g. ${keys[0] ?? 'v1'}=50`};
		}

		const key = part.slice(0, equals);
		const text = part.slice(equals + 1).replace(/%$/, '');
		if (!keys.includes(key)) {
			return {ok: false, error: `unknown version "${key}"; known: ${keys.join(', ') || '(none)'}`};
		}

		if (seen.has(key)) {
			return {ok: false, error: `version "${key}" is assigned twice`};
		}

		seen.add(key);
		if (/^-\d+$/.test(text)) {
			return {ok: false, error: `weight of ${key} must not be negative (got ${text})`};
		}

		if (!/^\d+$/.test(text)) {
			return {ok: false, error: `weight of ${key} must be an integer percentage (got "${text}")`};
		}

		const kept = fixed[key];
		if (kept !== undefined && Number(text) !== kept.weight) {
			return {ok: false, error: `${key} is read-only (${kept.reason}): its weight stays ${kept.weight}`};
		}

		weights[key] = Number(text);
	}

	const total = sumOf(Object.values(weights));
	if (total !== 100) {
		const kept = Object.entries(fixed).filter(([key]) => keys.includes(key)).map(([key, value]) => `${key}=${value.weight}`);
		return {ok: false, error: `weights must sum to 100 (got ${total}${kept.length === 0 ? '' : `, with read-only ${kept.join(', ')}`})`};
	}

	return {ok: true, weights};
}
