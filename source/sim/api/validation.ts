import {Ajv, type ErrorObject, type ValidateFunction} from 'ajv';
import {applyDefaults, crdSchema, pruneObject, type SchemaNode} from './crd-schemas.js';
import {istioRuleErrors} from './istio-rules.js';
import type {FieldError} from './status.js';
import {invalid} from './status.js';
import type {KubeObject} from './store.js';

/** Kubernetes' vendor extensions: ajv must know them as keywords, but they do not constrain JSON-schema validation here. */
const kubernetesKeywords = [
	'x-kubernetes-preserve-unknown-fields',
	'x-kubernetes-int-or-string',
	'x-kubernetes-validations',
	'x-kubernetes-list-type',
	'x-kubernetes-list-map-keys',
	'x-kubernetes-map-type',
	'x-kubernetes-embedded-resource',
];

let ajv: Ajv | undefined;
const validators = new Map<string, ValidateFunction>();

function createAjv(): Ajv {
	const instance = new Ajv({allErrors: true, strict: false, validateFormats: true});
	for (const keyword of kubernetesKeywords) {
		instance.addKeyword({keyword});
	}
	instance.addFormat('int32', {type: 'number', validate: value => Number.isInteger(value) && value >= -(2 ** 31) && value < 2 ** 31});
	instance.addFormat('int64', {type: 'number', validate: value => Number.isInteger(value)});
	instance.addFormat('double', {type: 'number', validate: () => true});
	instance.addFormat('float', {type: 'number', validate: () => true});
	instance.addFormat('byte', /^(?:[A-Za-z\d+/]{4})*(?:[A-Za-z\d+/]{2}==|[A-Za-z\d+/]{3}=)?$/);
	instance.addFormat('date-time', {type: 'string', validate: value => !Number.isNaN(Date.parse(value))});
	return instance;
}

/** Compiled once per CRD version (the schemas are large); undefined when the kind has no shipped schema. */
function validatorFor(group: string, kind: string, version: string): {validate: ValidateFunction; schema: SchemaNode} | undefined {
	const schema = crdSchema(group, kind, version);
	if (!schema) {
		return undefined;
	}
	const key = `${group}/${version}/${kind}`;
	let validate = validators.get(key);
	if (!validate) {
		ajv ??= createAjv();
		validate = ajv.compile(schema);
		validators.set(key, validate);
	}
	return {validate, schema};
}

/** `/spec/http/0/route/1/weight` → `spec.http[0].route[1].weight`, Kubernetes' field path notation. */
export function fieldPath(instancePath: string): string {
	let path = '';
	for (const token of instancePath.split('/').slice(1).map(part => part.replaceAll('~1', '/').replaceAll('~0', '~'))) {
		path += /^\d+$/.test(token) ? `[${token}]` : path === '' ? token : `.${token}`;
	}
	return path;
}

function jsonType(value: unknown): string {
	if (value === null) {
		return 'null';
	}
	if (Array.isArray(value)) {
		return 'array';
	}
	if (typeof value === 'number') {
		return Number.isInteger(value) ? 'integer' : 'number';
	}
	return typeof value;
}

function valueAtPath(object: unknown, instancePath: string): unknown {
	let current = object;
	for (const token of instancePath.split('/').slice(1)) {
		if (current === null || typeof current !== 'object') {
			return undefined;
		}
		current = (current as Record<string, unknown>)[token];
	}
	return current;
}

