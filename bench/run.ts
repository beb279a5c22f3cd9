/**
 * `npm run bench`: meshtop's performance budget (DESIGN.md), measured against fakes in-process, the simulated cluster
 * on loopback and the real CLI in a pseudo-terminal. Prints one table; exits 0 even when a target is missed, 1 only
 * when something could not be measured.
 */
import './console-heap-policy.js';
import {availableParallelism, loadavg} from 'node:os';
import {performance} from 'node:perf_hooks';
import process from 'node:process';
import {runApplyBench} from './apply-latency.js';
import {runIntentBench} from './intent-fsync.js';
import {runCliBench} from './cli-bench.js';
import {runOneShotBench} from './oneshot-bench.js';
import {runFailureVisibleBench} from './failure-visible.js';
import {runQueryCountBench} from './query-count.js';
import type * as KeypressStage from './keypress-bench.js';
import type * as RefreshBytesStage from './refresh-bytes.js';
import {formatTable, type Row} from './report.js';

// Exit handlers (the sim's Prometheus, the CLI in its pty) run on process.exit, not on a default signal death.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
	process.once(signal, () => {
		process.exit(130);
	});
}

// `--rss-minutes N` (default 10, the budget's): how long the real CLI runs before its RSS is judged (its idle CPU over
// the minute before); 0 skips the wait and judges neither.
const rssMinutesIndex = process.argv.indexOf('--rss-minutes');
const rssMinutes = rssMinutesIndex === -1 ? 10 : Number.parseFloat(process.argv[rssMinutesIndex + 1] ?? '');
if (!Number.isFinite(rssMinutes) || rssMinutes < 0) {
	process.stderr.write('bench: --rss-minutes needs a number of minutes (0 to skip the long run: no idle CPU or RSS judged)\n');
	process.exit(2);
}

// The in-process frame stages run from their bundle (scripts/bundle-bench.mjs), built with the product's Ink patches.
const asShipped = async <Module>(name: string): Promise<Module> => import(new URL(`as-shipped/${name}.js`, import.meta.url).href) as Promise<Module>;
const runKeypressBench = async () => (await asShipped<typeof KeypressStage>('keypress-bench')).runKeypressBench();
const runRefreshBytesBench = async (refreshes: number) => (await asShipped<typeof RefreshBytesStage>('refresh-bytes')).runRefreshBytesBench(refreshes);

const stages: Array<[string, () => Promise<Row[]>]> = [
	['Prometheus queries per refresh', runQueryCountBench],
	['keypress -> frame (in-process, fake 80x24 TTY)', runKeypressBench],
	['bytes per refresh (in-process)', async () => runRefreshBytesBench(50)],
	['Enter -> patch acknowledged (sim)', async () => [...await runApplyBench(100), ...await runIntentBench(100)]],
	['real CLI in a pty (sim)', async () => runCliBench({idleSeconds: 10, watchEdits: 10, rssMinutes})],
	['one-shot commands vs kubectl (sim)', runOneShotBench],
	['failure visible: live vs a rate[1m] dashboard (sim, 15 s scrape)', runFailureVisibleBench],
];

// `npm run bench -- --only WORD` runs the stages whose name contains WORD (profiling one part at a time).
const onlyIndex = process.argv.indexOf('--only');
const only = onlyIndex === -1 ? undefined : process.argv[onlyIndex + 1];
const selected = only === undefined ? stages : stages.filter(([name]) => name.includes(only));

const startedAt = performance.now();
const loadBefore = loadavg()[0]!;
const rows: Row[] = [];
for (const [name, stage] of selected) {
	process.stderr.write(`bench: ${name}…\n`);
	rows.push(...await stage());
}

const seconds = (performance.now() - startedAt) / 1000;
// Other work on the machine shows in every latency: the load average says how quiet it was.
const react = process.env['NODE_ENV'] === 'production' ? 'production' : 'development';
process.stdout.write(`\nmeshtop bench — node ${process.version}, React ${react} build, ${availableParallelism()} CPUs, `
	+ `load average ${loadBefore.toFixed(2)} at start / ${loadavg()[0]!.toFixed(2)} at end, ${seconds.toFixed(0)} s\n\n`);
process.stdout.write(formatTable(rows) + '\n');
const unmeasured = rows.filter(row => row.failed === true).length;
if (unmeasured > 0) {
	process.stdout.write(`\n${unmeasured} figure(s) could not be measured.\n`);
}

process.exitCode = unmeasured > 0 ? 1 : 0;
