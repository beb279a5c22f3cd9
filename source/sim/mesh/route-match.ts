import type {Endpoint} from './endpoints.js';
import {asArray, asRecord, asString, asStringMap, matchesLabels} from './kube-objects.js';

/** What the simulated request carries that a VirtualService match can look at. */
export interface RequestContext {
	/** The calling pod; undefined for traffic entering through the ingress gateway. */
	caller?: Endpoint;
	/** Request path; the generator uses Bookinfo's real paths. */
	path: string;
}

/**
 * Compiles an http route's `match` list: a route without conditions matches everything, otherwise any one of
 * its match blocks must fit the request. Conditions on what the generator never sends (headers such as
 * Bookinfo's `end-user: jason`, query parameters, authority) never match.
 */
export function compileRouteMatch(value: unknown): (context: RequestContext) => boolean {
	const blocks = asArray(value).map(block => asRecord(block) ?? {});
	if (blocks.length === 0) {
		return () => true;
	}

	const predicates = blocks.map(block => compileMatchBlock(block));
	return context => predicates.some(predicate => predicate(context));
}

function compileMatchBlock(block: Record<string, unknown>): (context: RequestContext) => boolean {
	const conditions: Array<(context: RequestContext) => boolean> = [];
	const ignoreCase = block['ignoreUriCase'] === true;
	for (const [key, condition] of Object.entries(block)) {
		switch (key) {
			case 'name':
			case 'ignoreUriCase':
			case 'withoutHeaders': {
				// The generator sends no custom headers, so withoutHeaders always holds.
				break;
			}

			case 'uri': {
				const matches = compileStringMatch(condition, ignoreCase);
				conditions.push(context => matches(context.path));
				break;
			}

			case 'method': {
				const matches = compileStringMatch(condition, false);
				conditions.push(() => matches('GET'));
				break;
			}

			case 'sourceLabels': {
				const selector = asStringMap(condition);
				conditions.push(context => matchesLabels(selector, context.caller?.labels ?? {}));
				break;
			}

			case 'sourceNamespace': {
				conditions.push(context => context.caller?.namespace === condition);
				break;
			}

			case 'gateways': {
				const gateways = asArray(condition);
				conditions.push(() => gateways.includes('mesh'));
				break;
			}

			default: {
				// headers (e.g. Bookinfo's end-user: jason), queryParams, authority...: the generator never sends them.
				conditions.push(() => false);
			}
		}
	}

	return context => conditions.every(condition => condition(context));
}

function compileStringMatch(value: unknown, ignoreCase: boolean): (text: string) => boolean {
	const match = asRecord(value) ?? {};
	const fold = (text: string) => (ignoreCase ? text.toLowerCase() : text);
	const exact = asString(match['exact']);
	if (exact !== undefined) {
		return text => fold(text) === fold(exact);
	}

	const prefix = asString(match['prefix']);
	if (prefix !== undefined) {
		return text => fold(text).startsWith(fold(prefix));
	}

	const regex = asString(match['regex']);
	if (regex !== undefined) {
		try {
			// Istio regexes are RE2 and must match the whole string.
			const pattern = new RegExp(`^(?:${regex})$`, ignoreCase ? 'i' : '');
			return text => pattern.test(text);
		} catch {
			return () => false;
		}
	}

	return () => true;
}
