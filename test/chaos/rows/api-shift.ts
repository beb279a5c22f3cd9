/**
 * `meshtop shift` (headless, as a pipeline runs it) under the API faults the console rows inject: kube-apiserver
 * restarted mid-plan, its watches ended, a watch resuming into 410 Gone, and the server's own 429s (one request seat
 * kept busy by a LIST load). One test bed (no watch cache, one seat for reads and one for writes), one shift per fault,
 * each from v1 100 to v3 100 in four 2 s steps as the shifter. Expectation: the plan finishes (the restart too: a
 * write cut by it is read again and settled once the server answers); the route holds exactly the split of the last
 * step shift reported (never a partial one); every reported step has exactly one history line (and its Event, counted).
 */
import {spawn} from 'node:child_process';
import {readFile} from 'node:fs/promises';
import path from 'node:path';
import {createInterface} from 'node:readline';
import {rawEndpoint} from '../../helpers/raw-api.js';
import type {Testbed} from '../../testbed/testbed.js';
import type {ChaosContext, ChaosRow} from '../row.js';
import {etcdCompact, oneSeatFlags, reviewsRoutePatch, seconds, withProxiedBed} from '../support/api-bed.js';
import type {ApiProxy} from '../support/api-proxy.js';
import {holdWriteSeat, startApiLoad} from '../support/api-load.js';
import {pause} from '../support/console.js';
import {countThrottled} from '../support/throttle-count.js';
import {cliPath} from '../support/writes-testbed.js';

type Weights = Record<string, number>;

/** One fault, injected once shift has reported its first step. */
interface ShiftFault {
	name: string;
	/** Before shift starts (the load), if anything. */
	before?: (bed: FaultBed) => Promise<(() => Promise<string>) | undefined>;
	/** After step 1; returns a note for the figure. */
	inject?: (bed: FaultBed) => Promise<string>;
	/** Whether the plan must finish: nothing in the fault stops a write (watches, 429s and cut writes are ridden through). */
	mustFinish: boolean;
	/** A step's write must have been cut by the fault and settled by reading the route again (shift's warning says so). */
	writesCut?: boolean;
	/** At each step shift reports (its write and trail done), before the next write; returns what to await at the end. */
	onStep?: (bed: FaultBed, step: number) => Promise<unknown>;
	/** Writes must have met 429s (and been sent again). */
	writesThrottled?: boolean;
}

interface FaultBed {
	testbed: Testbed;
	proxy: ApiProxy;
	context: ChaosContext;
}

/** What one shift run came to. */
interface ShiftOutcome {
	fault: string;
	ok: boolean;
	summary: string;
	problems: string[];
	/** MeshtopWeightChange Events on the route object so far (they accumulate over the runs). */
	events: number;
	/** History lines this run wrote. */
	historyLines: number;
}

const steps = [25, 50, 75, 100];
const splitOf = (step: number): Weights => ({v1: 100 - step, v2: 0, v3: step});
const same = (a: Weights, b: Weights) => ['v1', 'v2', 'v3'].every(key => (a[key] ?? 0) === (b[key] ?? 0));
const text = (weights: Weights) => ['v1', 'v2', 'v3'].map(key => `${key} ${weights[key] ?? 0}`).join('/');

async function routeWeights(testbed: Testbed): Promise<{weights: Weights; resourceVersion: string; uid: string}> {
	const vs = JSON.parse(await testbed.kubectl(['get', 'vs', 'reviews', '-n', 'bookinfo', '-o', 'json'])) as {
		metadata: {resourceVersion: string; uid: string};
		spec: {http: Array<{route: Array<{destination: {subset: string}; weight?: number}>}>};
	};
	const route = vs.spec.http[0]?.route ?? [];
	const weights = Object.fromEntries(route.map(entry => [entry.destination.subset, entry.weight ?? (route.length === 1 ? 100 : 0)]));
	return {weights, resourceVersion: vs.metadata.resourceVersion, uid: vs.metadata.uid};
}

/** Polls until the API server answers kubectl again (after a restart). */
async function untilAnswering(testbed: Testbed, signal: AbortSignal): Promise<void> {
	for (;;) {
		signal.throwIfAborted();
		if (await testbed.kubectl(['get', '--raw', '/readyz']).then(() => true, () => false)) {
			return;
		}

		await pause(200, signal);
	}
}

