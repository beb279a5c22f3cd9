#!/usr/bin/env node
// Copies, byte for byte, the Istio files meshtop's simulated cluster ships with
// (Bookinfo routing, the networking CRDs) from a fixtures folder into data/istio/.
// Usage: node scripts/import-istio-fixtures.mjs [FIXTURES_DIR]   (default ../shared/fixtures/istio)
import {cpSync, mkdirSync, readdirSync} from 'node:fs';
import path from 'node:path';

const from = path.resolve(process.argv[2] ?? '../shared/fixtures/istio');
const to = path.resolve('data/istio');
const parts = ['SOURCE.txt', 'bookinfo', 'crds'];
mkdirSync(to, {recursive: true});
for (const part of parts) {
	cpSync(path.join(from, part), path.join(to, part), {recursive: true});
}

console.log(`copied ${parts.join(', ')} from ${from} to ${to}: ${readdirSync(path.join(to, 'bookinfo')).length} bookinfo files`);
