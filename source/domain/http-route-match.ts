/**
 * Human summary of an HTTPRoute rule's `matches` (Gateway API semantics: matches are ORed, the conditions of one match
 * ANDed), in the same words as the VirtualService summary so both kinds read alike on screen.
 */
import {isRecord} from '../util/guards.js';

function pathText(path: unknown): string | undefined {
	if (!isRecord(path) || typeof path['value'] !== 'string') {
		return undefined;
	}

	const type = typeof path['type'] === 'string' ? path['type'] : 'PathPrefix';
	const word = type === 'Exact' ? 'exact' : (type === 'RegularExpression' ? 'regex' : 'prefix');
	// `PathPrefix /` is what the API server defaults an empty match to: it matches everything.
	return type === 'PathPrefix' && path['value'] === '/' ? undefined : `uri ${word} ${path['value']}`;
}

function pairs(kind: string, list: unknown): string[] {
	if (!Array.isArray(list)) {
		return [];
	}

	return list.filter(entry => isRecord(entry)).map(entry => {
		const type = entry['type'] === 'RegularExpression' ? 'regex' : 'exact';
		return `${kind} ${String(entry['name'])} ${type} ${String(entry['value'])}`;
	});
}

function conditions(match: Record<string, unknown>): string[] {
	const parts: string[] = [];
	const path = pathText(match['path']);
	if (path !== undefined) {
		parts.push(path);
	}

	parts.push(...pairs('headers', match['headers']), ...pairs('query', match['queryParams']));
	if (typeof match['method'] === 'string') {
		parts.push(`method ${match['method']}`);
	}

	return parts;
}

/** "headers end-user exact jason" or "default" (no matches, or only the `PathPrefix /` the API server defaults). */
export function summarizeHttpRouteMatches(matches: unknown): string {
	if (!Array.isArray(matches) || matches.length === 0) {
		return 'default';
	}

	const blocks = matches.filter(block => isRecord(block)).map(block => conditions(block).join(', '));
	if (blocks.length === 0 || blocks.some(block => block === '')) {
		// One match that matches everything makes the whole rule a catch-all.
		return 'default';
	}

	return blocks.join(' or ');
}
