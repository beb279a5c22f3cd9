import assert from 'node:assert/strict';
import {destinationRuleInfo, validateVirtualService, type DestinationRuleInfo, type VirtualService} from '../../source/domain/virtual-service.js';
import {readIstioYaml} from '../../source/sim/istio-data.js';

/** Istio's Bookinfo DestinationRules (destination-rule-all.yaml) as meshtop reads them. */
export const bookinfoRules: DestinationRuleInfo[] = readIstioYaml('bookinfo/destination-rule-all.yaml')
	.map(object => destinationRuleInfo(object))
	.filter((info): info is DestinationRuleInfo => info !== undefined);

/** The VirtualService `name` of a Bookinfo sample file, placed in namespace bookinfo as `kubectl apply -n bookinfo` would. */
export function bookinfoVs(file: string, name = 'reviews', resourceVersion = '1'): VirtualService {
	const object = readIstioYaml(`bookinfo/${file}`).find(document => (document['metadata'] as {name?: string}).name === name);
	const checked = validateVirtualService(object);
	assert.ok(checked.ok, `${file}: ${checked.ok ? '' : checked.errors.join('; ')}`);
	return {...checked.vs, metadata: {...checked.vs.metadata, namespace: 'bookinfo', resourceVersion}};
}