const faults: ShiftFault[] = [
	{
		name: 'kube-apiserver restarted',
		mustFinish: true,
		writesCut: true,
		async inject({testbed, context}) {
			await testbed.apiServer.stop();
			await pause(3000, context.signal);
			await testbed.apiServer.start();
			return 'down 3 s';
		},
	},
	{
		name: 'watches ended',
		mustFinish: true,
		async inject({proxy}) {
			return `${proxy.endWatches()} watches ended`;
		},
	},
	{
		name: '410 Gone',
		mustFinish: true,
		async inject({testbed, proxy, context}) {
			// The watches end; their resumption waits while etcd compacts past them, then meets 410 (no watch cache).
			proxy.hold();
			const ended = proxy.endWatches();
			try {
				await testbed.kubectl(['annotate', 'namespace', 'bookinfo', `chaos/shift=${Date.now()}`, '--overwrite']);
				await etcdCompact(testbed.etcdUrl);
			} finally {
				proxy.release();
			}

			await pause(1000, context.signal);
			const gone = proxy.events.filter(event => event.code === 410).length + proxy.requests.filter(request => request.status === 410).length;
			return `${ended} watches ended, ${gone} × 410`;
		},
	},
	{
		name: 'throttled (429s)',
		mustFinish: true,
		writesThrottled: true,
		// The write seat held across the next step's write: its PATCH meets a 429 and must be sent again after Retry-After.
		async onStep({testbed}, step) {
			return step < steps.length ? holdWriteSeat(rawEndpoint(testbed.kubeconfigFile, 'viewer'), 2500) : undefined;
		},
		async before({testbed}) {
			// The seat free a little more often than in the console's row: a read refused 5 times running ends a shift.
			const load = startApiLoad({endpoint: rawEndpoint(testbed.kubeconfigFile, 'viewer'), loops: 1, idleMs: 120});
			return async () => {
				await load.stop();
				const stats = load.stats();
				return `load ${stats.served} lists served`;
			};
		},
	},
];

/** Runs one shift with `fault`, and judges it. */
async function shiftUnder(fault: ShiftFault, bed: FaultBed, kubeconfig: string): Promise<ShiftOutcome> {
	const {testbed, proxy, context} = bed;
	const problems: string[] = [];
	const historyFile = path.join(context.dir, `history-${fault.name.replaceAll(/\W+/g, '-')}.jsonl`);
	await untilAnswering(testbed, context.signal);
	await testbed.kubectl(['patch', 'vs', 'reviews', '-n', 'bookinfo', '--type=json', '-p', reviewsRoutePatch({v1: 100})]);
	const from = proxy.now();
	const stopBefore = await fault.before?.(bed);
	const child = spawn(process.execPath, [
		cliPath, 'shift', 'reviews', '-n', 'bookinfo', '--kubeconfig', kubeconfig, '--context', 'testbed-shifter',
		'--to', 'v3', '--steps', steps.join(','), '--every', '2s', '--json',
	], {env: {...process.env, MESHTOP_HISTORY: historyFile, NO_COLOR: '1'}, signal: context.signal, stdio: ['ignore', 'pipe', 'pipe']});
	let stderr = '';
	child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
		stderr += chunk;
	});
	const events: Array<Record<string, unknown>> = [];
	let injected: Promise<string> | undefined;
	const holds: Array<Promise<unknown>> = [];
	const exited = new Promise<number | null>(resolve => {
		child.on('close', code => {
			resolve(code);
		});
		child.on('error', () => {
			resolve(null);
		});
	});
	for await (const line of createInterface({input: child.stdout})) {
		try {
			events.push(JSON.parse(line) as Record<string, unknown>);
		} catch {
			problems.push(`not JSON on stdout: ${line}`);
		}

		const event = events.at(-1);
		if (fault.onStep !== undefined && event?.['event'] === 'step') {
			holds.push(fault.onStep(bed, Number(event['step'])));
		}

		if (fault.inject !== undefined && injected === undefined && event?.['event'] === 'step') {
			context.log(`${fault.name}: step 1 reported, injecting`);
			injected = fault.inject(bed);
		}
	}

	const code = await exited;
	await Promise.all(holds);
	const note = [await injected?.catch((error: unknown) => `inject failed: ${String(error)}`), await stopBefore?.()].filter(Boolean).join(', ');
	const to = proxy.now();
	await untilAnswering(testbed, context.signal);

	// What shift said it did, and what the cluster holds.
	const reported = events.filter(event => event['event'] === 'step').map(event => event['weights'] as Weights);
	const last = reported.at(-1) ?? splitOf(0);
	const final = events.at(-1);
	const {weights: held, uid} = await routeWeights(testbed);
	if (!same(held, last)) {
		problems.push(`the route holds ${text(held)}, but the last step shift reported was ${text(last)}`);
	}

	if (!steps.some(step => same(held, splitOf(step))) && !same(held, splitOf(0))) {
		problems.push(`partial split on the route: ${text(held)}`);
	}

	// The run's end: done (exit 0), or a stop that says why in words (exit 1).
	const parts = [final?.['reason'], final?.['error'], stderr.trim()].filter((part): part is string => typeof part === 'string' && part !== '');
	// The paused event's error is usually inside its reason: said once.
	const reason = parts.filter((part, index) => !parts.some((other, at) => at !== index && other !== part && other.includes(part))).join('; ');
	if (code === 0) {
		if (final?.['event'] !== 'completed' || !same(held, splitOf(100))) {
			problems.push(`exit 0 but ${JSON.stringify(final)} and the route at ${text(held)}`);
		}
	} else if (code === 1 && fault.mustFinish) {
		problems.push(`stopped, where nothing should stop a write: ${reason}`);
	} else if (code === 1) {
		if (reason === '' || /undefined|\[object|\n\s+at /.test(reason)) {
			problems.push(`stopped without a plain reason: ${JSON.stringify(final)} ${stderr}`);
		}
	} else {
		problems.push(`exit ${String(code)}: ${stderr.trim()}`);
	}

	// Every reported step is in the trail: a history line with its weights; Events counted.
	const lines = (await readFile(historyFile, 'utf8').catch(() => '')).split('\n').filter(line => line !== '').map(line => JSON.parse(line) as {after: Weights});
	const missing = reported.filter(weights => !lines.some(line => same(line.after, weights)));
	if (missing.length > 0) {
		problems.push(`steps missing from the history file: ${missing.map(weights => text(weights)).join(', ')}`);
	}

	const counted = new Map<string, number>();
	for (const line of lines) {
		counted.set(text(line.after), (counted.get(text(line.after)) ?? 0) + 1);
	}

	const doubled = [...counted].filter(([, count]) => count > 1);
	if (doubled.length > 0) {
		problems.push(`a step recorded more than once: ${doubled.map(([split, count]) => `${split} × ${count}`).join(', ')}`);
	}

	// A write cut by the fault says so in a warning: read again after how long, and whether it had landed.
	const cuts = events.filter(event => event['event'] === 'warning' && typeof event['message'] === 'string' && event['message'].includes('the write was cut'))
		.map(event => String(event['message']).replace(/^the write was cut \((.*)\); read again after (\S+ s): it (had landed|had not landed, sent again)$/, '$2, $3'));
	if (fault.writesCut === true && cuts.length === 0) {
		problems.push('no write met the fault: nothing was ridden through');
	}

	const unreported = lines.filter(line => !reported.some(weights => same(line.after, weights)));
	if (unreported.length > 0) {
		problems.push(`history lines for steps shift never reported: ${unreported.map(line => text(line.after)).join(', ')}`);
	}

	const eventList = JSON.parse(await testbed.kubectl(['get', 'events', '-n', 'bookinfo', '--field-selector', `involvedObject.uid=${uid},reason=MeshtopWeightChange`, '-o', 'json'])) as {items: Array<{count?: number; message?: string}>};
	const eventCount = eventList.items.reduce((sum, item) => sum + (item.count ?? 1), 0);
	const patches = proxy.requests.filter(request => request.at >= from && request.at < to && request.method === 'PATCH');
	const refusedPatches = patches.filter(request => request.status === 429).length;
	if (fault.writesThrottled === true && refusedPatches === 0) {
		problems.push('no PATCH met a 429: the write seat was not held when shift wrote');
	}

	const count = countThrottled(proxy.requests, from, to);
	const throttled = count.refused === 0 ? '' : `, ${count.refused} of ${count.requests} requests 429, ${refusedPatches} of ${patches.length} PATCHes (shortest retry ${seconds(Math.min(...count.retries.map(retry => retry.gapMs)))}, ${count.early.length} early)`;
	if (count.early.length > 0) {
		problems.push(`asked again sooner than Retry-After: ${JSON.stringify(count.early)}`);
	}

	const end = code === 0 ? 'done' : `stopped at ${text(held)}: "${reason.slice(0, 160)}"`;
	const ridden = cuts.length === 0 ? '' : `, ${cuts.length} cut write${cuts.length === 1 ? '' : 's'} settled (${cuts.join('; ')})`;
	return {
		fault: fault.name,
		ok: problems.length === 0,
		summary: `${fault.name}${note === '' ? '' : ` (${note})`}: ${reported.length}/${steps.length} steps, ${end}${ridden}, ${lines.length} history lines${throttled}`,
		problems,
		events: eventCount,
		historyLines: lines.length,
	};
}

