import assert from 'node:assert/strict';
import {readFile} from 'node:fs/promises';
import path from 'node:path';
import {test} from 'node:test';
import {fileURLToPath, pathToFileURL} from 'node:url';
import fc from 'fast-check';
import {propDiff} from '../../source/ui/prop-diff.js';

// dist/test/scripts/ -> the repository.
const root = fileURLToPath(new URL('../../../', import.meta.url));

type Props = Record<string, unknown>;
type Diff = (before: Props | undefined, after: Props | undefined) => Props | undefined;

/** The installed Ink's own diff, taken from its reconciler.js as it is. */
async function inkDiff(): Promise<Diff> {
	const source = await readFile(path.join(root, 'node_modules/ink/build/reconciler.js'), 'utf8');
	const start = source.indexOf('const diff = (before, after) => {');
	const end = source.indexOf('\n};\n', start);
	assert.ok(start !== -1 && end !== -1, 'Ink\'s reconciler.js has its diff');
	// eslint-disable-next-line @typescript-eslint/no-implied-eval -- Ink's own function, evaluated to compare with
	const extract = new Function(`${source.slice(start, end + 3)}\nreturn diff;`) as () => Diff;
	return extract();
}

/** An answer as its entries in order (the order Ink then applies the changes in), or the answer itself. */
function entries(answer: Props | undefined): unknown {
	return answer === undefined ? undefined : Object.entries(answer);
}

const handler = () => undefined;
const style = {flexDirection: 'row'};
// Props as React gives them to Ink: a few keys in any order, values that are equal, the same object, or neither.
const value = fc.constantFrom<unknown>(undefined, 0, 1, 'a', 'b', true, handler, () => undefined, style, {flexDirection: 'row'}, null);
const props = fc.dictionary(fc.constantFrom('style', 'internal_transform', 'internal_static', 'children', 'wrap', 'color', 'bold'), value, {maxKeys: 6});

test('propDiff answers as Ink\'s diff does, keys in the same order', async () => {
	const diff = await inkDiff();
	fc.assert(fc.property(fc.option(props, {nil: undefined}), fc.option(props, {nil: undefined}), (before, after) => {
		assert.deepEqual(entries(propDiff(before, after)), entries(diff(before, after)));
	}), {numRuns: 3000});
	const same = {style};
	assert.equal(propDiff(same, same), undefined);
	assert.equal(propDiff(undefined, same), same);
	assert.deepEqual(propDiff({color: 'a', bold: true}, {bold: true, wrap: 'truncate'}), {color: undefined, wrap: 'truncate'});
});

test('the patch applies to the installed Ink, and an Ink whose diff changed fails the build', async () => {
	const {patchInkPropDiff} = (await import(pathToFileURL(path.join(root, 'scripts/bundle-prop-diff.mjs')).href)) as {patchInkPropDiff: (source: string, module: string) => string};
	const source = await readFile(path.join(root, 'node_modules/ink/build/reconciler.js'), 'utf8');
	const patched = patchInkPropDiff(source, '/x/prop-diff.js');
	assert.match(patched, /^import \{propDiff as meshtopPropDiff\} from "\/x\/prop-diff\.js";\n/);
	assert.match(patched, /const diff = meshtopPropDiff;\n/);
	assert.doesNotMatch(patched, /Object\.entries\((after|props)\)/);
	assert.throws(() => patchInkPropDiff(source.replace('hasChanges = true;', 'hasChanges = 1;'), '/x/prop-diff.js'), /bundle-prop-diff\.mjs/);
});