/** Turns ajv errors into the field errors kube-openapi's validator reports ("... in body must be of type integer: \"string\""). */
function toFieldErrors(errors: ErrorObject[], object: unknown): FieldError[] {
	const result: FieldError[] = [];
	const seen = new Set<string>();
	for (const error of errors) {
		// oneOf/anyOf/not failures are summaries of the errors already listed for their branches.
		if (error.keyword === 'if' || error.keyword === 'anyOf') {
			continue;
		}
		const value = valueAtPath(object, error.instancePath);
		let field = fieldPath(error.instancePath);
		let fieldError: FieldError;
		switch (error.keyword) {
			case 'type': {
				const expected = String((error.params as {type?: string}).type);
				fieldError = {field, type: 'FieldValueTypeInvalid', value: jsonType(value), detail: `${field} in body must be of type ${expected}: "${jsonType(value)}"`};
				break;
			}
			case 'required': {
				const missing = String((error.params as {missingProperty?: string}).missingProperty);
				field = field === '' ? missing : `${field}.${missing}`;
				fieldError = {field, type: 'FieldValueRequired', detail: ''};
				break;
			}
			case 'enum': {
				const allowed = ((error.params as {allowedValues?: unknown[]}).allowedValues ?? []).map(item => JSON.stringify(item)).join(', ');
				fieldError = {field, type: 'FieldValueNotSupported', value, detail: `supported values: ${allowed}`};
				break;
			}
			case 'format': {
				const format = String((error.params as {format?: string}).format);
				fieldError = {field, type: 'FieldValueInvalid', value, detail: `${field} in body must be of type ${format}: ${JSON.stringify(value)}`};
				break;
			}
			default: {
				fieldError = {field, type: 'FieldValueInvalid', value, detail: `${field} in body ${error.message ?? 'is invalid'}`};
			}
		}
		const key = `${fieldError.field}|${fieldError.type}|${fieldError.detail}`;
		if (!seen.has(key)) {
			seen.add(key);
			result.push(fieldError);
		}
	}
	// A value of the wrong type also fails its format; the real validator reports only the type.
	const typeFailures = new Set(result.filter(error => error.type === 'FieldValueTypeInvalid').map(error => error.field));
	return result.filter(error => error.type === 'FieldValueTypeInvalid' || !typeFailures.has(error.field));
}

/** The cause apiextensions-apiserver adds when CEL rules were not evaluated because of other errors. */
const celRulesSkipped: FieldError = {
	field: '<nil>',
	type: 'FieldValueInvalid',
	value: null,
	detail: 'some validation rules were not checked because the object was invalid; correct the existing errors to complete validation',
};

const celRuleCache = new WeakMap<SchemaNode, boolean>();

function hasCelRules(schema: SchemaNode): boolean {
	let known = celRuleCache.get(schema);
	if (known === undefined) {
		known = JSON.stringify(schema).includes('"x-kubernetes-validations"');
		celRuleCache.set(schema, known);
	}

	return known;
}

/** A validated custom object and the unknown fields pruned from it. */
export interface ValidatedObject {
	object: KubeObject;
	/** Paths of dropped fields (`spec.bogus`), for fieldValidation=Strict/Warn. */
	unknownFields: string[];
}

/**
 * Prepares a custom object for storage like the API server does for a CRD write: prunes unknown fields, applies the
 * schema's defaults, validates against the version's openAPIV3Schema, then applies Istio's own rules (its admission webhook).
 * Returns the pruned object; throws a 422 Invalid StatusError listing every failing field.
 */
export function validateCustomObject(group: string, kind: string, version: string, object: KubeObject): ValidatedObject {
	const compiled = validatorFor(group, kind, version);
	const pruned = structuredClone(object);
	const errors: FieldError[] = [];
	let unknownFields: string[] = [];
	if (compiled) {
		unknownFields = pruneObject(pruned, compiled.schema);
		applyDefaults(pruned, compiled.schema);
		if (!compiled.validate(pruned)) {
			errors.push(...toFieldErrors(compiled.validate.errors ?? [], pruned));
			// The real server skips a schema's CEL rules when the object failed the structural checks, and says so.
			if (hasCelRules(compiled.schema)) {
				errors.push(celRulesSkipped);
			}
		}
	}
	if (errors.length === 0) {
		errors.push(...istioRuleErrors(kind, pruned));
	}
	if (errors.length > 0) {
		throw invalid(group, kind, object.metadata.name, errors);
	}
	return {object: pruned, unknownFields};
}

const dns1123Subdomain = /^[a-z\d]([-a-z\d]*[a-z\d])?(\.[a-z\d]([-a-z\d]*[a-z\d])?)*$/;

/** Checks `metadata.name` like the server's generic ObjectMeta validation (RFC 1123 subdomain). */
export function validateObjectName(group: string, kind: string, name: string): void {
	if (name.length > 253 || !dns1123Subdomain.test(name)) {
		throw invalid(group, kind, name, [{
			field: 'metadata.name',
			type: 'FieldValueInvalid',
			value: name,
			detail: 'a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, \'-\' or \'.\', and must start and end with an alphanumeric character (e.g. \'example.com\', regex used for validation is \'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\')',
		}]);
	}
}
