/**
 * Load that fills kube-apiserver's request seats: a few loops, each LISTing a big collection (every CRD: Istio's and
 * the Gateway API's schemas are megabytes) as a non-admin user, one request after another. Run against a server
 * started with `--enable-priority-and-fairness=false --max-requests-inflight=1`, the seat is mostly taken, and the
 * server's own max-in-flight filter answers other requests (meshtop's) with 429 and `Retry-After: 1`. The loops
 * ignore Retry-After on purpose (they are the storm), but pause briefly after a 429 so they do not spin a core.
 * Owned: stop() ends every loop and resolves when the last request is done. {@link holdWriteSeat} does the same to
 * the write seat, once, for a set time.
 */
import {setTimeout as delay} from 'node:timers/promises';
import {request as httpsRequest} from 'node:https';
import {rawRequest, type RawEndpoint} from '../../helpers/raw-api.js';

/** Options of {@link startApiLoad}. */
export interface ApiLoadOptions {
	/** The API server and a user outside system:masters (that group is exempt from the in-flight limits). */
	endpoint: RawEndpoint;
	/** Concurrent loops (default 3). */
	loops?: number;
	/** What each loop lists (default every CustomResourceDefinition). */
	path?: string;
	/** Pause after a 429 before the loop asks again, in ms (default 20). */
	pauseMs?: number;
	/**
	 * Pause after each served list, in ms (default 0): the share of time the seat is free, hence how often others get
	 * through (one loop with no pause leaves about a quarter of other requests served on 2 cores).
	 */
	idleMs?: number;
}

/** What the load got from the server so far. */
export interface ApiLoadStats {
	/** Lists answered 200. */
	served: number;
	/** Lists refused with 429. */
	refused: number;
	/** Anything else (errors, other statuses). */
	failed: number;
}

/** Running load; one owner calls stop(). */
export interface ApiLoad {
	stats(): ApiLoadStats;
	/** Ends the loops; resolves when their requests in flight are done. */
	stop(): Promise<void>;
}

/** Starts the loops at once. */
export function startApiLoad(options: ApiLoadOptions): ApiLoad {
	const path = options.path ?? '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
	const pauseMs = options.pauseMs ?? 20;
	const stats: ApiLoadStats = {served: 0, refused: 0, failed: 0};
	const controller = new AbortController();
	// One request after another: each loop holds at most one seat.
	const loop = async () => {
		while (!controller.signal.aborted) {
			let code: number;
			try {
				code = (await rawRequest(options.endpoint, 'GET', path)).code;
			} catch {
				code = 0;
			}

			if (code === 200) {
				stats.served++;
			} else if (code === 429) {
				stats.refused++;
			} else {
				stats.failed++;
			}

			const pause = code === 200 ? options.idleMs ?? 0 : (code === 429 ? pauseMs : 200);
			if (pause > 0 && !controller.signal.aborted) {
				await delay(pause, undefined, {signal: controller.signal}).catch(() => undefined);
			}
		}
	};

	const running = Array.from({length: options.loops ?? 3}, async () => loop());
	return {
		stats: () => ({...stats}),
		async stop() {
			controller.abort();
			await Promise.all(running);
		},
	};
}

/**
 * Holds the server's one write seat (`--max-mutating-requests-inflight=1`) for `ms`: a POST of a
 * SelfSubjectAccessReview (which any user may create) whose body is sent in two parts `ms` apart. The in-flight
 * filter takes the seat before the body is read, so every write in that time is answered 429. Resolves with the
 * answer's status once the server has it all.
 */
export async function holdWriteSeat(endpoint: RawEndpoint, ms: number): Promise<number> {
	const body = JSON.stringify({apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: {resourceAttributes: {verb: 'get', resource: 'pods', namespace: 'bookinfo'}}});
	const url = new URL('/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', endpoint.server);
	return new Promise(resolve => {
		const outgoing = httpsRequest(url, {
			method: 'POST', ca: endpoint.ca, agent: false,
			headers: {authorization: `Bearer ${endpoint.token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body)},
		}, response => {
			response.resume();
			response.on('end', () => {
				resolve(response.statusCode ?? 0);
			});
		});
		outgoing.on('error', () => {
			resolve(0);
		});
		outgoing.flushHeaders();
		outgoing.write(body.slice(0, 10));
		setTimeout(() => {
			outgoing.end(body.slice(10));
		}, ms);
	});
}
