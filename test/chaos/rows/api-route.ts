/** The route object itself deleted and recreated (same name, new uid) while a change is staged in the console. */
import type {ChaosRow} from '../row.js';
import {seconds, withProxiedBed} from '../support/api-bed.js';
import {pause, stagedOnScreen, untilScreen, weightOnScreen, withConsole} from '../support/console.js';

const recreated: ChaosRow = {
	group: 'api',
	name: 'route deleted and recreated while a change is staged',
	short: true,
	sharesTestbed: true,
	limitSeconds: 150,
	async run(context) {
		return withProxiedBed(context, {}, async ({testbed, proxy, kubeconfig}) => withConsole({dir: context.dir, kubeconfig, args: ['reviews']}, async terminal => {
			// The watch live before anything is staged: the fault is the watch's to report. (On a warm shared test bed the
			// first frame comes before the feeds have started; keys sent at that frame were once seen lost.)
			await untilScreen(terminal, text => weightOnScreen(text, 'v1') === 100 && /kube ● live/.test(text), {signal: context.signal, timeoutMs: 30_000, what: 'reviews at v1 100, watch live'});
			terminal.keys('Down', 'Down', 'Right', 'Right');
			await untilScreen(terminal, text => stagedOnScreen(text, 'v3') === 20, {signal: context.signal, timeoutMs: 5000, what: 'v3 staged at 20'});
			const saved = JSON.parse(await testbed.kubectl(['get', 'vs', 'reviews', '-n', 'bookinfo', '-o', 'json'])) as {metadata: Record<string, unknown>};
			const fresh = {...saved, metadata: {name: saved.metadata['name'], namespace: saved.metadata['namespace']}};
			await testbed.kubectl(['delete', 'vs', 'reviews', '-n', 'bookinfo']);
			const deleted = Date.now();
			await untilScreen(terminal, text => /VirtualService reviews was deleted; your staged change was discarded/.test(text), {signal: context.signal, timeoutMs: 10_000, what: 'the deletion and the discarded change'});
			const deletionMs = Date.now() - deleted;
			await testbed.kubectl(['create', '-f', '-'], {input: JSON.stringify(fresh)});
			const created = Date.now();
			const back = await untilScreen(terminal, text => /VirtualService reviews was created \(uid [0-9a-f-]+\)/.test(text) && weightOnScreen(text, 'v1') === 100,
				{signal: context.signal, timeoutMs: 10_000, what: 'the recreated route'});
			const creationMs = Date.now() - created;
			// Enter now has nothing to apply: the change staged against the old object is gone.
			terminal.keys('Enter', 'Enter');
			await pause(1500, context.signal);
			const patches = proxy.requests.filter(request => request.method === 'PATCH').length;
			const ok = patches === 0 && stagedOnScreen(back, 'v3') === undefined;
			return {
				ok,
				figure: `deletion + discarded change shown in ${seconds(deletionMs)}, recreation in ${seconds(creationMs)}; ${patches} PATCH`,
				...(ok ? {} : {detail: terminal.screen()}),
			};
		}));
	},
};

/** The route-lifecycle rows. */
export const apiRouteRows: ChaosRow[] = [recreated];
