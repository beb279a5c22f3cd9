import {readFileSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import {parseAllDocuments} from 'yaml';

/** Folder of the Istio files shipped with meshtop (copied verbatim by scripts/import-istio-fixtures.mjs). */
export const istioDataDir = fileURLToPath(new URL('../../../data/istio/', import.meta.url));

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
