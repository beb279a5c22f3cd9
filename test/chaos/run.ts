/**
 * `npm run chaos [-- --short] [--only TEXT] [--verbose]`: injects each fault of the chaos table into a running meshtop,
 * checks its expectation and prints its figure; exits 1 when a row failed (or none was selected), 130 on Ctrl-C.
 */
import process from 'node:process';
import {parseArgs} from 'node:util';
import {rows} from './rows/index.js';
import {runRows, selectRows} from './runner.js';
import {stopSharedTestbed} from './support/shared-testbed.js';

const {values} = parseArgs({
	options: {
		short: {type: 'boolean', default: false},
		only: {type: 'string'},
		verbose: {type: 'boolean', default: false},
	},
});

const interrupt = new AbortController();
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
	process.on(signal, () => {
		// The row in progress stops on its signal and cleans up; a second Ctrl-C leaves at once.
		if (interrupt.signal.aborted) {
			process.exit(130);
		}

		interrupt.abort();
	});
}

const options = {short: values.short, only: values.only, verbose: values.verbose, interrupt: interrupt.signal, print: (line: string) => console.log(line)};
if (selectRows(rows, options).length === 0) {
	console.error(`chaos: no row matches${values.only === undefined ? '' : ` "${values.only}"`}${values.short ? ' in the short form' : ''}`);
}

let summary;
try {
	summary = await runRows(rows, options);
} finally {
	// The last row that shared the test bed stops it; an interrupted or abandoned one may not have.
	await stopSharedTestbed();
}

process.exitCode = interrupt.signal.aborted ? 130 : summary.failed > 0 || summary.passed === 0 ? 1 : 0;
