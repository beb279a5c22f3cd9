import type {PrinterColumn, ServedResource} from './resources.js';
import {valueAt} from './resources.js';
import type {KubeObject} from './store.js';

/** How much of each object a Table row carries (`includeObject` query parameter). */
export type IncludeObject = 'None' | 'Object' | 'Metadata';

/**
 * Go's `duration.HumanDuration` (what `kubectl get` shows under AGE): coarser the older it is.
 */
export function humanDuration(milliseconds: number): string {
	const seconds = Math.floor(milliseconds / 1000);
	if (seconds < -1) {
		return '<invalid>';
	}
	if (seconds < 0) {
		return '0s';
	}
	if (seconds < 120) {
		return `${seconds}s`;
	}
	const minutes = Math.floor(seconds / 60);
	if (minutes < 10) {
		const rest = seconds % 60;
		return rest === 0 ? `${minutes}m` : `${minutes}m${rest}s`;
	}
	if (minutes < 180) {
		return `${minutes}m`;
	}
	const hours = Math.floor(minutes / 60);
	if (hours < 8) {
		const rest = minutes % 60;
		return rest === 0 ? `${hours}h` : `${hours}h${rest}m`;
	}
	if (hours < 48) {
		return `${hours}h`;
	}
	if (hours < 24 * 8) {
		const rest = hours % 24;
		return rest === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${rest}h`;
	}
	if (hours < 24 * 365 * 2) {
		return `${Math.floor(hours / 24)}d`;
	}
	if (hours < 24 * 365 * 8) {
		const days = Math.floor(hours / 24) % 365;
		return days === 0 ? `${Math.floor(hours / 24 / 365)}y` : `${Math.floor(hours / 24 / 365)}y${days}d`;
	}
	return `${Math.floor(hours / 24 / 365)}y`;
}

function age(value: unknown, now: number): unknown {
	if (typeof value !== 'string') {
		return null;
	}
	const time = Date.parse(value);
	return Number.isNaN(time) ? null : humanDuration(now - time);
}

/** A cell as the CRD table convertor renders it: strings as-is, other JSON values as JSON, missing as null. */
function cellFor(column: PrinterColumn, object: KubeObject, now: number): unknown {
	const value = column.cell ? column.cell(object) : valueAt(object, column.jsonPath ?? '');
	if (column.type === 'date' || column.format === 'date') {
		return age(value, now);
	}
	if (value === undefined || value === null) {
		return null;
	}
	if (column.type === 'string' && typeof value !== 'string') {
		return JSON.stringify(value);
	}
	return value;
}

function rowObject(object: KubeObject, include: IncludeObject): unknown {
	if (include === 'Object') {
		return object;
	}
	if (include === 'None') {
		return undefined;
	}
	return {kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: object.metadata};
}

/** Renders objects as a `meta.k8s.io/v1` Table, with the resource's printer columns after NAME. */
export function toTable(resource: ServedResource, objects: KubeObject[], resourceVersion: string, include: IncludeObject, withColumns = true): Record<string, unknown> {
	const now = Date.now();
	const columnDefinitions = [
		{name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace.', priority: 0},
		...resource.columns.map(column => ({name: column.name, type: column.type === 'date' ? 'date' : column.type, format: column.format ?? '', description: column.description, priority: column.priority})),
	];
	return {
		kind: 'Table',
		apiVersion: 'meta.k8s.io/v1',
		metadata: {resourceVersion},
		columnDefinitions: withColumns ? columnDefinitions : [],
		rows: objects.map(object => {
			const row: Record<string, unknown> = {cells: [object.metadata.name, ...resource.columns.map(column => cellFor(column, object, now))]};
			const embedded = rowObject(object, include);
			if (embedded !== undefined) {
				row.object = embedded;
			}
			return row;
		}),
	};
}

/** Reads `includeObject` (default Metadata, like the real server). */
export function includeObjectParameter(value: string | null): IncludeObject {
	return value === 'None' || value === 'Object' ? value : 'Metadata';
}
