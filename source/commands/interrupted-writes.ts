/**
 * The start of every command that reads or writes the trail: writes whose writer was killed between the PATCH and the
 * trail line are resolved against the cluster first, so what the command reads (or appends after) is the whole story.
 */
import type {KubeTarget} from '../kube/config.js';
import {IstioApi} from '../kube/istio-api.js';
import {HistoryFile} from '../trail/history-file.js';
import {describeResolved, processAlive, resolveLeftoverIntents, type ResolveReport} from '../trail/resolve-intents.js';
import {WriteIntents} from '../trail/write-intents.js';

/** Where the lines about resolved writes go (a command's stderr). */
export interface InterruptedWritesOutput {
	write(text: string): unknown;
}

/**
 * Resolves the leftover intents of `target`'s context beside `historyPath` and says what became of each on `output`.
 * `api` is the command's own when it has one; otherwise one is made only when there is something to resolve (so
 * `history` stays off the network when no write was interrupted). Never rejects.
 */
export async function resolveInterruptedWrites(options: {target: KubeTarget; historyPath: string; api?: IstioApi; output?: InterruptedWritesOutput}): Promise<ResolveReport> {
	const intents = new WriteIntents(options.historyPath);
	const pending = await intents.leftovers().catch(() => []);
	if (!pending.some(leftover => leftover.intent === undefined || (leftover.intent.context === options.target.contextName && !processAlive(leftover.intent.pid)))) {
		return {resolved: [], problems: []};
	}

	const report = await resolveLeftoverIntents({
		intents,
		historyFile: new HistoryFile(options.historyPath),
		api: options.api ?? new IstioApi(options.target),
		context: options.target.contextName,
	});
	for (const resolved of report.resolved) {
		options.output?.write(`meshtop: ${describeResolved(resolved)}\n`);
		for (const warning of resolved.warnings) {
			options.output?.write(`meshtop: warning: ${warning}\n`);
		}
	}

	for (const problem of report.problems) {
		options.output?.write(`meshtop: warning: ${problem}\n`);
	}

	return report;
}