const shiftRow: ChaosRow = {
	group: 'api',
	name: 'meshtop shift under restart, ended watch, 410, 429s',
	short: false,
	limitSeconds: 300,
	async run(context) {
		return withProxiedBed(context, {apiserverFlags: ['--watch-cache=false', ...oneSeatFlags]}, async ({testbed, proxy, kubeconfig}) => {
			const outcomes: ShiftOutcome[] = [];
			for (const fault of faults) {
				// One shift at a time, each from the split reset before it.
				outcomes.push(await shiftUnder(fault, {testbed, proxy, context}, kubeconfig));
			}

			// Events accumulate on the one route object: the last count covers every run.
			const events = outcomes.at(-1)?.events ?? 0;
			const historyLines = outcomes.reduce((sum, outcome) => sum + outcome.historyLines, 0);
			const ok = outcomes.every(outcome => outcome.ok);
			return {
				ok,
				figure: `${outcomes.map(outcome => outcome.summary).join('; ')}; ${events} Events for ${historyLines} history lines`,
				...(ok ? {} : {detail: outcomes.flatMap(outcome => outcome.problems.map(problem => `${outcome.fault}: ${problem}`)).join('\n')}),
			};
		});
	},
};

/** `meshtop shift` under API faults. */
export const apiShiftRows: ChaosRow[] = [shiftRow];
