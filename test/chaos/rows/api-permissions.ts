/**
 * Permissions on the real API server's RBAC: a read-only user gets a read-only console that says why and never sends
 * a write; a user whose Role is taken away mid-session sees the 403 plainly while metrics go on.
 */
import type {ChaosRow} from '../row.js';
import {seconds, withProxiedBed} from '../support/api-bed.js';
import {stagedOnScreen, untilScreen, weightOnScreen, withConsole, pause} from '../support/console.js';

const readOnlyUser: ChaosRow = {
	group: 'api',
	name: 'read-only user (viewer Role) opens the console',
	short: true,
	sharesTestbed: true,
	limitSeconds: 150,
	async run(context) {
		return withProxiedBed(context, {}, async ({proxy, kubeconfig}) => withConsole({dir: context.dir, kubeconfig, context: 'testbed-viewer', args: ['reviews']}, async terminal => {
			const opened = Date.now();
			const screen = await untilScreen(terminal, text => /read-only: user viewer cannot patch virtualservices\/reviews in bookinfo/.test(text) && weightOnScreen(text, 'v1') === 100,
				{signal: context.signal, timeoutMs: 30_000, what: 'the read-only line'});
			const shownMs = Date.now() - opened;
			context.log(`read-only after ${shownMs} ms`);
			terminal.keys('Down', 'Down', 'Right', 'Right', 'Enter', 'Enter', 'u');
			await pause(2000, context.signal);
			const after = terminal.screen();
			const patches = proxy.requests.filter(request => request.method === 'PATCH' || request.method === 'PUT').length;
			const reviews = proxy.requests.filter(request => request.method === 'POST' && request.url.includes('selfsubjectaccessreviews')).length;
			const ok = /READ-ONLY/.test(screen) && patches === 0 && reviews >= 1 && stagedOnScreen(after, 'v3') === undefined;
			return {
				ok,
				figure: `read-only with the reason ${seconds(shownMs)} after start; ${patches} PATCH, ${reviews} access review`,
				...(ok ? {} : {detail: `PATCH/PUT ${patches}, SelfSubjectAccessReviews ${reviews}, v3 staged ${String(stagedOnScreen(after, 'v3'))}\n${after}`}),
			};
		}));
	},
};

const roleRemoved: ChaosRow = {
	group: 'api',
	name: 'Role removed mid-session, then Enter',
	short: false,
	limitSeconds: 150,
	async run(context) {
		return withProxiedBed(context, {}, async ({testbed, proxy, kubeconfig}) => withConsole({dir: context.dir, kubeconfig, context: 'testbed-shifter', args: ['reviews']}, async terminal => {
			await untilScreen(terminal, text => weightOnScreen(text, 'v1') === 100 && /prometheus ● live data (now|\ds ago)/.test(text),
				{signal: context.signal, timeoutMs: 60_000, what: 'reviews with live metrics'});
			terminal.keys('Down', 'Down', 'Right');
			await untilScreen(terminal, text => stagedOnScreen(text, 'v3') === 10, {signal: context.signal, timeoutMs: 5000, what: 'v3 staged at 10'});
			await testbed.kubectl(['delete', 'rolebinding', 'meshtop-shifters', '-n', 'bookinfo']);
			const pressed = Date.now();
			terminal.keys('Enter', 'Enter');
			const refused = await untilScreen(terminal, text => /forbidden: cannot patch virtualservices\.networking\.istio\.io/.test(text),
				{signal: context.signal, timeoutMs: 10_000, what: 'the 403'});
			const shownMs = Date.now() - pressed;
			context.log(refused);
			// Metrics keep flowing: five seconds on, Prometheus is live with data at most 2 s old.
			await pause(5000, context.signal);
			const later = terminal.screen();
			const fresh = /prometheus ● live data (now|[12]s ago)/.test(later);
			const weights = JSON.parse(await testbed.kubectl(['get', 'vs', 'reviews', '-n', 'bookinfo', '-o', 'jsonpath={.spec.http[0].route}'])) as Array<{weight?: number}>;
			const unchanged = weights.length === 1;
			const patches = proxy.requests.filter(request => request.method === 'PATCH');
			const ok = fresh && unchanged && patches.length === 1 && patches[0]!.status === 403;
			return {
				ok,
				figure: `403 on screen ${seconds(shownMs)} after Enter; metrics live 5 s later: ${fresh ? 'yes' : 'no'}`,
				...(ok ? {} : {detail: `route unchanged ${String(unchanged)}, PATCHes ${JSON.stringify(patches)}\n${later}`}),
			};
		}));
	},
};

/** The permission rows. */
export const apiPermissionRows: ChaosRow[] = [readOnlyUser, roleRemoved];
