/** Colours come from the theme only: no component names a colour, so the theme without colour really has none. */
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {sourceFiles} from './source-files.js';

const colourNames = 'black|red|green|yellow|blue|magenta|cyan|white|gray|grey|#[\\da-f]{3,6}|rgb\\(';

test('no UI component names a colour or writes a colour escape; only ui/theme.ts does', () => {
	const named = [
		// color="red", borderColor="yellow"
		new RegExp(`Color="(${colourNames})`, 'i'),
		// color={ok ? 'green' : 'red'}
		new RegExp(`Color=\\{[^}]*['"](${colourNames})['"]`, 'i'),
		// {color: 'red'} style objects
		new RegExp(`color:\\s*['"](${colourNames})['"]`, 'i'),
		// raw foreground escapes
		/\\u001B\[3\d|\\x1b\[3\d/i,
	];
	const offenders = sourceFiles()
		.filter(file => file.path.startsWith('source/ui/') && file.path !== 'source/ui/theme.ts')
		.filter(file => named.some(pattern => pattern.test(file.text)))
		.map(file => file.path);
	assert.deepEqual(offenders, []);
});
