/** Who sent or served a request, as Istio's telemetry names it. */
export interface PeerIdentity {
	/** Deployment name, e.g. `reviews-v3`. */
	workload: string;
	/** Namespace of the workload. */
	namespace: string;
	/** `app` label. */
	app: string;
	/** `version` label. */
	version: string;
	/** Canonical service (`service.istio.io/canonical-name`, else `app`). */
	canonicalService: string;
	/** Canonical revision (`service.istio.io/canonical-revision`, else `version`). */
	canonicalRevision: string;
	/** SPIFFE identity under mutual TLS, e.g. `spiffe://cluster.local/ns/bookinfo/sa/bookinfo-reviews`. */
	principal: string;
	/** The pod whose sidecar counted the request (absent for the ingress gateway): its own :15090 stats show it. */
	pod?: string;
}

/**
 * One simulated request between two sidecars. The metrics layer turns it into Istio's standard labels;
 * the mesh decides which proxies saw it (both normally, only the source's when Envoy found no upstream).
 */
export interface RequestRecord {
	/** The caller (the ingress gateway for entry traffic). */
	source: PeerIdentity;
	/** The pod that served it; undefined when Envoy answered itself (NR, UH). */
	destination?: PeerIdentity;
	/** The Service the caller addressed. */
	service: {host: string; name: string; namespace: string};
	/** HTTP status. */
	responseCode: number;
	/** Envoy response flags, `-` when none. */
	responseFlags: string;
	/** Duration the destination proxy measured, milliseconds. */
	durationMs: number;
	/** Duration the source proxy measured (includes the hop), milliseconds. */
	sourceDurationMs: number;
	/**
	 * The data plane of the addressed Service's namespace when the request was made: `ambient` (labelled
	 * `istio.io/dataplane-mode=ambient`: the waypoint reports) or `sidecar` (absent: the source and destination report).
	 */
	dataplane?: 'sidecar' | 'ambient';
}

/** Receives every simulated request, e.g. to count it in Istio's standard metrics. */
export type RequestRecorder = (record: RequestRecord) => void;
