import {parseAssignments} from '../domain/weights.js';
import {resolveVersionAliases} from '../domain/version-aliases.js';
import {gitOpsOwner} from '../domain/virtual-service.js';
import {HistoryFile, historyFilePath} from '../trail/history-file.js';
import {describeWeightChange} from '../trail/record.js';
import {connectionWriter} from '../write/split-writer.js';
import {connect, type Connection} from './connect.js';
import type {CommandIo} from './dispatch.js';
import {connectionFlags, type Flags} from './flags.js';
import {errorMessage} from '../util/error-message.js';
import {resolveInterruptedWrites} from './interrupted-writes.js';

/**
 * `meshtop set <route> v1=50 v3=50 [--route NAME]`: one conflict-safe JSON Patch of the weights, recorded in the trail.
 * `<route>` is `reviews`, `vs/reviews` or `httproute/reviews`; an HTTPRoute's versions are its backends' Service names,
 * or their `version` labels.
 * Versions are validated against the route (and its DestinationRule subsets); a concurrent change makes it refuse, never overwrite.
 */
export async function runSet(vsName: string, assignments: readonly string[], flags: Flags, io: CommandIo): Promise<number> {
	if (flags.readOnly) {
		io.stderr.write('meshtop: --read-only: set writes nothing.\n');
		return 2;
	}

	let connection: Connection;
	try {
		connection = await connect({vs: vsName, ...connectionFlags(flags), route: flags.route});
	} catch (error) {
		io.stderr.write(`meshtop: ${errorMessage(error)}\n`);
		return 1;
	}

	try {
		// A write interrupted earlier is resolved first, so its line comes before this one in the trail.
		await resolveInterruptedWrites({target: connection.target, historyPath: historyFilePath(), api: connection.api, output: io.stderr});
		const {route, vs} = connection;
		if (!route.editable) {
			io.stderr.write(`meshtop: route ${route.name} of ${vsName} is read-only: ${route.readOnlyReason ?? 'not a weighted http route'}\n`);
			return 2;
		}

		// `v3=90` on an HTTPRoute means the backend whose Service has version label v3 (`reviews-v3=90`).
		// Backends of another kind keep their weight: omitted they keep it, and it counts in the sum of 100.
		const fixed = Object.fromEntries(route.destinations.flatMap(destination => (destination.readOnly === undefined ? [] : [[destination.key, {weight: destination.weight, reason: destination.readOnly}]])));
		const parsed = parseAssignments(resolveVersionAliases(assignments, route.destinations), route.destinations.map(destination => destination.key), fixed);
		if (!parsed.ok) {
			io.stderr.write(`meshtop: ${parsed.error}\n`);
			return 2;
		}

		const owner = gitOpsOwner(vs);
		if (owner !== undefined) {
			io.stderr.write(`meshtop: warning: ${vsName} is managed by ${owner.tool} (${owner.detail}); a sync may revert this change.\n`);
		}

		const writer = connectionWriter({
			api: connection.api,
			historyFile: new HistoryFile(historyFilePath()),
			writer: {user: connection.target.user, context: connection.target.contextName, namespace: connection.namespace},
		});
		const result = await writer.write({vs, route, change: {weights: parsed.weights}, reason: {source: 'set'}});
		if (result.kind !== 'written') {
			io.stderr.write(result.kind === 'conflict'
				? `meshtop: ${vsName} changed while it was being written (resourceVersion ${vs.metadata.resourceVersion ?? '?'}); nothing was written. Check \`meshtop status ${vsName}\` and run set again.\n`
				: `meshtop: ${result.message}\n`);
			return 1;
		}

		const record = result.change;
		io.stdout.write(`${connection.namespace}/${vsName} ${route.name}: ${describeWeightChange(record.before, record.after)} (resourceVersion ${record.resourceVersionBefore} → ${record.resourceVersionAfter})\n`);
		for (const warning of result.warnings) {
			io.stderr.write(`meshtop: warning: ${warning}\n`);
		}

		return 0;
	} finally {
		await connection.close();
	}
}
