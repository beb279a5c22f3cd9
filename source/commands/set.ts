import {parseAssignments} from '../domain/weights.js';
import {gitOpsOwner, weightPatch} from '../domain/virtual-service.js';
import {openSession, pickRoute, weightsOf} from '../app/session.js';
import {describeWeightChange} from '../trail/record.js';
import {recordWrite} from '../app/record-write.js';
import type {CommandIo} from './dispatch.js';
import type {Flags} from './flags.js';

function messageOf(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}

/**
 * `meshtop set <vs> v1=50 v3=50 [--route NAME]`: one conflict-safe JSON Patch of the weights.
 * Versions are validated against the route (and its DestinationRule subsets); a concurrent change makes it refuse, never overwrite.
 */
export async function runSet(vsName: string, assignments: readonly string[], flags: Flags, io: CommandIo): Promise<number> {
	if (flags.readOnly) {
		io.stderr.write('meshtop: --read-only: set writes nothing.\n');
		return 2;
	}

	let session;
	try {
		session = await openSession(vsName, {
			kubeconfig: flags.kubeconfig,
			context: flags.context,
			namespace: flags.namespace,
			prometheus: {url: flags.prometheusUrl, namespace: flags.prometheusNamespace, service: flags.prometheusService},
		});
	} catch (error) {
		io.stderr.write(`meshtop: ${messageOf(error)}\n`);
		return 1;
	}

	try {
		const route = pickRoute(session.routes, flags.route);
		if (route === undefined) {
			io.stderr.write(`meshtop: ${flags.route === undefined ? `${vsName} has no routes` : `no route "${flags.route}" in ${vsName}; routes: ${session.routes.map(candidate => candidate.name).join(', ')}`}\n`);
			return 2;
		}

		if (!route.editable) {
			io.stderr.write(`meshtop: route ${route.name} of ${vsName} is read-only: ${route.readOnlyReason ?? 'not a weighted http route'}\n`);
			return 2;
		}

		const parsed = parseAssignments(assignments, route.destinations.map(destination => destination.key));
		if (!parsed.ok) {
			io.stderr.write(`meshtop: ${parsed.error}\n`);
			return 2;
		}

		const before = weightsOf(route);
		const owner = gitOpsOwner(session.vs);
		if (owner !== undefined) {
			io.stderr.write(`meshtop: warning: ${vsName} is managed by ${owner.tool} (${owner.detail}); a sync may revert this change.\n`);
		}

		const resourceVersionBefore = session.vs.metadata.resourceVersion;
		let updated;
		try {
			updated = await session.api.patchVirtualService(session.namespace, vsName, weightPatch(session.vs, route, parsed.weights));
		} catch (error) {
			const conflict = (error as {kind?: string}).kind === 'conflict';
			io.stderr.write(conflict
				? `meshtop: ${vsName} changed while it was being written (resourceVersion ${resourceVersionBefore ?? '?'}); nothing was written. Check \`meshtop status ${vsName}\` and run set again.\n`
				: `meshtop: ${messageOf(error)}\n`);
			return 1;
		}

		io.stdout.write(`${session.namespace}/${vsName} ${route.name}: ${describeWeightChange(before, parsed.weights)} (resourceVersion ${resourceVersionBefore ?? '?'} → ${updated.metadata.resourceVersion ?? '?'})\n`);
		const warning = await recordWrite(session.target, {
			vs: {name: vsName, namespace: session.namespace, uid: typeof updated.metadata['uid'] === 'string' ? updated.metadata['uid'] : undefined},
			route: route.name,
			before,
			after: parsed.weights,
			resourceVersionBefore,
			resourceVersionAfter: updated.metadata.resourceVersion,
			source: 'set',
		});
		if (warning !== undefined) {
			io.stderr.write(`meshtop: warning: ${warning}\n`);
		}

		return 0;
	} finally {
		await session.close();
	}
}
