/** A `metav1.Status` body, as the Kubernetes API server sends it on failures. */
export interface KubeStatus {
	kind: 'Status';
	apiVersion: 'v1';
	metadata: Record<string, never>;
	status: 'Failure' | 'Success';
	message: string;
	reason?: string;
	details?: StatusDetails;
	code: number;
}

/** `metav1.StatusDetails`: which object failed and, for validation errors, why each field failed. */
export interface StatusDetails {
	name?: string;
	group?: string;
	kind?: string;
	causes?: StatusCause[];
}

/** `metav1.StatusCause`; the Go field `Type` is serialized as `reason`. */
export interface StatusCause {
	reason: string;
	message: string;
	field?: string;
}

/** A field-level validation failure, rendered like apimachinery's `field.Error`. */
export interface FieldError {
	/** Dotted field path, e.g. `spec.http[0].route[1].weight`. */
	field: string;
	/** Cause type, e.g. `FieldValueInvalid`, `FieldValueRequired`, `FieldValueTypeInvalid`. */
	type: string;
	/** The offending value (rendered as Go's %#v-ish JSON), if any. */
	value?: unknown;
	/** The value exactly as Go prints it, when JSON would differ (e.g. `0x0`). */
	renderedValue?: string;
	/** Human explanation (the part after the value). */
	detail: string;
}

/** An error that carries the Status body the server must answer with; thrown by the store and the handlers. */
export class StatusError extends Error {
	/** The exact body to send. */
	readonly status: KubeStatus;

	constructor(status: KubeStatus) {
		super(status.message);
		this.name = 'StatusError';
		this.status = status;
	}

	/** HTTP status code of the response. */
	get code(): number {
		return this.status.code;
	}
}

/** Splits a store resource key (`group/plural`) into its parts. */
export function parseResourceKey(resource: string): {group: string; plural: string} {
	const slash = resource.lastIndexOf('/');
	return slash === -1 ? {group: '', plural: resource} : {group: resource.slice(0, slash), plural: resource.slice(slash + 1)};
}

/** `plural.group` (or `plural` for core), the "qualified resource" Kubernetes puts in messages. */
export function qualifiedResource(group: string, plural: string): string {
	return group === '' ? plural : `${plural}.${group}`;
}

function failure(code: number, reason: string | undefined, message: string, details?: StatusDetails): StatusError {
	// Key order matches the real server's JSON, so bodies compare equal byte for byte.
	const status: KubeStatus = {
		kind: 'Status',
		apiVersion: 'v1',
		metadata: {},
		status: 'Failure',
		message,
		...(reason === undefined ? {} : {reason}),
		...(details === undefined ? {} : {details}),
		code,
	};
	return new StatusError(status);
}

function objectDetails(group: string, plural: string, name: string): StatusDetails {
	const details: StatusDetails = {name};
	if (group !== '') {
		details.group = group;
	}
	details.kind = plural;
	return details;
}

/** 404 for a named object, as `errors.NewNotFound`. */
export function notFound(group: string, plural: string, name: string): StatusError {
	return failure(404, 'NotFound', `${qualifiedResource(group, plural)} "${name}" not found`, objectDetails(group, plural, name));
}

/** 404 for a URL the server does not serve (the real server's body for unknown paths). */
export function pathNotFound(): StatusError {
	return failure(404, 'NotFound', 'the server could not find the requested resource', {});
}

/** 409 on create of an existing object, as `errors.NewAlreadyExists`. */
export function alreadyExists(group: string, plural: string, name: string): StatusError {
	return failure(409, 'AlreadyExists', `${qualifiedResource(group, plural)} "${name}" already exists`, objectDetails(group, plural, name));
}

