/**
 * `meshtop history <vs>`: the changes meshtop made to a VirtualService, from the local trail, oldest first.
 * It reads the kubeconfig only to know which cluster and namespace are meant; it does not call the API server.
 */
import {parseRouteAddress} from '../domain/addressing.js';
import {loadKubeTarget} from '../kube/config.js';
import {HistoryFile, historyFilePath} from '../trail/history-file.js';
import type {WeightChange} from '../domain/weight-change.js';
import {describeWeightChange} from '../trail/record.js';
import type {CommandOutput} from './shift-output.js';
import {errorMessage} from '../util/error-message.js';
import {resolveInterruptedWrites} from './interrupted-writes.js';
import type {KubeTarget} from '../kube/config.js';

/** Usage of the command. */
export const historyUsage = `Usage: meshtop history <virtualservice> [-n NAMESPACE] [--context NAME] [--json]
Lists the weight changes meshtop made (console, set, shift, undo) to the VirtualService in this context and namespace,
oldest first, from the local history file ($MESHTOP_HISTORY, else $XDG_STATE_HOME/meshtop/history.jsonl).
A write whose meshtop was killed mid-way is first read back from the cluster and listed as applied (confirmed), ✗ not
applied, or ? unknown.`;

/** Options of {@link runHistory}. */
export interface HistoryOptions {
	/** The route object: `reviews`, `vs/reviews` or `httproute/reviews`. */
	vs: string;
	/** `--kubeconfig`. */
	kubeconfig?: string;
	/** `--context`. */
	context?: string;
	/** `-n/--namespace`. */
	namespace?: string;
	/** `--json`: one record per line, exactly as stored. */
	json?: boolean;
	/** History file path (default: MESHTOP_HISTORY, XDG state dir). */
	historyFile?: string;
	/** Environment (default process.env). */
	env?: NodeJS.ProcessEnv;
	/** `--read-only`: interrupted writes are listed as they are, not resolved (resolving records an Event). */
	readOnly?: boolean;
}

/** ✗ before an interrupted write that did not land, ? before one that may not have (the note says why). */
function interruptedMark(record: WeightChange): string {
	return record.interrupted === 'not-applied' ? '✗ ' : record.interrupted === 'unknown' ? '? ' : '';
}

/** Formats records as an aligned table: TIME USER SOURCE ROUTE CHANGE RESOURCEVERSION NOTE. */
export function historyTable(records: readonly WeightChange[]): string {
	const header = ['TIME', 'USER', 'SOURCE', 'ROUTE', 'CHANGE', 'RESOURCEVERSION', 'NOTE'];
	const rows = records.map(record => [
		record.time.replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
		record.user,
		record.source,
		record.route,
		`${interruptedMark(record)}${describeWeightChange(record.before, record.after)}`,
		`${record.resourceVersionBefore || '?'}→${record.resourceVersionAfter || '?'}`,
		record.note ?? '',
	]);
	const widths = header.map((title, column) => Math.max(title.length, ...rows.map(row => (row[column] ?? '').length)));
	return [header, ...rows]
		.map(row => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0))).join('  ').trimEnd())
		.join('\n');
}

/** Prints the history; exit 0 (an empty history is not an error), 1 when the kubeconfig or the file cannot be read. */
export async function runHistory(options: HistoryOptions, io: CommandOutput): Promise<number> {
	let context: string;
	let namespace: string;
	let target: KubeTarget;
	try {
		target = loadKubeTarget({kubeconfig: options.kubeconfig, context: options.context, namespace: options.namespace, env: options.env});
		context = target.contextName;
		namespace = target.namespace;
	} catch (error) {
		io.stderr.write(`meshtop history: ${errorMessage(error)}\n`);
		return 1;
	}

	let address: ReturnType<typeof parseRouteAddress>;
	try {
		// `httproute/reviews` and `vs/reviews` choose the kind; a bare name shows the changes of either.
		address = parseRouteAddress(options.vs);
	} catch (error) {
		io.stderr.write(`meshtop history: ${errorMessage(error)}\n`);
		return 2;
	}

	const file = new HistoryFile(historyFilePath({...(options.historyFile === undefined ? {} : {path: options.historyFile}), ...(options.env === undefined ? {} : {env: options.env})}));
	// A write whose writer was killed is read back from the cluster first (only then does history call the API server).
	if (options.readOnly !== true) {
		await resolveInterruptedWrites({target, historyPath: file.path, output: io.stderr});
	}

	let records: WeightChange[];
	let skipped: number;
	try {
		({records, skipped} = await file.read({vs: address.name, ...(address.kind === undefined ? {} : {kind: address.kind}), namespace, context}));
	} catch (error) {
		io.stderr.write(`meshtop history: cannot read ${file.path}: ${errorMessage(error)}\n`);
		return 1;
	}

	if (skipped > 0) {
		io.stderr.write(`warning: ${skipped} unreadable line(s) in ${file.path} skipped\n`);
	}

	if (options.json === true) {
		for (const record of records) {
			io.stdout.write(`${JSON.stringify(record)}\n`);
		}

		return 0;
	}

	if (records.length === 0) {
		io.stdout.write(`no changes recorded for ${address.kind === 'HTTPRoute' ? 'HTTPRoute' : 'VirtualService'} ${address.name} in namespace ${namespace} (context ${context}) in ${file.path}\n`);
		return 0;
	}

	io.stdout.write(`${historyTable(records)}\n`);
	return 0;
}
