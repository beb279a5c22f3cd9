/**
 * An API server that is overloaded (429 with Retry-After) or slow (every answer 2 s late), put between meshtop and the
 * real kube-apiserver by the TLS proxy, which counts the requests and times them.
 */
import {readFile} from 'node:fs/promises';
import path from 'node:path';
import type {ChaosRow} from '../row.js';
import {reviewsRoutePatch, seconds, withProxiedBed} from '../support/api-bed.js';
import {pause, untilScreen, weightOnScreen, withConsole} from '../support/console.js';

const retryAfterSeconds = 3;

const throttled: ChaosRow = {
	group: 'api',
	name: `429 with Retry-After: ${retryAfterSeconds} on every read of the namespace`,
	short: false,
	limitSeconds: 150,
	async run(context) {
		const windowMs = context.short ? 10_000 : 20_000;
		return withProxiedBed(context, {}, async ({testbed, proxy, kubeconfig}) => withConsole({dir: context.dir, kubeconfig, args: ['reviews']}, async terminal => {
			await untilScreen(terminal, text => weightOnScreen(text, 'v1') === 100 && /kube ● live/.test(text), {signal: context.signal, timeoutMs: 30_000, what: 'reviews, watch live'});
			const from = proxy.now();
			proxy.setThrottle({retryAfterSeconds, match: request => request.method === 'GET' && request.url.includes('/namespaces/bookinfo/')});
			const ended = proxy.endWatches();
			await testbed.kubectl(['patch', 'vs', 'reviews', '-n', 'bookinfo', '--type=json', '-p', reviewsRoutePatch({v1: 60, v3: 40})]);
			await pause(windowMs, context.signal);
			proxy.setThrottle(undefined);
			const to = proxy.now();
			const lifted = Date.now();
			await untilScreen(terminal, text => weightOnScreen(text, 'v3') === 40, {signal: context.signal, timeoutMs: 20_000, what: 'the edit made while throttled'});
			const recoveredMs = Date.now() - lifted;
			const during = proxy.requests.filter(request => request.at >= from && request.at < to && request.method === 'GET' && request.url.includes('/namespaces/bookinfo/'));
			const byCollection = new Map<string, typeof during>();
			for (const request of during) {
				const collection = request.url.split('?')[0]!;
				byCollection.set(collection, [...byCollection.get(collection) ?? [], request]);
			}

			// After a 429, the same feed's next request comes no sooner than Retry-After (100 ms of slack for the proxy's clock).
			const gaps = [...byCollection.values()].flatMap(requests => requests.slice(1).flatMap((request, index) => requests[index]!.status === 429 ? [request.at - requests[index]!.at] : []));
			const minGap = gaps.length === 0 ? Number.NaN : Math.min(...gaps);
			const ceiling = byCollection.size * (Math.floor(windowMs / (retryAfterSeconds * 1000)) + 1);
			const refused = during.filter(request => request.status === 429).length;
			const ok = ended > 0 && refused > 0 && gaps.length > 0 && minGap >= retryAfterSeconds * 1000 - 100 && during.length <= ceiling;
			return {
				ok,
				figure: `${during.length} requests in ${seconds(windowMs)} to ${byCollection.size} collections (≤ ${ceiling}), shortest retry ${seconds(minGap)} after a 429 (Retry-After ${retryAfterSeconds} s); edit on screen ${seconds(recoveredMs)} after`,
				...(ok ? {} : {detail: `watches ended ${ended}, 429s ${refused}\n${during.map(request => `${request.at} ${request.url} → ${String(request.status)}`).join('\n')}`}),
			};
		}));
	},
};

function percentile(values: readonly number[], p: number): number {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

const slow: ChaosRow = {
	group: 'api',
	name: 'slow API (every answer 2 s late): keys and header',
	short: false,
	limitSeconds: 150,
	async run(context) {
		const cycles = context.short ? 3 : 6;
		const timingFile = path.join(context.dir, 'key-timing.txt');
		return withProxiedBed(context, {}, async ({proxy, kubeconfig}) => withConsole({dir: context.dir, kubeconfig, args: ['reviews'], env: {MESHTOP_KEY_TIMING: timingFile}}, async terminal => {
			await untilScreen(terminal, text => weightOnScreen(text, 'v1') === 100 && /kube ● live/.test(text) && /prometheus ● live/.test(text), {signal: context.signal, timeoutMs: 60_000, what: 'reviews, watch and metrics live'});
			// The same keys with nothing waiting first: the machine's own figure, to read the slow-API one against.
			const readTimes = async () => (await readFile(timingFile, 'utf8').catch(() => '')).split('\n').filter(line => line !== '').map(Number);
			for (let press = 0; press < 60; press++) {
				terminal.keys(press % 2 === 0 ? 'Down' : 'Up');
				await pause(50, context.signal);
			}

			await pause(200, context.signal);
			const baseline = await readTimes();
			proxy.setDelay(2000);
			let pressed = 0;
			let waitingShown: string | undefined;
			for (let cycle = 0; cycle < cycles; cycle++) {
				// The watches end; their next requests wait 2 s in the proxy: the console has requests pending meanwhile.
				proxy.endWatches();
				const asked = Date.now();
				while (proxy.pending() === 0 && Date.now() - asked < 2000) {
					await pause(20, context.signal);
				}

				// Keys only while a request waits: each is timed by the console itself (key handled → frame committed).
				let key = 'Down';
				while (proxy.pending() > 0) {
					terminal.keys(key);
					pressed++;
					key = key === 'Down' ? 'Up' : 'Down';
					await pause(50, context.signal);
					waitingShown ??= /waiting \d+\.\d s for the API server/.exec(terminal.screen())?.[0];
				}

				await untilScreen(terminal, text => /kube ● live/.test(text), {signal: context.signal, timeoutMs: 10_000, what: 'the watch live again'});
			}

			const latencies = (await readTimes()).slice(baseline.length);
			const p50 = percentile(latencies, 50);
			const p99 = percentile(latencies, 99);
			const idle = `nothing waiting: p50 ${percentile(baseline, 50).toFixed(1)} / p99 ${percentile(baseline, 99).toFixed(1)} ms`;
			const ok = pressed >= 10 * cycles && latencies.length >= pressed * 0.9 && p99 <= 16 && waitingShown !== undefined;
			return {
				ok,
				figure: `key → frame (meshtop's MESHTOP_KEY_TIMING) p50 ${p50.toFixed(1)} / p99 ${p99.toFixed(1)} ms over ${latencies.length} of ${pressed} keys sent while a request waited 2 s (≤ 16 ms; ${idle}); header: "${waitingShown ?? 'no waiting shown'}"`,
				...(ok ? {} : {detail: terminal.screen()}),
			};
		}));
	},
};

/** The overloaded and slow API rows. */
export const apiThrottleRows: ChaosRow[] = [throttled, slow];
