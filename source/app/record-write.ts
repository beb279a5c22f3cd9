import type {KubeTarget} from '../kube/config.js';
import {IstioApi} from '../kube/istio-api.js';
import {HistoryFile, historyFilePath, type ChangeSource} from '../trail/history-file.js';
import {recordChange} from '../trail/record.js';

/** A write that succeeded, as the console and `set` know it. */
export interface WriteDone {
	/** The VirtualService written: name, namespace and uid (the Event is tied to this object, not a later one of the same name). */
	vs: {name: string; namespace?: string; uid?: string};
	route: string;
	before: Record<string, number>;
	after: Record<string, number>;
	resourceVersionBefore: string | undefined;
	resourceVersionAfter: string | undefined;
	source: ChangeSource;
}

/**
 * Puts a write in the trail (Event on the VirtualService + local history line) with who and where from the kubeconfig.
 * Resolves to a warning for the user when part of the trail could not be written; the write itself stands.
 */
export async function recordWrite(target: KubeTarget, write: WriteDone, api: IstioApi = new IstioApi(target)): Promise<string | undefined> {
	const outcome = await recordChange({
		time: new Date().toISOString(),
		user: target.user,
		context: target.contextName,
		namespace: write.vs.namespace ?? target.namespace,
		vs: write.vs.name,
		route: write.route,
		before: write.before,
		after: write.after,
		resourceVersionBefore: write.resourceVersionBefore ?? '',
		resourceVersionAfter: write.resourceVersionAfter ?? '',
		source: write.source,
	}, {api, historyFile: new HistoryFile(historyFilePath()), uid: write.vs.uid});
	return outcome.warnings.length === 0 ? undefined : outcome.warnings.join('; ');
}
