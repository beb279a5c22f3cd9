import type {FieldError} from './status.js';

/** The route lists of a VirtualService that carry weighted destinations. */
const routeKinds = ['http', 'tcp', 'tls'] as const;

type Destination = {weight?: unknown};

/**
 * Istio's own checks on weights, which its validating webhook enforces and the CRD schema cannot express:
 * each weight is an integer in 0..100, and a route with several destinations must have a positive total
 * (Istio before 1.15 demanded exactly 100; later versions treat weights as relative).
 */
export function istioRuleErrors(kind: string, object: Record<string, unknown>): FieldError[] {
	if (kind !== 'VirtualService') {
		return [];
	}
	const spec = object.spec as Record<string, unknown> | undefined;
	const errors: FieldError[] = [];
	for (const routeKind of routeKinds) {
		const rules = spec?.[routeKind];
		if (!Array.isArray(rules)) {
			continue;
		}
		rules.forEach((rule: unknown, ruleIndex) => {
			const route = (rule as {route?: unknown} | null)?.route;
			if (!Array.isArray(route)) {
				return;
			}
			let total = 0;
			route.forEach((destination: Destination | null, destinationIndex) => {
				const weight = destination?.weight;
				if (weight === undefined) {
					return;
				}
				const field = `spec.${routeKind}[${ruleIndex}].route[${destinationIndex}].weight`;
				if (typeof weight !== 'number' || !Number.isInteger(weight) || weight < 0 || weight > 100) {
					errors.push({field, type: 'FieldValueInvalid', value: weight, detail: 'weight must be an integer between 0 and 100 (Istio)'});
				} else {
					total += weight;
				}
			});
			if (route.length > 1 && total === 0 && errors.length === 0) {
				errors.push({
					field: `spec.${routeKind}[${ruleIndex}].route`,
					type: 'FieldValueInvalid',
					value: total,
					detail: 'total weight of a route with several destinations must be greater than 0 (Istio)',
				});
			}
		});
	}
	return errors;
}
