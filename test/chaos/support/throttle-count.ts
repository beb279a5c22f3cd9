/**
 * What an API row under 429s judges from the proxy's record of meshtop's requests: per feed (method and URL, the
 * resumption's resourceVersion left out), how many requests came in a window and how soon each followed a 429.
 */
import type {ProxiedRequest} from './api-proxy.js';

/** The figures of one throttle window. */
export interface ThrottleCount {
	/** meshtop's requests in the window (watches and port-forward upgrades left out: the in-flight limit skips them). */
	requests: number;
	/** Of those, refused with 429. */
	refused: number;
	/** Distinct feeds (method + URL). */
	feeds: number;
	/** Each gap between a 429 and the same feed's next request, in ms, with the Retry-After it answered. */
	retries: Array<{gapMs: number; retryAfter: number; feed: string}>;
	/** Retries sooner than their Retry-After (100 ms of slack for the proxy's clock). */
	early: Array<{gapMs: number; retryAfter: number; feed: string}>;
	/** The most requests one feed sent in any second. */
	busiestSecond: number;
}

/** The feed a request belongs to: method and path with its query, without the resourceVersion a watch resumes from. */
export function feedOf(request: Pick<ProxiedRequest, 'method' | 'url'>): string {
	const url = new URL(request.url, 'https://x');
	url.searchParams.delete('resourceVersion');
	url.searchParams.delete('timeoutSeconds');
	return `${request.method} ${url.pathname}${url.search}`;
}

/** Counts the requests of [from, to) (the proxy's clock). */
export function countThrottled(all: readonly ProxiedRequest[], from: number, to: number): ThrottleCount {
	const during = all.filter(request => request.at >= from && request.at < to && !request.watch && !request.url.includes('/portforward'));
	const byFeed = new Map<string, ProxiedRequest[]>();
	for (const request of during) {
		byFeed.set(feedOf(request), [...byFeed.get(feedOf(request)) ?? [], request]);
	}

	const retries: ThrottleCount['retries'] = [];
	let busiestSecond = 0;
	for (const [feed, requests] of byFeed) {
		for (const [index, request] of requests.entries()) {
			const next = requests[index + 1];
			if (request.status === 429 && next !== undefined) {
				retries.push({gapMs: next.at - request.at, retryAfter: request.retryAfter ?? 0, feed});
			}

			busiestSecond = Math.max(busiestSecond, requests.filter(other => other.at >= request.at && other.at < request.at + 1000).length);
		}
	}

	return {
		requests: during.length,
		refused: during.filter(request => request.status === 429).length,
		feeds: byFeed.size,
		retries,
		early: retries.filter(retry => retry.gapMs < (retry.retryAfter * 1000) - 100),
		busiestSecond,
	};
}
