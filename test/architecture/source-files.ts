/** The project's own source files and their relative imports, read from disk for the architecture tests. */
import {readdirSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

/** The repository root (tests run from dist/test/architecture). */
export const root = fileURLToPath(new URL('../../../', import.meta.url));

/** A source file: its path from the root ("source/ui/App.tsx"), its text, and the project files it imports. */
export interface SourceFile {
	path: string;
	text: string;
	/** Imported project paths from the root, without extension ("source/state/store"), with `typeOnly` for `import type`. */
	imports: Array<{path: string; typeOnly: boolean}>;
}

function walk(directory: string): string[] {
	return readdirSync(path.join(root, directory), {withFileTypes: true}).flatMap(entry => {
		const relative = path.posix.join(directory, entry.name);
		if (entry.isDirectory()) {
			return walk(relative);
		}

		return /\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [relative] : [];
	});
}

const importPattern = /^\s*(import|export)\s+(type\s+)?[^'"]*?from\s+'(\.[^']+)'|import\('(\.[^']+)'\)/gm;

/** Every .ts/.tsx file under source/, and cli.tsx. */
export function sourceFiles(): SourceFile[] {
	return [...walk('source'), 'cli.tsx'].map(file => {
		const text = readFileSync(path.join(root, file), 'utf8');
		const imports = [...text.matchAll(importPattern)].map(match => {
			const specifier = match[3] ?? match[4] ?? '';
			return {
				path: path.posix.join(path.posix.dirname(file), specifier).replace(/\.js$/, ''),
				typeOnly: match[2] !== undefined,
			};
		});
		return {path: file, text, imports};
	});
}

/** The folder under source/ a file belongs to ("ui", "state"…), or "cli" for cli.tsx. */
export function layerOf(file: string): string {
	return file === 'cli.tsx' || file === 'cli' ? 'cli' : file.split('/')[1] ?? '';
}
