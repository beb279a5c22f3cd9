import {readFileSync} from 'node:fs';
import {parse} from 'yaml';
import {istioDataDir} from '../istio-data.js';
import {isRecord} from '../../util/guards.js';

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

const schemas = new Map<string, SchemaNode>();
const loadedKinds = new Set<string>();
const crdTexts = new Map<string, string[]>();

/** The shipped CRD file of a kind: Istio's networking CRDs, or the Gateway API's file of that kind (httproutes.yaml, gateways.yaml). */
function crdFile(group: string, kind: string): string {
	return group === 'gateway.networking.k8s.io' ? `${istioDataDir}../gateway-api/crds/${kind.toLowerCase()}s.yaml` : `${istioDataDir}crds/networking-crds.yaml`;
}

function schemaKey(group: string, kind: string, version: string): string {
	return `${group}/${version}/${kind}`;
}

/**
 * Parses the shipped CRD of one kind, once. The file is large (555 KB of YAML), so it is split into its
 * documents as text first and only the wanted CRD is parsed: parsing YAML costs far more than reading it.
 */
function loadKind(group: string, kind: string): void {
	const key = `${group}/${kind}`;
	if (loadedKinds.has(key)) {
		return;
	}
	loadedKinds.add(key);
	const file = crdFile(group, kind);
	let texts = crdTexts.get(file);
	if (texts === undefined) {
		texts = readFileSync(file, 'utf8').split(/^---[ \t]*$/m);
		crdTexts.set(file, texts);
	}

	const marker = new RegExp(`^\\s+kind: ${kind}$`, 'm');
	for (const text of texts.filter(candidate => marker.test(candidate))) {
		const document = parse(text) as CrdDocument | null;
		if (document?.kind !== 'CustomResourceDefinition' || document.spec?.group !== group || document.spec.names?.kind !== kind) {
			continue;
		}
		for (const version of document.spec.versions ?? []) {
			const schema = version.schema?.openAPIV3Schema;
			if (schema && version.name) {
				schemas.set(schemaKey(group, kind, version.name), schema);
			}
		}
	}
}

/** The `openAPIV3Schema` of a CRD version from data/istio/crds (or data/gateway-api/crds), or undefined when none is shipped. */
export function crdSchema(group: string, kind: string, version: string): SchemaNode | undefined {
	loadKind(group, kind);
	return schemas.get(schemaKey(group, kind, version));
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

/**
 * Fills `default` values of the structural schema into the object where the field is absent, as the API server does for
 * CRDs (the Gateway API's HTTPRoute defaults a backendRef's `group: ""`, `kind: Service` and `weight: 1`).
 * Modifies `value` in place; objects only get defaults of their declared properties.
 */
export function applyDefaults(value: unknown, schema: SchemaNode): void {
	if (Array.isArray(value)) {
		if (schema.items) {
			for (const item of value) {
				applyDefaults(item, schema.items);
			}
		}

		return;
	}

	if (!isRecord(value)) {
		return;
	}

	for (const [key, propertySchema] of Object.entries(schema.properties ?? {})) {
		if (!Object.hasOwn(value, key) && propertySchema['default'] !== undefined) {
			value[key] = structuredClone(propertySchema['default']);
		}

		if (Object.hasOwn(value, key)) {
			applyDefaults(value[key], propertySchema);
		}
	}

	if (typeof schema.additionalProperties === 'object') {
		for (const key of Object.keys(value).filter(candidate => schema.properties?.[candidate] === undefined)) {
			applyDefaults(value[key], schema.additionalProperties);
		}
	}
}
