/**
 * `meshtop undo <vs>`: reverts meshtop's last change to a VirtualService, but only if nobody has touched the object
 * since (its resourceVersion is still the one meshtop's write produced). Otherwise it explains what changed and refuses:
 * overwriting an edit made after ours would be worse than the change being undone.
 */
import {gitOpsOwner, type VirtualService} from '../domain/virtual-service.js';
import type {IstioApi} from '../kube/istio-api.js';
import {HistoryFile, historyFilePath} from '../trail/history-file.js';
import type {WeightChange} from '../domain/weight-change.js';
import {changeEventMessage, changeEventReason, describeWeightChange} from '../trail/record.js';
import {connectionWriter} from '../write/split-writer.js';
import {routeWeights} from '../domain/virtual-service.js';
import {connect, type ConnectOptions} from './connect.js';
import type {CommandOutput} from './shift-output.js';
import {errorMessage} from '../util/error-message.js';
import {isAppliedChange} from '../domain/write-intent.js';
import {resolveInterruptedWrites} from './interrupted-writes.js';

/** Usage of the command. */
export const undoUsage = `Usage: meshtop undo <virtualservice> [-n NAMESPACE] [--context NAME]
Reverts the last weight change meshtop recorded for the VirtualService (history file), if the VirtualService has not
changed since; otherwise explains what changed and writes nothing (exit 1).`;

/** Options of {@link runUndo}. */
export interface UndoOptions extends Omit<ConnectOptions, 'vs' | 'prometheus' | 'route'> {
	/** The route object: `reviews`, `vs/reviews` or `httproute/reviews`. */
	vs: string;
	/** History file path (default: MESHTOP_HISTORY, XDG state dir). */
	historyFile?: string;
}

function formatWeights(weights: Record<string, number>): string {
	return Object.entries(weights).map(([key, weight]) => `${key} ${weight}`).join(', ');
}

/** The most recent writer according to managedFields (real API servers keep them; absent in the sim). */
function lastManager(vs: VirtualService): string | undefined {
	const fields = vs.metadata['managedFields'];
	if (!Array.isArray(fields)) {
		return undefined;
	}

	const entries = fields
		.filter((entry): entry is {manager?: unknown; operation?: unknown; time?: unknown} => typeof entry === 'object' && entry !== null)
		.map(entry => ({manager: typeof entry.manager === 'string' ? entry.manager : '?', operation: typeof entry.operation === 'string' ? entry.operation : '?', time: typeof entry.time === 'string' ? entry.time : ''}))
		.sort((a, b) => a.time.localeCompare(b.time));
	const last = entries.at(-1);
	return last === undefined ? undefined : `${last.manager} (${last.operation}${last.time === '' ? '' : ` at ${last.time}`})`;
}

/**
 * Meshtop changes recorded as Events since `record` that this history file does not know (another machine, another user).
 * Event times have whole seconds on real clusters, so time alone cannot order changes within a second: Events whose
 * message is one of our own records are left out.
 */
async function laterMeshtopEvents(api: Pick<IstioApi, 'listEvents'>, record: WeightChange, known: readonly WeightChange[]): Promise<string[]> {
	try {
		const events = await api.listEvents(record.namespace, record.vs, record.kind ?? 'VirtualService');
		const since = record.time.replace(/\.\d+Z$/, 'Z');
		const ours = new Set(known.map(entry => changeEventMessage(entry)));
		return events
			.filter(event => event.reason === changeEventReason && event.time.replace(/\.\d+Z$/, 'Z') >= since && !ours.has(event.message))
			.map(event => `${event.time} ${event.message}`);
	} catch {
		// Events are a hint in the explanation, not a requirement.
		return [];
	}
}

