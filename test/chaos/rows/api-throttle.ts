/**
 * An API server that is overloaded (kube-apiserver's own 429 with Retry-After, its one request seat kept busy by a load
 * generator) or slow (every answer 2 s late, put in by the TLS proxy). The proxy stays between meshtop and the server
 * in both, to count and time meshtop's requests.
 */
import {readFile} from 'node:fs/promises';
import path from 'node:path';
import {rawEndpoint} from '../../helpers/raw-api.js';
import type {ChaosRow} from '../row.js';
import {oneSeatFlags, reviewsRoutePatch, seconds, withProxiedBed} from '../support/api-bed.js';
import {startApiLoad} from '../support/api-load.js';
import {pause, untilScreen, weightOnScreen, withConsole} from '../support/console.js';
import {countThrottled} from '../support/throttle-count.js';

const throttled: ChaosRow = {
	group: 'api',
	name: 'kube-apiserver\'s own 429s (one seat + LIST load)',
	short: true,
	limitSeconds: 150,
	async run(context) {
		const windowMs = context.short ? 12_000 : 25_000;
		return withProxiedBed(context, {apiserverFlags: oneSeatFlags}, async ({testbed, proxy, kubeconfig}) => {
			// The load goes straight to the server (as the viewer): the proxy sees only meshtop's requests.
			const load = startApiLoad({endpoint: rawEndpoint(testbed.kubeconfigFile, 'viewer'), loops: 1, idleMs: 60});
			const from = proxy.now();
			const started = Date.now();
			try {
				return await withConsole({dir: context.dir, kubeconfig, context: 'testbed-viewer', args: ['reviews']}, async terminal => {
					// The console starts while the seat is busy: its first reads meet the server's 429s.
					await untilScreen(terminal, text => weightOnScreen(text, 'v1') === 100 && /kube ● live/.test(text), {signal: context.signal, timeoutMs: 60_000, what: 'reviews, watch live, under 429s'});
					const liveMs = Date.now() - started;
					await testbed.kubectl(['patch', 'vs', 'reviews', '-n', 'bookinfo', '--type=json', '-p', reviewsRoutePatch({v1: 60, v3: 40})]);
					const edited = Date.now();
					await untilScreen(terminal, text => weightOnScreen(text, 'v3') === 40, {signal: context.signal, timeoutMs: 20_000, what: 'the edit made under load'});
					const editMs = Date.now() - edited;
					await pause(Math.max(0, windowMs - (Date.now() - started)), context.signal);
					const to = proxy.now();
					const loadStats = load.stats();
					const count = countThrottled(proxy.requests, from, to);
					const shortest = count.retries.length === 0 ? Number.NaN : Math.min(...count.retries.map(retry => retry.gapMs));
					const asked = [...new Set(count.retries.map(retry => retry.retryAfter))].join('/');
					// No storm: no feed asks more than once a second (its Retry-After) while refused.
					const ok = count.refused > 0 && count.retries.length > 0 && count.early.length === 0 && count.busiestSecond <= 2;
					return {
						ok,
						figure: `${count.requests} meshtop requests in ${seconds(to - from)} on ${count.feeds} feeds, ${count.refused} refused by the server (429, Retry-After ${asked || '?'} s); shortest retry after a 429 ${seconds(shortest)}, ${count.early.length} early, busiest feed ${count.busiestSecond}/s (≤ 2); live ${seconds(liveMs)} after start, edit on screen ${seconds(editMs)} after; load ${loadStats.served} lists served, ${loadStats.refused} refused`,
						...(ok ? {} : {detail: `early: ${JSON.stringify(count.early)}\n${proxy.requests.filter(request => request.at >= from && request.at < to && !request.watch).map(request => `${request.at} ${request.method} ${request.url} → ${String(request.status)}`).join('\n')}`}),
					};
				});
			} finally {
				await load.stop();
			}
		});
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
	sharesTestbed: true,
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
