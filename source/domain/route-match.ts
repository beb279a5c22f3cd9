import {isRecord} from '../util/guards.js';
/**
 * One-line summaries of Istio match blocks, so the user can tell several http routes apart ("which one gets jason?").
 */


/** `{exact: "jason"}` → "exact jason"; an empty StringMatch (header present) → "present". */
function stringMatch(value: unknown): string {
	if (!isRecord(value)) {
		return String(value);
	}

	const entries = Object.entries(value);
	if (entries.length === 0) {
		return 'present';
	}

	return entries.map(([kind, text]) => `${kind} ${String(text)}`).join(' ');
}

function mapMatches(label: string, value: unknown): string[] {
	if (!isRecord(value)) {
		return [];
	}

	return Object.entries(value).map(([name, match]) => `${label} ${name} ${stringMatch(match)}`);
}

function labelsText(label: string, value: unknown): string[] {
	if (!isRecord(value)) {
		return [];
	}

	const pairs = Object.entries(value).map(([name, text]) => `${name}=${String(text)}`);
	return pairs.length > 0 ? [`${label} ${pairs.join(',')}`] : [];
}

function listText(label: string, value: unknown): string[] {
	return Array.isArray(value) && value.length > 0 ? [`${label} ${value.map(String).join(',')}`] : [];
}

/** Conditions of one match block, ANDed by Istio. Unknown fields are named so nothing is silently hidden. */
function conditions(block: Record<string, unknown>): string[] {
	const parts: string[] = [];
	for (const [field, value] of Object.entries(block)) {
		switch (field) {
			case 'name': {
				break;
			}

			case 'uri':
			case 'scheme':
			case 'method':
			case 'authority': {
				parts.push(`${field} ${stringMatch(value)}`);
				break;
			}

			case 'headers': {
				parts.push(...mapMatches('headers', value));
				break;
			}

			case 'withoutHeaders': {
				parts.push(...mapMatches('without headers', value));
				break;
			}

			case 'queryParams': {
				parts.push(...mapMatches('query', value));
				break;
			}

			case 'port': {
				parts.push(`port ${String(value)}`);
				break;
			}

			case 'sourceLabels': {
				parts.push(...labelsText('source', value));
				break;
			}

			case 'sourceNamespace': {
				parts.push(`source namespace ${String(value)}`);
				break;
			}

			case 'gateways': {
				parts.push(...listText('gateways', value));
				break;
			}

			case 'sniHosts': {
				parts.push(...listText('sni', value));
				break;
			}

			case 'destinationSubnets': {
				parts.push(...listText('subnets', value));
				break;
			}

			case 'ignoreUriCase': {
				if (value === true) {
					parts.push('ignoring uri case');
				}

				break;
			}

			default: {
				parts.push(field);
			}
		}
	}

	return parts;
}

/**
 * Human summary of a route's `match` list: blocks are ORed (" or "), conditions within a block ANDed (", ").
 * No match list means the route catches everything left: "default".
 */
export function summarizeMatch(match: unknown): string {
	if (!Array.isArray(match) || match.length === 0) {
		return 'default';
	}

	const blocks = match
		.filter(block => isRecord(block))
		.map(block => conditions(block).join(', '))
		.map(text => (text === '' ? 'any' : text));
	return blocks.length > 0 ? blocks.join(' or ') : 'default';
}
