/**
 * Structural check of an HTTPRoute from the API: enough that the split model can trust the shapes it reads, with messages
 * naming the field. The API server's schema and CEL rules are the real validation; this guards against the unexpected.
 */
import type {RouteObject} from './virtual-service.js';
import {isRecord} from '../util/guards.js';

function backendProblems(backends: unknown, path: string): string[] {
	if (backends === undefined) {
		return [];
	}

	if (!Array.isArray(backends)) {
		return [`${path} must be a list`];
	}

	return backends.flatMap((backend, index): string[] => {
		const at = `${path}[${index}]`;
		if (!isRecord(backend)) {
			return [`${at} must be an object`];
		}

		const problems: string[] = [];
		if (typeof backend['name'] !== 'string' || backend['name'] === '') {
			problems.push(`${at}.name must be a non-empty string`);
		}

		const weight = backend['weight'];
		if (weight !== undefined && !(Number.isInteger(weight) && (weight as number) >= 0)) {
			problems.push(`${at}.weight must be a non-negative integer (got ${JSON.stringify(weight)})`);
		}

		return problems;
	});
}

/** Checks an HTTPRoute object; every problem is reported, not just the first. */
export function validateHttpRoute(object: unknown): {ok: true; vs: RouteObject} | {ok: false; errors: string[]} {
	if (!isRecord(object)) {
		return {ok: false, errors: ['HTTPRoute must be an object']};
	}

	const errors: string[] = [];
	if (typeof object['apiVersion'] !== 'string' || !object['apiVersion'].startsWith('gateway.networking.k8s.io/')) {
		errors.push(`apiVersion must be gateway.networking.k8s.io/<version> (got ${JSON.stringify(object['apiVersion'])})`);
	}

	const metadata = object['metadata'];
	if (!isRecord(metadata) || typeof metadata['name'] !== 'string' || metadata['name'] === '') {
		errors.push('metadata.name must be a non-empty string');
	}

	const spec = object['spec'];
	if (!isRecord(spec)) {
		errors.push('spec must be an object');
	} else if (spec['rules'] !== undefined) {
		if (Array.isArray(spec['rules'])) {
			for (const [index, rule] of spec['rules'].entries()) {
				if (isRecord(rule)) {
					errors.push(...backendProblems(rule['backendRefs'], `spec.rules[${index}].backendRefs`));
				} else {
					errors.push(`spec.rules[${index}] must be an object`);
				}
			}
		} else {
			errors.push('spec.rules must be a list');
		}
	}

	return errors.length === 0 ? {ok: true, vs: object as RouteObject} : {ok: false, errors};
}
