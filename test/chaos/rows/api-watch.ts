/**
 * The console's watch against a real kube-apiserver that goes away, ends watches, or has compacted the history the
 * watch would resume from. Edits are made by kubectl; the screen and the watch events meshtop was sent are checked.
 */
import {rawEndpoint, rawRequest} from '../../helpers/raw-api.js';
import type {ChaosRow} from '../row.js';
import {etcdCompact, reviewsRoutePatch, seconds, withProxiedBed} from '../support/api-bed.js';
import {pause, untilScreen, weightOnScreen, withConsole} from '../support/console.js';

const vsCollection = '/apis/networking.istio.io/v1/namespaces/bookinfo/virtualservices';

/** Polls `probe` every 50 ms until it holds (errors count as not yet) and returns when it first did (Date.now()). */
async function answersAgain(probe: () => Promise<boolean>, signal: AbortSignal): Promise<number> {
	for (;;) {
		signal.throwIfAborted();
		if (await probe().catch(() => false)) {
			return Date.now();
		}

		await pause(50, signal);
	}
}

const restart: ChaosRow = {
	group: 'api',
	name: 'kube-apiserver restarted mid-watch, edit while down',
	short: false,
	limitSeconds: 180,
	async run(context) {
		return withProxiedBed(context, {}, async ({testbed, proxy, kubeconfig}) => {
			// A second API server on the same etcd takes the edit while the console's one is down.
			const other = await testbed.startExtraApiServer();
			try {
				return await withConsole({dir: context.dir, kubeconfig, args: ['reviews']}, async terminal => {
					await untilScreen(terminal, text => weightOnScreen(text, 'v1') === 100, {signal: context.signal, timeoutMs: 30_000, what: 'reviews at v1 100'});
					await testbed.apiServer.stop();
					context.log('kube-apiserver stopped');
					await testbed.kubectl(['--server', other.server, 'patch', 'vs', 'reviews', '-n', 'bookinfo', '--type=json', '-p', reviewsRoutePatch({v1: 70, v3: 30})]);
					await pause(3000, context.signal);
					const whileDown = terminal.screen();
					// "Back" is the first moment the restarted server answers a read of the route (it serves before /readyz is ok).
					const starting = testbed.apiServer.start();
					const endpoint = rawEndpoint(testbed.kubeconfigFile);
					const back = await answersAgain(async () => (await rawRequest(endpoint, 'GET', `${vsCollection}/reviews`)).code === 200, context.signal);
					const backAt = proxy.now();
					context.log('kube-apiserver answers again');
					await untilScreen(terminal, text => weightOnScreen(text, 'v3') === 30 && weightOnScreen(text, 'v1') === 70, {signal: context.signal, timeoutMs: 30_000, what: 'the edit made while it was down', intervalMs: 20});
					const shownMs = Date.now() - back;
					await starting;
					const ok = shownMs <= 2000 && weightOnScreen(whileDown, 'v1') === 100;
					const after = proxy.requests.filter(request => request.at >= backAt - 3000).map(request => `${request.at - backAt} ms ${request.method} ${request.url} → ${String(request.status)}`);
					return {ok, figure: `edit on screen ${seconds(shownMs)} after the server answered again (≤ 2 s)`, ...(ok ? {} : {detail: `requests around the return:\n${after.join('\n')}\nscreen while down:\n${whileDown}`})};
				});
			} finally {
				await other.stop();
			}
		});
	},
};

