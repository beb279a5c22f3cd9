import type {KubeTarget} from '../kube/config.js';
import {IstioApi} from '../kube/istio-api.js';
import {recordWrite} from '../app/record-write.js';
import type {ConsoleChange} from '../state/controller.js';

/** The console's trail recorder: every write and undo becomes an Event and a history line. */
export function consoleTrail(target: KubeTarget): (change: ConsoleChange) => Promise<string | undefined> {
	const api = new IstioApi(target);
	return async change => {
		return recordWrite(target, {
			vs: {name: change.vs, namespace: target.namespace, uid: change.uid},
			route: change.route,
			before: change.before,
			after: change.after,
			resourceVersionBefore: change.resourceVersionBefore,
			resourceVersionAfter: change.resourceVersionAfter,
			source: change.source,
		}, api);
	};
}
