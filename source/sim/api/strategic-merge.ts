/**
 * A small strategic merge patch (the patch type kubectl sends for built-in kinds) covering the lists of
 * the core kinds the sim serves: lists with a merge key merge element-wise, `$patch: delete|replace`,
 * `$retainKeys`, `$deleteFromPrimitiveList/<field>` and `$setElementOrder/<field>` are honoured.
 * Lists without a known merge key are replaced, like a JSON merge patch.
 */
import {isRecord as isObject} from '../../util/guards.js';

type JsonObject = Record<string, unknown>;

/** The merge key of a list field, given the field name and the name of the list it sits in (if any). */
function mergeKeyFor(field: string, parentList: string | undefined): string | undefined {
	if (field === 'ports') {
		return parentList === 'containers' || parentList === 'initContainers' ? 'containerPort' : 'port';
	}
	const keys: Record<string, string> = {
		containers: 'name',
		initContainers: 'name',
		env: 'name',
		volumes: 'name',
		volumeMounts: 'mountPath',
		conditions: 'type',
		imagePullSecrets: 'name',
		ownerReferences: 'uid',
		tolerations: 'key',
	};
	return keys[field];
}

function setOwn(object: JsonObject, key: string, value: unknown): void {
	Object.defineProperty(object, key, {value, enumerable: true, writable: true, configurable: true});
}

function withoutDirectives(value: unknown): unknown {
	if (Array.isArray(value)) {
		return value.filter(item => !(isObject(item) && item.$patch === 'delete')).map(item => withoutDirectives(item));
	}
	if (isObject(value)) {
		const result: JsonObject = {};
		for (const [key, item] of Object.entries(value)) {
			if (!key.startsWith('$')) {
				setOwn(result, key, withoutDirectives(item));
			}
		}
		return result;
	}
	return value;
}

function mergeList(original: unknown[], patch: unknown[], key: string, field: string): unknown[] {
	const result = structuredClone(original);
	for (const item of patch) {
		if (!isObject(item)) {
			continue;
		}
		const index = result.findIndex(candidate => isObject(candidate) && candidate[key] === item[key]);
		if (item.$patch === 'delete') {
			if (index !== -1) {
				result.splice(index, 1);
			}
		} else if (index === -1) {
			result.push(withoutDirectives(item));
		} else {
			result[index] = mergeObject(result[index] as JsonObject, item, field);
		}
	}
	return result;
}

function mergeObject(original: JsonObject, patch: JsonObject, listName: string | undefined): unknown {
	if (patch.$patch === 'replace') {
		return withoutDirectives(patch);
	}
	if (patch.$patch === 'delete') {
		return undefined;
	}
	const result: JsonObject = structuredClone(original);
	if (Array.isArray(patch.$retainKeys)) {
		for (const key of Object.keys(result)) {
			if (!patch.$retainKeys.includes(key)) {
				delete result[key];
			}
		}
	}
	for (const [key, value] of Object.entries(patch)) {
		if (key.startsWith('$deleteFromPrimitiveList/') && Array.isArray(value)) {
			const field = key.slice('$deleteFromPrimitiveList/'.length);
			const list = result[field];
			if (Array.isArray(list)) {
				setOwn(result, field, list.filter(item => !value.includes(item)));
			}
			continue;
		}
		if (key.startsWith('$')) {
			continue;
		}
		const current = Object.hasOwn(result, key) ? result[key] : undefined;
		if (value === null) {
			delete result[key];
		} else if (isObject(value) && isObject(current)) {
			const merged = mergeObject(current, value, listName);
			if (merged === undefined) {
				delete result[key];
			} else {
				setOwn(result, key, merged);
			}
		} else if (Array.isArray(value) && Array.isArray(current) && mergeKeyFor(key, listName) !== undefined) {
			setOwn(result, key, mergeList(current, value, mergeKeyFor(key, listName) ?? '', key));
		} else {
			setOwn(result, key, withoutDirectives(value));
		}
	}
	return result;
}

/** Applies a strategic merge patch to a JSON document and returns the new document. */
export function applyStrategicMergePatch(target: unknown, patch: unknown): unknown {
	if (!isObject(patch) || !isObject(target)) {
		return withoutDirectives(patch);
	}
	return mergeObject(target, patch, undefined) ?? {};
}
