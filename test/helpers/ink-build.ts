import {mkdir, writeFile} from 'node:fs/promises';
import path from 'node:path';
import {fileURLToPath, pathToFileURL} from 'node:url';

/** The installed Ink's build directory, whose modules the bundle's patches rewrite. */
export const inkBuild = fileURLToPath(new URL('../../../node_modules/ink/build/', import.meta.url));

/**
 * Ink's build modules written to `dir` (each given source, or Ink's own), so that they import each other there: the
 * relative imports of a written module go to its siblings when written, else to Ink's build directory; bare ones to
 * this repository's packages. Returns the first module.
 */
export async function loadInk(dir: string, sources: Record<string, string>): Promise<unknown> {
	await mkdir(dir, {recursive: true});
	for (const [file, source] of Object.entries(sources)) {
		const resolved = source
			.replaceAll(/from '\.\/([^']+)'/g, (_whole, sibling: string) => `from ${JSON.stringify(sibling in sources ? `./${sibling}` : pathToFileURL(path.join(inkBuild, sibling)).href)}`)
			.replaceAll(/from '([^'.][^']*)'/g, (_whole, specifier: string) => `from ${JSON.stringify(import.meta.resolve(specifier))}`);
		await writeFile(path.join(dir, file), resolved);
	}

	return import(pathToFileURL(path.join(dir, Object.keys(sources)[0]!)).href);
}
