// Part of scripts/bundle.mjs: the one way the bundle's plugins rewrite a file of Ink's.

/**
 * Applies `rewrites` ({what, from, to}, each `from` an exact piece of Ink's source) to `source` in turn, each exactly
 * once. A piece that is missing or there twice throws, naming Ink's `file` and the `script` to update: an Ink that
 * changed it would otherwise bundle silently without the rewrite.
 */
export function rewriteExactly(source, rewrites, file, script) {
	let patched = source;
	for (const {what, from, to} of rewrites) {
		const at = patched.indexOf(from);
		if (at === -1 || patched.indexOf(from, at + 1) !== -1) {
			throw new Error(`ink/build/${file} no longer has exactly one piece that ${script} rewrites (${what}); update ${script}`);
		}

		patched = patched.replace(from, () => to);
	}

	return patched;
}
