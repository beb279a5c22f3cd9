import type {Endpoint} from './endpoints.js';
import type {Fault} from './faults.js';
import type {LiveRouting} from './live-routing.js';
import type {PeerIdentity, RequestRecorder} from './request-record.js';
import {lognormalSample, type Random} from './rng.js';
import type {Topology, VersionProfile} from './topology.js';

/** Inputs of {@link createTrafficSimulator}. */
export interface TrafficSimulatorOptions {
	/** Call graph and per-version behaviour. */
	topology: Topology;
	/** Routing that follows the live VirtualServices. */
	routing: LiveRouting;
	/** Source of randomness for routing, latency and errors. */
	random: Random;
	/** Receives every hop. */
	recorder: RequestRecorder;
	/** Fault currently set for a service version, if any. */
	faultFor: (service: string, version: string) => Fault | undefined;
}

/** Simulates whole request trees, one entry request at a time. */
export interface TrafficSimulator {
	/** One request from the ingress gateway to the entry service, with all the calls it causes. */
	sendEntryRequest(): void;
}

/** The ingress gateway as Istio's telemetry names it: the source of entry traffic. */
export const ingressGateway: PeerIdentity = {
	workload: 'istio-ingressgateway',
	namespace: 'istio-system',
	app: 'istio-ingressgateway',
	version: 'unknown',
	canonicalService: 'istio-ingressgateway',
	canonicalRevision: 'latest',
	principal: 'spiffe://cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account',
};

// Pods that are not in the topology (say, a reviews-v4 someone applied) still answer, with an average profile.
const fallbackProfile: VersionProfile = {medianMs: 10, sigma: 0.5, errorRate: 0};

interface CallResult {
	durationMs: number;
}

/**
 * Walks the call graph like the sidecars see it: each hop is routed by the live table, the served version's
 * latency and error profile (with its fault) decide the answer, and a parent's duration includes its calls.
 * Errors do not propagate: Bookinfo's pages degrade ("ratings unavailable") instead of failing.
 */
export function createTrafficSimulator(options: TrafficSimulatorOptions): TrafficSimulator {
	const {topology, routing, random, recorder, faultFor} = options;
	const specs = new Map(topology.services.map(spec => [spec.name, spec]));

	const call = (serviceName: string, path: string, caller: Endpoint | undefined, source: PeerIdentity, ingress = false): CallResult => {
		const host = `${serviceName}.${topology.namespace}.svc.cluster.local`;
		const service = {host, name: serviceName, namespace: topology.namespace};
		const table = routing.current();
		// At the ingress gateway, HTTPRoutes attached to a Gateway decide first (north–south); else the entry Service.
		const outcome = (ingress ? table.routeIngress(random, {caller, path}) : undefined) ?? table.route(host, random, {caller, path});
		// The hop through two proxies costs a little on every request.
		const hopMs = 0.3 + (random() * 0.7);
		if (outcome.kind === 'failure') {
			// Envoy answers locally; no destination proxy ever sees the request.
			recorder({
				source,
				service,
				responseCode: outcome.responseCode,
				responseFlags: outcome.responseFlags,
				durationMs: 0,
				sourceDurationMs: hopMs,
			});
			return {durationMs: hopMs};
		}

		const {endpoint} = outcome;
		const spec = specs.get(endpoint.app);
		const profile = spec?.versions[endpoint.version] ?? fallbackProfile;
		const fault = faultFor(endpoint.app, endpoint.version);
		let durationMs = lognormalSample(random, profile.medianMs, profile.sigma) + (fault?.extraLatencyMs ?? 0);
		const failed = random() < (fault?.errorRate ?? profile.errorRate);
		const destination = identityOf(endpoint);
		if (!failed) {
			for (const child of spec?.calls ?? []) {
				if (child.fromVersions === undefined || child.fromVersions.includes(endpoint.version)) {
					durationMs += call(child.service, child.path, endpoint, destination).durationMs;
				}
			}
		}

		recorder({
			source,
			destination,
			service: {host: outcome.service.host, name: outcome.service.name, namespace: outcome.service.namespace},
			responseCode: failed ? 500 : 200,
			responseFlags: '-',
			durationMs,
			sourceDurationMs: durationMs + hopMs,
		});
		return {durationMs: durationMs + hopMs};
	};

	return {
		sendEntryRequest() {
			call(topology.entry, topology.entryPath, undefined, ingressGateway, true);
		},
	};
}

function identityOf(endpoint: Endpoint): PeerIdentity {
	return {
		workload: endpoint.workload,
		namespace: endpoint.namespace,
		app: endpoint.app,
		version: endpoint.version,
		canonicalService: endpoint.canonicalService,
		canonicalRevision: endpoint.canonicalRevision,
		principal: `spiffe://cluster.local/ns/${endpoint.namespace}/sa/${endpoint.serviceAccount}`,
		pod: endpoint.pod,
	};
}
