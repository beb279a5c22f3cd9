/**
 * `meshtop set` accepts a version by its key (the Service name of an HTTPRoute backend, `reviews-v3`) or by its
 * `version` label (`v3`), as people think of versions; a label names a version only when exactly one has it.
 */
import type {Destination} from './virtual-service.js';

/** Rewrites `LABEL=W` assignments to `KEY=W` where LABEL is not a key but the label of exactly one destination. */
export function resolveVersionAliases(assignments: readonly string[], destinations: readonly Pick<Destination, 'key' | 'label'>[]): string[] {
	const keys = new Set(destinations.map(destination => destination.key));
	const byLabel = new Map<string, string[]>();
	for (const destination of destinations) {
		if (destination.label !== undefined) {
			byLabel.set(destination.label, [...(byLabel.get(destination.label) ?? []), destination.key]);
		}
	}

	return assignments.flatMap(argument => argument.split(/[\s,]+/)).filter(part => part !== '').map(part => {
		const equals = part.lastIndexOf('=');
		const name = equals <= 0 ? part : part.slice(0, equals);
		const targets = byLabel.get(name);
		return keys.has(name) || targets?.length !== 1 ? part : `${targets[0]!}${part.slice(equals)}`;
	});
}
