/** How one version of a service behaves when it is healthy. */
export interface VersionProfile {
	/** Median of the version's own processing time, milliseconds (lognormal). */
	medianMs: number;
	/** Lognormal shape; 0.5 gives a p99 about 3x the median, like a typical JVM/Python service. */
	sigma: number;
	/** Base share of requests answered with a 500, 0..1. */
	errorRate: number;
}

/** An outgoing call a service makes while handling a request. */
export interface Call {
	/** Called Service name (same namespace). */
	service: string;
	/** Request path, visible to VirtualService uri matches. */
	path: string;
	/** Only these versions of the caller make the call (Bookinfo's reviews v1 never calls ratings). */
	fromVersions?: readonly string[];
}

/** A service of the simulated application. */
export interface ServiceSpec {
	/** Service name, also the pods' `app` label. */
	name: string;
	/** The deployed versions with their healthy behaviour. */
	versions: Readonly<Record<string, VersionProfile>>;
	/** Calls made per incoming request, in order (latencies add up, like Bookinfo's sequential calls). */
	calls: readonly Call[];
}

/** The application the load generator drives. */
export interface Topology {
	/** Namespace of every service. */
	namespace: string;
	/** Service port (Bookinfo uses 9080 everywhere). */
	port: number;
	/** Service receiving the generated traffic from the ingress gateway. */
	entry: string;
	/** Path of the generated requests at the entry. */
	entryPath: string;
	/** All services. */
	services: readonly ServiceSpec[];
}

const profile = (medianMs: number, errorRate = 0, sigma = 0.5): VersionProfile => ({medianMs, sigma, errorRate});

/**
 * Istio's Bookinfo: productpage calls details then reviews; reviews v2 (black stars) and v3 (red stars) call ratings.
 * Latencies are plausible for the sample app; every version is healthy until a fault says otherwise,
 * so a migration rehearsal starts from a clean 100% success rate.
 */
export const bookinfoTopology: Topology = {
	namespace: 'bookinfo',
	port: 9080,
	entry: 'productpage',
	entryPath: '/productpage',
	services: [
		{
			name: 'productpage',
			versions: {v1: profile(12)},
			calls: [
				{service: 'details', path: '/details/0'},
				{service: 'reviews', path: '/reviews/0'},
			],
		},
		{name: 'details', versions: {v1: profile(4)}, calls: []},
		{
			name: 'reviews',
			versions: {v1: profile(8), v2: profile(10), v3: profile(11)},
			calls: [{service: 'ratings', path: '/ratings/0', fromVersions: ['v2', 'v3']}],
		},
		{name: 'ratings', versions: {v1: profile(3)}, calls: []},
	],
};
