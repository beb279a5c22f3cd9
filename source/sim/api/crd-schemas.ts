import {readIstioYaml} from '../istio-data.js';

/** A JSON schema node of a CRD's `openAPIV3Schema` (structural schema with Kubernetes extensions). */
export type SchemaNode = {
	type?: string;
	properties?: Record<string, SchemaNode>;
	items?: SchemaNode;
	additionalProperties?: SchemaNode | boolean;
	'x-kubernetes-preserve-unknown-fields'?: boolean;
	[keyword: string]: unknown;
};

type CrdDocument = {
	kind?: string;
	spec?: {
		group?: string;
		names?: {kind?: string};
		versions?: Array<{name?: string; schema?: {openAPIV3Schema?: SchemaNode}}>;
	};
};

let schemas: Map<string, SchemaNode> | undefined;

function schemaKey(group: string, kind: string, version: string): string {
	return `${group}/${version}/${kind}`;
}

/** Parses the shipped CRD file once (it is large) and indexes every version's schema. */
function loadSchemas(): Map<string, SchemaNode> {
	if (!schemas) {
		schemas = new Map();
		for (const document of readIstioYaml('crds/networking-crds.yaml') as CrdDocument[]) {
			if (document.kind !== 'CustomResourceDefinition') {
				continue;
			}
			const group = document.spec?.group ?? '';
			const kind = document.spec?.names?.kind ?? '';
			for (const version of document.spec?.versions ?? []) {
				const schema = version.schema?.openAPIV3Schema;
				if (schema && version.name) {
					schemas.set(schemaKey(group, kind, version.name), schema);
				}
			}
		}
	}
	return schemas;
}

/** The `openAPIV3Schema` of a CRD version from data/istio/crds, or undefined when none is shipped. */
export function crdSchema(group: string, kind: string, version: string): SchemaNode | undefined {
	return loadSchemas().get(schemaKey(group, kind, version));
}

function isRecord(value: unknown): value is Record<string, unknown> {
	return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function childPath(path: string, key: string): string {
	return path === '' ? key : `${path}.${key}`;
}

/**
 * Drops fields the structural schema does not declare, as the API server does for CRDs
 * (silently, unless the client asked for fieldValidation), except under `x-kubernetes-preserve-unknown-fields`.
 * Modifies `value` in place and returns the dropped fields' paths (`spec.http[0].bogus`).
 */
export function pruneUnknownFields(value: unknown, schema: SchemaNode, path = '', dropped: string[] = []): string[] {
	if (Array.isArray(value)) {
		if (schema.items) {
			for (const [index, item] of value.entries()) {
				pruneUnknownFields(item, schema.items, `${path}[${index}]`, dropped);
			}
		}
		return dropped;
	}
	if (!isRecord(value)) {
		return dropped;
	}
	const preserve = schema['x-kubernetes-preserve-unknown-fields'] === true;
	for (const key of Object.keys(value)) {
		const propertySchema = schema.properties?.[key];
		if (propertySchema) {
			pruneUnknownFields(value[key], propertySchema, childPath(path, key), dropped);
		} else if (typeof schema.additionalProperties === 'object') {
			pruneUnknownFields(value[key], schema.additionalProperties, childPath(path, key), dropped);
		} else if (!preserve && schema.additionalProperties !== true) {
			delete value[key];
			dropped.push(childPath(path, key));
		}
	}
	return dropped;
}

/** Prunes a whole custom object (apiVersion, kind and metadata are always kept, like the server's root handling); returns the dropped paths. */
export function pruneObject(object: Record<string, unknown>, schema: SchemaNode): string[] {
	const rootSchema: SchemaNode = {
		...schema,
		properties: {
			...schema.properties,
			apiVersion: {type: 'string'},
			kind: {type: 'string'},
			metadata: {type: 'object', 'x-kubernetes-preserve-unknown-fields': true},
		},
	};
	return pruneUnknownFields(object, rootSchema);
}
