/**
 * DestinationRule objects from the API → the little meshtop needs of them, tolerant of malformed entries
 * (a broken rule must not hide the VirtualService; its subsets just do not count).
 */
import type {DestinationRuleInfo} from './virtual-service.js';
import {isRecord} from '../util/guards.js';


/** Host and subsets of a DestinationRule object; undefined when it has no `spec.host`. Subsets without a name are skipped. */
export function destinationRuleInfo(object: unknown): DestinationRuleInfo | undefined {
	const spec = isRecord(object) ? object['spec'] : undefined;
	if (!isRecord(spec) || typeof spec['host'] !== 'string' || spec['host'] === '') {
		return undefined;
	}

	const subsets: DestinationRuleInfo['subsets'] = [];
	for (const subset of Array.isArray(spec['subsets']) ? spec['subsets'] as unknown[] : []) {
		if (!isRecord(subset) || typeof subset['name'] !== 'string' || subset['name'] === '') {
			continue;
		}

		const labels: Record<string, string> = {};
		if (isRecord(subset['labels'])) {
			for (const [key, value] of Object.entries(subset['labels'])) {
				if (typeof value === 'string') {
					labels[key] = value;
				}
			}
		}

		subsets.push({name: subset['name'], labels});
	}

	return {host: spec['host'], subsets};
}
