/**
 * The confirmation view's text: what a staged split changes, before it is written to the cluster.
 */
import type {Route} from './virtual-service.js';

/**
 * Lines describing a staged change for the confirmation view, e.g. "v1   100 → 50", "v3     0 → 50  (adds destination reviews/v3)".
 * Only versions whose weight changes are listed, keys padded so the arrows line up; no change at all gives [] (nothing to confirm).
 * Keys missing from `weights` mean 0, as in weightPatch. Keys the route does not know and a total other than 100 get a line
 * each, so a mistake is visible in the diff rather than only as an error after Enter.
 */
export function describeChange(route: Route, weights: Readonly<Record<string, number>>): string[] {
	const changed = route.destinations.filter(destination => (weights[destination.key] ?? 0) !== destination.weight);
	const known = new Set(route.destinations.map(destination => destination.key));
	const unknown = Object.keys(weights).filter(key => !known.has(key));
	const width = Math.max(0, ...changed.map(destination => destination.key.length));
	const lines = changed.map(destination => {
		const after = weights[destination.key] ?? 0;
		let line = `${destination.key.padEnd(width)}   ${String(destination.weight).padStart(3)} → ${after}`;
		if (destination.index === undefined && after > 0) {
			line += `  (adds destination ${destination.subset === undefined ? destination.host : `${destination.host}/${destination.subset}`})`;
		} else if (after === 0) {
			line += '  (no traffic; destination kept)';
		}

		return line;
	});
	for (const key of unknown) {
		lines.push(`${key}: not a version of route ${route.name} (ignored)`);
	}

	const total = route.destinations.reduce((sum, destination) => sum + (weights[destination.key] ?? 0), 0);
	if (lines.length > 0 && total !== 100) {
		lines.push(`total ${total}, must be 100`);
	}

	return lines;
}
