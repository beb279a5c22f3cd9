/**
 * A misbehaviour injected into one version of a service, the way an SRE would want to rehearse a bad canary:
 * `errorRate` replaces the version's base 5xx rate, `extraLatencyMs` is added to every response.
 */
export interface Fault {
	/** Kubernetes Service name, e.g. `reviews`. */
	service: string;
	/** Value of the pods' `version` label, e.g. `v3`. */
	version: string;
	/** Share of requests answered with a 500, 0..1. */
	errorRate?: number;
	/** Milliseconds added to the version's own latency. */
	extraLatencyMs?: number;
}

/**
 * Parses the `--fault` flag of `meshtop sim`/`demo`: `SERVICE:VERSION:KEY=VALUE[,KEY=VALUE]`.
 * Keys: `errors` (`10%` or `0.1`) and `latency` (`+300ms`, `300ms`, `1.5s`; always added to the base latency).
 * Throws an Error with a message meant for the user on anything else, because a silently ignored fault
 * would make a rehearsal look healthy.
 */
export function parseFaultFlag(text: string): Fault {
	const parts = text.trim().split(':');
	if (parts.length !== 3) {
		throw new Error(`Invalid fault "${text}": expected SERVICE:VERSION:errors=10%,latency=+300ms`);
	}

	const [service = '', version = '', settings = ''] = parts.map(part => part.trim());
	if (service === '' || version === '') {
		throw new Error(`Invalid fault "${text}": service and version are required`);
	}

	const fault: Fault = {service, version};
	for (const setting of settings.split(',').map(item => item.trim()).filter(item => item !== '')) {
		const [key, value, ...rest] = setting.split('=');
		if (value === undefined || rest.length > 0) {
			throw new Error(`Invalid fault setting "${setting}": expected KEY=VALUE`);
		}

		switch (key?.trim()) {
			case 'errors': {
				fault.errorRate = parseRate(value.trim());
				break;
			}

			case 'latency': {
				fault.extraLatencyMs = parseLatency(value.trim());
				break;
			}

			default: {
				throw new Error(`Invalid fault setting "${setting}": known keys are errors and latency`);
			}
		}
	}

	if (fault.errorRate === undefined && fault.extraLatencyMs === undefined) {
		throw new Error(`Invalid fault "${text}": set errors=… and/or latency=…`);
	}

	return fault;
}

/** Formats a fault back into the flag syntax, for the `meshtop sim` banner and control-channel replies. */
export function formatFault(fault: Fault): string {
	const settings: string[] = [];
	if (fault.errorRate !== undefined) {
		settings.push(`errors=${Number((fault.errorRate * 100).toFixed(4))}%`);
	}

	if (fault.extraLatencyMs !== undefined) {
		settings.push(`latency=+${fault.extraLatencyMs}ms`);
	}

	return `${fault.service}:${fault.version}:${settings.join(',')}`;
}

function parseRate(value: string): number {
	const match = /^(\d+(?:\.\d+)?)(%?)$/.exec(value);
	if (!match) {
		throw new Error(`Invalid error rate "${value}": use a percentage like 10% or a fraction like 0.1`);
	}

	const rate = match[2] === '%' ? Number(match[1]) / 100 : Number(match[1]);
	if (rate > 1) {
		throw new Error(`Invalid error rate "${value}": must not exceed 100%`);
	}

	return rate;
}

function parseLatency(value: string): number {
	const match = /^\+?(\d+(?:\.\d+)?)(ms|s)$/.exec(value);
	if (!match) {
		throw new Error(`Invalid latency "${value}": use a duration like +300ms or +1.5s`);
	}

	const amount = Number(match[1]);
	return match[2] === 's' ? amount * 1000 : amount;
}