const watchEnded: ChaosRow = {
	group: 'api',
	name: 'watch ended by the server (--min-request-timeout=4)',
	short: false,
	limitSeconds: 180,
	async run(context) {
		const edits = context.short ? 8 : 16;
		return withProxiedBed(context, {apiserverFlags: ['--min-request-timeout=4']}, async ({testbed, proxy, kubeconfig}) => withConsole({dir: context.dir, kubeconfig, args: ['reviews']}, async terminal => {
			await untilScreen(terminal, text => weightOnScreen(text, 'v1') === 100, {signal: context.signal, timeoutMs: 30_000, what: 'reviews at v1 100'});
			const versions: string[] = [];
			for (let edit = 1; edit <= edits; edit++) {
				 
				const version = await testbed.kubectl(['patch', 'vs', 'reviews', '-n', 'bookinfo', '--type=json', '-p', reviewsRoutePatch({v1: 100 - edit, v3: edit}), '-o', 'jsonpath={.metadata.resourceVersion}']);
				versions.push(version.trim());
				 
				await pause(1000, context.signal);
			}

			await untilScreen(terminal, text => weightOnScreen(text, 'v3') === edits, {signal: context.signal, timeoutMs: 10_000, what: `the last edit (v3 ${edits})`});
			const delivered = proxy.events.filter(event => event.path === vsCollection && event.name === 'reviews' && event.type === 'MODIFIED').map(event => event.resourceVersion ?? '?');
			const lost = versions.filter(version => !delivered.includes(version));
			const doubled = [...new Set(delivered)].filter(version => delivered.filter(other => other === version).length > 1);
			const extra = delivered.filter(version => !versions.includes(version));
			const watches = proxy.requests.filter(request => request.watch && request.url.startsWith(`${vsCollection}?`));
			const lists = proxy.requests.filter(request => !request.watch && request.method === 'GET' && (request.url === vsCollection || request.url.startsWith(`${vsCollection}?`)));
			// Each watch after the first starts from the last resourceVersion the one before delivered (event or bookmark).
			const resumedWrong = watches.slice(1).filter((request, index) => {
				const previous = watches[index]!;
				const seen = proxy.events.filter(event => event.path === vsCollection && event.at >= previous.at && event.at <= request.at && event.resourceVersion !== undefined).at(-1);
				const asked = new URL(request.url, 'https://x').searchParams.get('resourceVersion');
				return seen !== undefined && asked !== seen.resourceVersion;
			});
			const ok = lost.length === 0 && doubled.length === 0 && extra.length === 0 && watches.length >= 2 && lists.length === 1 && resumedWrong.length === 0;
			return {
				ok,
				figure: `${edits} edits, ${delivered.length} events, ${watches.length - 1} watches ended and resumed, ${lists.length - 1} relists, ${lost.length} lost, ${doubled.length} doubled`,
				...(ok ? {} : {detail: `lost ${lost.join(',')}; doubled ${doubled.join(',')}; extra ${extra.join(',')}; lists ${lists.length}; watches ${watches.map(request => request.url).join('\n')}; resumed from a wrong version: ${resumedWrong.map(request => request.url).join(', ')}`}),
			};
		}));
	},
};

const gone: ChaosRow = {
	group: 'api',
	name: '410 Gone: watch resumes from a compacted version',
	short: true,
	limitSeconds: 150,
	async run(context) {
		// Without the watch cache, a watch from a compacted resourceVersion reaches etcd, which answers 410.
		return withProxiedBed(context, {apiserverFlags: ['--watch-cache=false']}, async ({testbed, proxy, kubeconfig}) => withConsole({dir: context.dir, kubeconfig, args: ['reviews']}, async terminal => {
			await untilScreen(terminal, text => weightOnScreen(text, 'v1') === 100, {signal: context.signal, timeoutMs: 30_000, what: 'reviews at v1 100'});
			// The screen shows the first list before the watch's answer may have started; a watch not yet answered is not
			// ended below, and it delivered the edits itself, with no 410 to see (a CI run failed so).
			await answersAgain(async () => proxy.requests.some(request => request.watch && request.url.startsWith(`${vsCollection}?`) && request.status === 200), context.signal);
			// The watches end as at a server timeout; their resumption waits while the history moves on and is compacted.
			proxy.hold();
			const ended = proxy.endWatches();
			for (const [v1, v3] of [[80, 20], [60, 40], [35, 65]] as const) {
				 
				await testbed.kubectl(['patch', 'vs', 'reviews', '-n', 'bookinfo', '--type=json', '-p', reviewsRoutePatch({v1, v3})]);
			}

			const revision = await etcdCompact(testbed.etcdUrl);
			context.log(`ended ${ended} watches, compacted etcd at ${revision}`);
			const released = Date.now();
			const releasedAt = proxy.now();
			proxy.release();
			await untilScreen(terminal, text => weightOnScreen(text, 'v3') === 65 && weightOnScreen(text, 'v1') === 35, {signal: context.signal, timeoutMs: 20_000, what: 'the last edit after the relist'});
			const shownMs = Date.now() - released;
			const goneEvent = proxy.events.find(event => event.path === vsCollection && event.type === 'ERROR' && event.code === 410 && event.at >= releasedAt);
			const goneStatus = proxy.requests.find(request => request.watch && request.url.startsWith(vsCollection) && request.status === 410 && request.at >= releasedAt - 60_000);
			const goneAt = goneEvent?.at ?? goneStatus?.at;
			const relist = goneAt === undefined ? undefined : proxy.requests.find(request => !request.watch && request.method === 'GET' && request.url.startsWith(vsCollection) && request.at >= goneAt);
			await pause(500, context.signal);
			const ok = goneAt !== undefined && relist !== undefined && weightOnScreen(terminal.screen(), 'v3') === 65;
			return {
				ok,
				figure: `410 then relist; screen correct ${seconds(shownMs)} after the watch could resume`,
				...(ok ? {} : {detail: `410 seen: ${String(goneAt)}; relist: ${JSON.stringify(relist)}; watch requests: ${proxy.requests.filter(request => request.watch && request.url.startsWith(vsCollection)).map(request => `${request.url} → ${String(request.status)}`).join('\n')}`}),
			};
		}));
	},
};

/** The watch rows. */
export const apiWatchRows: ChaosRow[] = [restart, watchEnded, gone];