/** Why undo refuses, in lines for the user. */
async function explainRefusal(records: readonly WeightChange[], record: WeightChange, vs: VirtualService, current: Record<string, number> | undefined, api: Pick<IstioApi, 'listEvents'>): Promise<string[]> {
	const lines = [
		`refusing to undo: ${record.vs} changed since meshtop's last change (${record.source} by ${record.user} at ${record.time}, resourceVersion ${record.resourceVersionAfter || '?'}; now ${vs.metadata.resourceVersion ?? '?'})`,
	];
	if (current === undefined) {
		lines.push(`  route ${record.route} is no longer in the VirtualService`);
	} else if (describeWeightChange(record.after, current) === 'no weight change') {
		lines.push(`  weights of ${record.route} are still as meshtop left them (${formatWeights(current)}), but another part of the VirtualService was edited`);
	} else {
		lines.push(`  weights of ${record.route} changed since: ${describeWeightChange(record.after, current)} (now ${formatWeights(current)})`);
	}

	const manager = lastManager(vs);
	if (manager !== undefined) {
		lines.push(`  last written by ${manager}`);
	}

	for (const event of await laterMeshtopEvents(api, record, records)) {
		lines.push(`  later meshtop change (Event): ${event}`);
	}

	lines.push(`  nothing was written; to choose weights anyway: meshtop set ${record.vs} -n ${record.namespace} ${Object.entries(record.before).map(([key, weight]) => `${key}=${weight}`).join(' ')}`);
	return lines;
}

/** Reverts the last recorded change; exit 0 when reverted, 1 when refused or failed. */
export async function runUndo(options: UndoOptions, io: CommandOutput): Promise<number> {
	let connection;
	try {
		connection = await connect({...options, prometheus: 'none'});
	} catch (error) {
		io.stderr.write(`meshtop undo: ${errorMessage(error)}\n`);
		return 1;
	}

	try {
		const file = new HistoryFile(historyFilePath({...(options.historyFile === undefined ? {} : {path: options.historyFile}), ...(options.env === undefined ? {} : {env: options.env})}));
		const {target} = connection;
		// A write confirmed after its writer was killed is the last change, and the one to undo.
		if ((await resolveInterruptedWrites({target, historyPath: file.path, api: connection.api, output: io.stderr})).resolved.length > 0) {
			await connection.reload();
		}

		const {records: all} = await file.read({vs: connection.vs.metadata.name, kind: connection.kind, namespace: connection.namespace, context: target.contextName});
		// Interrupted writes that did not land (or may not have) changed nothing to revert.
		const records = all.filter(change => isAppliedChange(change));
		const record = records.at(-1);
		if (record === undefined) {
			io.stderr.write(`meshtop undo: no change by meshtop recorded for ${options.vs} in namespace ${connection.namespace} (context ${target.contextName}) in ${file.path}; nothing to undo\n`);
			return 1;
		}

		const route = connection.routes.find(candidate => candidate.name === record.route);
		const current = route === undefined ? undefined : routeWeights(route);
		if (route === undefined || connection.vs.metadata.resourceVersion !== record.resourceVersionAfter) {
			const lines = await explainRefusal(records, record, connection.vs, current, connection.api);
			io.stderr.write(`meshtop undo: ${lines.join('\n')}\n`);
			return 1;
		}

		const owner = gitOpsOwner(connection.vs);
		if (owner !== undefined) {
			io.stderr.write(`warning: ${owner.detail}\n`);
		}

		const writer = connectionWriter({api: connection.api, historyFile: file, writer: {user: target.user, context: target.contextName, namespace: connection.namespace}});
		const result = await writer.write({
			vs: connection.vs,
			route,
			// Records written before meshtop kept the inverse patch are undone by their weights.
			change: record.undo === undefined ? {weights: record.before} : {undo: record.undo, weights: record.before},
			reason: {source: 'undo', note: `reverts ${record.source} change of ${record.time}`},
		});
		if (result.kind !== 'written') {
			io.stderr.write(`meshtop undo: ${result.kind === 'conflict' ? `${options.vs} changed while undoing; nothing was written: ` : ''}${result.message}\n`);
			return 1;
		}

		for (const warning of result.warnings) {
			io.stderr.write(`warning: ${warning}\n`);
		}

		io.stdout.write(`${options.vs} ${route.name}: ${describeWeightChange(result.change.before, result.change.after)} (reverted the ${record.source} change of ${record.time} by ${record.user})\n`);
		return 0;
	} catch (error) {
		io.stderr.write(`meshtop undo: ${errorMessage(error)}\n`);
		return 1;
	} finally {
		await connection.close();
	}
}
