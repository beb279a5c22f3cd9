import {existsSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {parseAllDocuments} from 'yaml';

/**
 * The first `data/istio/` found walking up from this module. The module runs from dist/source/sim/ (tsc's output, as
 * the tests load it) and from dist/cli.js (the bundle users run), so its distance to the package root varies.
 */
function findIstioDataDir(): string {
	let dir = path.dirname(fileURLToPath(import.meta.url));
	for (;;) {
		const candidate = path.join(dir, 'data', 'istio');
		const parent = path.dirname(dir);
		if (existsSync(candidate) || parent === dir) {
			return candidate + path.sep;
		}

		dir = parent;
	}
}

/** Folder of the Istio files shipped with meshtop (copied verbatim by scripts/import-istio-fixtures.mjs). */
export const istioDataDir = findIstioDataDir();

/**
 * Reads every YAML document of a shipped Istio file, e.g. `bookinfo/destination-rule-all.yaml`.
 * Empty documents (a trailing `---`) are skipped.
 */
export function readIstioYaml(relativePath: string): Array<Record<string, unknown>> {
	const text = readFileSync(istioDataDir + relativePath, 'utf8');
	return parseAllDocuments(text)
		.map(document => document.toJSON() as Record<string, unknown> | null)
		.filter((object): object is Record<string, unknown> => object !== null && typeof object === 'object');
}
