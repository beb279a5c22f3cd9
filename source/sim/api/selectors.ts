import {badRequest} from './status.js';

/** One requirement of a label selector, e.g. `app in (a,b)` or `!canary`. */
export interface LabelRequirement {
	key: string;
	operator: '=' | '!=' | 'in' | 'notin' | 'exists' | '!';
	values: string[];
}

const setPattern = /^([^\s!=()]+)\s+(in|notin)\s+\(([^)]*)\)$/;

/** Splits on commas that are not inside parentheses (`a in (x,y),b=c`). */
function splitTopLevel(selector: string): string[] {
	const parts: string[] = [];
	let depth = 0;
	let current = '';
	for (const char of selector) {
		if (char === '(') {
			depth++;
		} else if (char === ')') {
			depth--;
		}
		if (char === ',' && depth === 0) {
			parts.push(current);
			current = '';
		} else {
			current += char;
		}
	}
	parts.push(current);
	return parts.map(part => part.trim()).filter(part => part !== '');
}

/**
 * Parses a Kubernetes label selector (`=`, `==`, `!=`, `in`, `notin`, `key`, `!key`).
 * Throws a 400 StatusError on syntax the real server would also reject.
 */
export function parseLabelSelector(selector: string): LabelRequirement[] {
	return splitTopLevel(selector).map(part => {
		const set = setPattern.exec(part);
		if (set) {
			const values = (set[3] ?? '').split(',').map(value => value.trim()).filter(value => value !== '');
			return {key: set[1] ?? '', operator: set[2] === 'in' ? 'in' : 'notin', values};
		}
		const inequality = /^([^\s!=]+)\s*!=\s*(\S*)$/.exec(part);
		if (inequality) {
			return {key: inequality[1] ?? '', operator: '!=', values: [inequality[2] ?? '']};
		}
		const equality = /^([^\s!=]+)\s*==?\s*(\S*)$/.exec(part);
		if (equality) {
			return {key: equality[1] ?? '', operator: '=', values: [equality[2] ?? '']};
		}
		const absent = /^!\s*([^\s!=()]+)$/.exec(part);
		if (absent) {
			return {key: absent[1] ?? '', operator: '!', values: []};
		}
		if (/^[^\s!=()]+$/.test(part)) {
			return {key: part, operator: 'exists', values: []};
		}
		throw badRequest(`unable to parse requirement: found '${part}', expected: in, notin, =, ==, !=, gt, lt`);
	});
}

/** True when `labels` satisfy every requirement (an empty selector matches everything). */
export function matchesLabels(requirements: LabelRequirement[], labels: Record<string, string> | undefined): boolean {
	const actual = labels ?? {};
	return requirements.every(requirement => {
		const has = Object.hasOwn(actual, requirement.key);
		const value = actual[requirement.key];
		switch (requirement.operator) {
			case '=': {
				return has && value === requirement.values[0];
			}
			case '!=': {
				return !has || value !== requirement.values[0];
			}
			case 'in': {
				return has && requirement.values.includes(value ?? '');
			}
			case 'notin': {
				return !has || !requirement.values.includes(value ?? '');
			}
			case 'exists': {
				return has;
			}
			case '!': {
				return !has;
			}
		}
		return false;
	});
}

/** One `field=value` / `field!=value` term of a field selector. */
export interface FieldRequirement {
	field: string;
	negated: boolean;
	value: string;
}

/** Parses a field selector (`metadata.name=x,involvedObject.name!=y`). */
export function parseFieldSelector(selector: string): FieldRequirement[] {
	return selector.split(',').map(part => part.trim()).filter(part => part !== '').map(part => {
		const match = /^([^!=\s]+)\s*(!=|==|=)\s*(.*)$/.exec(part);
		if (!match) {
			throw badRequest(`invalid selector: '${selector}'; can't understand '${part}'`);
		}
		return {field: match[1] ?? '', negated: match[2] === '!=', value: match[3] ?? ''};
	});
}

function fieldValue(object: Record<string, unknown>, path: string): string {
	let current: unknown = object;
	for (const segment of path.split('.')) {
		if (current === null || typeof current !== 'object') {
			return '';
		}
		current = (current as Record<string, unknown>)[segment];
	}
	return current === undefined || current === null ? '' : String(current);
}

/** True when the object's fields satisfy every term (any dotted field path is supported). */
export function matchesFields(requirements: FieldRequirement[], object: Record<string, unknown>): boolean {
	return requirements.every(requirement => (fieldValue(object, requirement.field) === requirement.value) !== requirement.negated);
}
