#!/usr/bin/env node
// Copies, byte for byte, the upstream files meshtop ships with from a fixtures folder into data/:
// Istio's Bookinfo routing (VirtualService and Gateway API forms), platform manifests, the Prometheus addon and the
// networking CRDs into data/istio/; the Gateway API standard CRDs into data/gateway-api/.
// Usage: node scripts/import-istio-fixtures.mjs [FIXTURES_DIR]   (default ../shared/fixtures)
import {cpSync, mkdirSync, readdirSync} from 'node:fs';
import path from 'node:path';

const from = path.resolve(process.argv[2] ?? '../shared/fixtures');
const copies = {
	istio: ['SOURCE.txt', 'bookinfo', 'bookinfo-gateway-api', 'platform', 'addons', 'crds'],
	'gateway-api': ['SOURCE.txt', 'LICENSE', 'crds'],
};
for (const [folder, parts] of Object.entries(copies)) {
	const to = path.resolve('data', folder);
	mkdirSync(to, {recursive: true});
	for (const part of parts) {
		cpSync(path.join(from, folder, part), path.join(to, part), {recursive: true});
	}

	console.log(`copied ${parts.join(', ')} from ${path.join(from, folder)} to ${to}: ${readdirSync(to).length} entries`);
}