/** 409 on a stale resourceVersion, as `errors.NewConflict` with the storage layer's message. */
export function conflict(group: string, plural: string, name: string): StatusError {
	return failure(
		409,
		'Conflict',
		`Operation cannot be fulfilled on ${qualifiedResource(group, plural)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
		objectDetails(group, plural, name),
	);
}

/** Where a forbidden request was aimed: a namespace or the cluster scope. */
export interface ForbiddenTarget {
	user: string;
	verb: string;
	group: string;
	plural: string;
	name?: string;
	namespace?: string;
}

/** 403 in the RBAC authorizer's words, as `errors.NewForbidden`. */
export function forbidden(target: ForbiddenTarget): StatusError {
	const {user, verb, group, plural, name, namespace} = target;
	const subject = name === undefined || name === '' ? qualifiedResource(group, plural) : `${qualifiedResource(group, plural)} "${name}"`;
	const scope = namespace === undefined || namespace === '' ? 'at the cluster scope' : `in the namespace "${namespace}"`;
	const message = `${subject} is forbidden: User "${user}" cannot ${verb} resource "${plural}" in API group "${group}" ${scope}`;
	return failure(403, 'Forbidden', message, objectDetails(group, plural, name ?? ''));
}

/** 400 BadRequest, as `errors.NewBadRequest`. */
export function badRequest(message: string): StatusError {
	return failure(400, 'BadRequest', message);
}

/** 415 for a Content-Type the endpoint does not accept. */
export function unsupportedMediaType(supported: string[]): StatusError {
	return failure(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${supported.join(', ')}`);
}

/** 405 for a verb the resource does not support. */
export function methodNotSupported(group: string, plural: string, verb: string): StatusError {
	return failure(405, 'MethodNotAllowed', `${verb} is not supported on resources of kind "${qualifiedResource(group, plural)}"`, {group, kind: plural});
}

/** 500, for handler bugs: the server answers and keeps serving. */
export function internalError(message: string): StatusError {
	return failure(500, 'InternalError', `Internal error occurred: ${message}`, {causes: [{reason: 'UnexpectedServerResponse', message}]});
}

/**
 * 422 from applying a JSON Patch (e.g. a failed `test`): the patch handler's
 * `NewGenericServerResponse(422, ..., isUnexpectedResponse=false)` drops the library's reason
 * ("testing value /metadata/resourceVersion failed"), so clients only see the generic message.
 */
export function patchNotApplicable(): StatusError {
	return failure(422, 'Invalid', 'the server rejected our request due to an error in our request', {});
}

function renderValue(value: unknown): string {
	return typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value) ?? 'null';
}

/** Renders one field error the way apimachinery's `field.Error.Error()` does. */
export function fieldErrorText(error: FieldError): string {
	const body = fieldErrorBody(error);
	return `${error.field}: ${body}`;
}

function fieldErrorBody(error: FieldError): string {
	switch (error.type) {
		case 'FieldValueRequired': {
			return `Required value${error.detail === '' ? '' : `: ${error.detail}`}`;
		}
		case 'FieldValueNotSupported': {
			return `Unsupported value: ${error.renderedValue ?? renderValue(error.value)}${error.detail === '' ? '' : `: ${error.detail}`}`;
		}
		case 'FieldValueForbidden': {
			return `Forbidden: ${error.detail}`;
		}
		default: {
			return `Invalid value: ${error.renderedValue ?? renderValue(error.value)}: ${error.detail}`;
		}
	}
}

/** 422 for an invalid object, as `errors.NewInvalid(GroupKind, name, errs)`. */
export function invalid(group: string, kind: string, name: string, errors: FieldError[]): StatusError {
	const qualifiedKind = group === '' ? kind : `${kind}.${group}`;
	const texts = errors.map(error => fieldErrorText(error));
	const aggregate = texts.length === 1 ? texts[0] : `[${texts.join(', ')}]`;
	const details: StatusDetails = {name};
	if (group !== '') {
		details.group = group;
	}
	details.kind = kind;
	details.causes = errors.map(error => ({reason: error.type, message: fieldErrorBody(error), field: error.field}));
	return failure(422, 'Invalid', `${qualifiedKind} "${name}" is invalid: ${aggregate}`, details);
}
