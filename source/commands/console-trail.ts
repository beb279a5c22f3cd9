import type {KubeTarget} from '../kube/config.js';
import {IstioApi} from '../kube/istio-api.js';
import {HistoryFile, historyFilePath} from '../trail/history-file.js';
import {createChangeRecorder, type ChangeRecorder} from '../trail/recorder.js';

/** The console's trail: every write and undo becomes an Event on the VirtualService and a history line. */
export function consoleTrail(target: KubeTarget): ChangeRecorder {
	return createChangeRecorder({
		api: new IstioApi(target),
		historyFile: new HistoryFile(historyFilePath()),
		writer: {user: target.user, context: target.contextName, namespace: target.namespace},
	});
}
