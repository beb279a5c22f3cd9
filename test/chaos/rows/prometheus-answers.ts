/**
 * Prometheus rows that break its answers: a fault-injecting proxy in front of the simulated cluster's Prometheus,
 * reached with --prometheus-url, makes it hang past the client's timeout, answer 500 or 503, send a body that is not
 * JSON, samples that are NaN or +Inf, or no series at all. The console in tmux must say so in the header within a
 * refresh, never show the old numbers as live, not crash, and be live again within two refreshes of the fix.
 */
import type {ChaosContext, ChaosResult, ChaosRow} from '../row.js';
import {runFaultEpisode, type FaultExpectation} from '../support/fault-episode.js';
import {startPrometheusProxy, type PrometheusProxy, type ProxyFault} from '../support/prometheus-proxy.js';
import {startSimConsole, waitForLiveTraffic} from '../support/sim-console.js';
import {prometheusHeader} from '../support/console-screen.js';

interface AnswerFault {
	name: string;
	fault: ProxyFault;
	expect: FaultExpectation;
	short: boolean;
	/** Fault duration, full form (the short form halves it, never below 3 s). */
	holdMs: number;
	detectLimitMs?: number;
	/** Something the header must say during the fault, once the fault has been on for `atMs`. */
	says?: {pattern: RegExp; atMs: number};
}

async function runAnswerFault(spec: AnswerFault, context: ChaosContext): Promise<ChaosResult> {
	let proxy: PrometheusProxy | undefined;
	const bed = await startSimConsole({
		dir: context.dir,
		async args(sim) {
			proxy = await startPrometheusProxy({upstream: sim.prometheus.url});
			// --no-live: these rows judge what Prometheus' answers do to the screen; live mode would show the pods' own numbers.
			return ['reviews', '-n', 'bookinfo', '--prometheus-url', proxy.url, '--no-live'];
		},
	}).catch(async (error: unknown) => {
		await proxy?.stop();
		throw error;
	});
	const {terminal} = bed;
	const faulty = proxy!;
	try {
		await waitForLiveTraffic(terminal, 20_000, context.signal);
		const holdMs = context.short ? Math.max(3000, spec.holdMs / 2) : spec.holdMs;
		let saw = spec.says === undefined;
		const result = await runFaultEpisode({
			terminal,
			expect: spec.expect,
			// The fault is held until the header has had time to say it: the query that meets the fault may start up
			// to one refresh (1 s) after it, then 1.5 s for a loaded machine to draw the answer.
			holdMs: Math.max(holdMs, (spec.says?.atMs ?? 0) + 2500),
			detectLimitMs: spec.detectLimitMs,
			signal: context.signal,
			log: line => {
				context.log(line);
			},
			inject() {
				faulty.setFault(spec.fault);
			},
			clear() {
				faulty.setFault('none');
			},
			check(screen, at) {
				if (spec.says !== undefined && at >= spec.says.atMs && spec.says.pattern.test(screen)) {
					saw = true;
				}

				return undefined;
			},
		});
		const problems = [...result.problems];
		if (!saw) {
			problems.push(`the screen never said ${String(spec.says?.pattern)}`);
		}

		context.log(`proxy counts ${JSON.stringify(faulty.counts)}; header at the end: ${prometheusHeader(terminal.screen())?.line ?? '?'}`);
		terminal.keys('q');
		const status = await terminal.waitForExit(5000).catch(() => undefined);
		if (status !== 0) {
			problems.push(`q did not exit 0 (${String(status)})`);
		}

		return {ok: problems.length === 0, figure: result.figure, ...(problems.length === 0 ? {} : {detail: problems.join('\n')})};
	} finally {
		await bed.stop();
		await proxy?.stop();
	}
}

const faults: AnswerFault[] = [
	{name: 'query timeout (held past the client\'s 5 s)', fault: 'hang', expect: 'stale', short: true, holdMs: 7000, detectLimitMs: 2500, says: {pattern: /did not answer in 5 s/, atMs: 5500}},
	{name: 'HTTP 500', fault: 'http500', expect: 'stale', short: true, holdMs: 5000, says: {pattern: /Prometheus: .*HTTP 500/, atMs: 1500}},
	{name: 'HTTP 503', fault: 'http503', expect: 'stale', short: false, holdMs: 5000, says: {pattern: /Prometheus: .*HTTP 503/, atMs: 1500}},
	{name: 'invalid JSON', fault: 'invalid-json', expect: 'stale', short: false, holdMs: 5000, says: {pattern: /Prometheus: .*without JSON/, atMs: 1500}},
	{name: 'NaN samples', fault: 'nan', expect: 'no-numbers', short: true, holdMs: 5000},
	{name: '+Inf samples', fault: 'inf', expect: 'no-numbers', short: false, holdMs: 5000},
	{name: 'empty results', fault: 'empty', expect: 'no-numbers', short: false, holdMs: 5000},
];

/** Rows: Prometheus' answers broken in transit. */
export const prometheusAnswerRows: ChaosRow[] = faults.map(spec => ({
	group: 'prometheus',
	name: spec.name,
	short: spec.short,
	limitSeconds: 60,
	run: async context => runAnswerFault(spec, context),
}));
