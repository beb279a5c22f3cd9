/**
 * Structural check of VirtualService objects from the API, so the rest of the app can trust the shapes it reads
 * and the user gets a message naming the exact field instead of a crash.
 */
import type {VirtualService} from './virtual-service.js';
import {isRecord} from '../util/guards.js';
import {validateHttpRoute} from './http-route-validation.js';


function got(value: unknown): string {
	if (value === undefined) {
		return 'nothing';
	}

	return Array.isArray(value) ? 'an array' : JSON.stringify(value);
}

/** Istio weights are int32 and, since 1.15, relative: any non-negative value is valid, not just 0..100. */
const maxInt32 = 2_147_483_647;

class Checker {
	readonly errors: string[] = [];

	record(value: unknown, path: string, required: boolean): value is Record<string, unknown> {
		if (isRecord(value)) {
			return true;
		}

		if (required || value !== undefined) {
			this.errors.push(`${path} must be an object (got ${got(value)})`);
		}

		return false;
	}

	list(value: unknown, path: string): value is unknown[] {
		if (Array.isArray(value)) {
			return true;
		}

		if (value !== undefined) {
			this.errors.push(`${path} must be a list (got ${got(value)})`);
		}

		return false;
	}

	string(value: unknown, path: string, required: boolean): void {
		if (typeof value === 'string' && (value !== '' || !required)) {
			return;
		}

		if (required || value !== undefined) {
			this.errors.push(`${path} must be a non-empty string (got ${got(value)})`);
		}
	}

	strings(value: unknown, path: string): void {
		if (this.list(value, path)) {
			for (const [index, item] of value.entries()) {
				this.string(item, `${path}[${index}]`, true);
			}
		}
	}

	stringMap(value: unknown, path: string): void {
		if (this.record(value, path, false)) {
			for (const [key, item] of Object.entries(value)) {
				if (typeof item !== 'string') {
					this.errors.push(`${path}["${key}"] must be a string (got ${got(item)})`);
				}
			}
		}
	}

	weight(value: unknown, path: string): void {
		if (value === undefined || (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= maxInt32)) {
			return;
		}

		this.errors.push(`${path} must be a non-negative integer (got ${got(value)})`);
	}

	destination(value: unknown, path: string): void {
		if (!this.record(value, path, true)) {
			return;
		}

		if (this.record(value['destination'], `${path}.destination`, true)) {
			const destination = value['destination'];
			this.string(destination['host'], `${path}.destination.host`, true);
			this.string(destination['subset'], `${path}.destination.subset`, false);
			if (this.record(destination['port'], `${path}.destination.port`, false)) {
				const number = destination['port']['number'];
				if (number !== undefined && !(typeof number === 'number' && Number.isInteger(number) && number > 0 && number < 65_536)) {
					this.errors.push(`${path}.destination.port.number must be a port 1..65535 (got ${got(number)})`);
				}
			}
		}

		this.weight(value['weight'], `${path}.weight`);
	}

	route(value: unknown, path: string, kind: string): void {
		if (!this.record(value, path, true)) {
			return;
		}

		this.string(value['name'], `${path}.name`, false);
		if (this.list(value['match'], `${path}.match`)) {
			for (const [index, block] of value['match'].entries()) {
				this.record(block, `${path}.match[${index}]`, true);
			}
		}

		if (this.list(value['route'], `${path}.route`)) {
			for (const [index, destination] of value['route'].entries()) {
				this.destination(destination, `${path}.route[${index}]`);
			}
		}

		if (kind === 'http' && this.record(value['delegate'], `${path}.delegate`, false)) {
			this.string(value['delegate']['name'], `${path}.delegate.name`, true);
			this.string(value['delegate']['namespace'], `${path}.delegate.namespace`, false);
		}
	}
}

/**
 * Structural check of a VirtualService object from the API (not Istio's full validation): clear messages such as
 * "spec.http[0].route[1].weight must be a non-negative integer (got "fifty")". Every problem is reported, not just the first.
 * Weights above 100 are accepted because Istio 1.15+ treats weights as relative (normalizeWeights scales them).
 * An object of kind HTTPRoute is checked as one (validateHttpRoute): every caller validates route objects of both kinds.
 */
export function validateVirtualService(object: unknown): {ok: true; vs: VirtualService} | {ok: false; errors: string[]} {
	if (isRecord(object) && object['kind'] === 'HTTPRoute') {
		return validateHttpRoute(object);
	}

	const check = new Checker();
	if (!check.record(object, 'VirtualService', true)) {
		return {ok: false, errors: check.errors};
	}

	const {apiVersion, kind} = object;
	if (typeof apiVersion !== 'string' || !apiVersion.startsWith('networking.istio.io/')) {
		check.errors.push(`apiVersion must be networking.istio.io/<version> (got ${got(apiVersion)})`);
	}

	if (kind !== 'VirtualService') {
		check.errors.push(`kind must be "VirtualService" (got ${got(kind)})`);
	}

	if (check.record(object['metadata'], 'metadata', true)) {
		const metadata = object['metadata'];
		check.string(metadata['name'], 'metadata.name', true);
		check.string(metadata['namespace'], 'metadata.namespace', false);
		check.string(metadata['resourceVersion'], 'metadata.resourceVersion', false);
		if (metadata['generation'] !== undefined && !Number.isInteger(metadata['generation'])) {
			check.errors.push(`metadata.generation must be an integer (got ${got(metadata['generation'])})`);
		}

		check.stringMap(metadata['labels'], 'metadata.labels');
		check.stringMap(metadata['annotations'], 'metadata.annotations');
	}

	if (check.record(object['spec'], 'spec', true)) {
		const spec = object['spec'];
		check.strings(spec['hosts'], 'spec.hosts');
		check.strings(spec['gateways'], 'spec.gateways');
		for (const section of ['http', 'tcp', 'tls']) {
			const routes = spec[section];
			if (check.list(routes, `spec.${section}`)) {
				for (const [index, route] of routes.entries()) {
					check.route(route, `spec.${section}[${index}]`, section);
				}
			}
		}
	}

	return check.errors.length === 0 ? {ok: true, vs: object as VirtualService} : {ok: false, errors: check.errors};
}
