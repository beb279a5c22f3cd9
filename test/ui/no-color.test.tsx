/**
 * NO_COLOR: the whole console rendered with the theme without colour has no colour escape at all, while selection,
 * staged weights and failures stay visible (symbols, bold, inverse). Colour output is forced on for this process so
 * the check means something: the same screen with the colour theme does contain colours.
 */
import {afterEach, test} from 'node:test';
import assert from 'node:assert/strict';

// Ink's chalk decides at load time whether to emit escapes; a test process has no TTY, so force it before loading.
process.env['FORCE_COLOR'] = '3';
const {App} = await import('../../source/ui/App.js');
const {ThemeContext, colorTheme, monochromeTheme, themeFor, wantsColor} = await import('../../source/ui/theme.js');
const {createStore} = await import('../../source/state/store.js');
const {initialState} = await import('../../source/state/app-state.js');
const {ConsoleController} = await import('../../source/state/controller.js');
const {FakeConsoleServices, bookinfoObjects} = await import('../helpers/fake-console-services.js');
const {keys, renderInk, settle} = await import('../helpers/render-ink.js');

type Rendered = ReturnType<typeof renderInk>;
/** ESC, the start of every terminal escape sequence. */
const esc = String.fromCodePoint(27);
const sgr = new RegExp(`${esc}\\[([\\d;]*)m`, 'g');
let rendered: Rendered | undefined;
afterEach(() => {
	rendered?.unmount();
	rendered = undefined;
});

/** SGR parameters that set a foreground or background colour (30–49, 90–107; 38/48 start 256/true colour). */
function colourEscapes(frame: string): string[] {
	return [...frame.matchAll(sgr)]
		.filter(match => match[1]!.split(';').some(parameter => {
			const value = Number(parameter);
			return (value >= 30 && value <= 49) || (value >= 90 && value <= 107);
		}))
		.map(match => JSON.stringify(match[0]));
}

const plain = (frame: string) => frame.replaceAll(sgr, '');

function start(theme: typeof colorTheme) {
	const {virtualServices, destinationRules} = bookinfoObjects();
	const services = new FakeConsoleServices(virtualServices, destinationRules);
	// v1 failing: its success rate must stand out without red.
	services.metrics = {v1: {rps: 19.5, successRate: 0.9, p50Ms: 4, p99Ms: 23}};
	const store = createStore(initialState({connection: {contextName: 'ctx', namespace: 'bookinfo', user: 'u', server: 's'}, vsName: 'reviews'}));
	const controller = new ConsoleController(store, services, {refreshMs: 3_600_000});
	rendered = renderInk(<ThemeContext.Provider value={theme}><App store={store} controller={controller} /></ThemeContext.Provider>, {columns: 100, rows: 30});
	return {rendered, services};
}

test('the colour theme does colour the screen (so the next test is not vacuous)', async () => {
	const {rendered} = start(colorTheme);
	await settle();
	await rendered.press(keys.down, keys.down, keys.right);
	assert.ok(rendered.lastFrame().includes('\u001B[33m'), 'the staged weight is yellow');
	assert.notDeepEqual(colourEscapes(rendered.lastFrame()), []);
});

test('NO_COLOR: no colour escape in any state, selection, staged weight and failure still visible', async () => {
	const {rendered, services} = start(monochromeTheme);
	await settle();
	await rendered.press(keys.down, keys.down, keys.right, keys.right, keys.right, keys.right, keys.right);
	const staged = rendered.lastFrame();
	assert.deepEqual(colourEscapes(staged), []);
	const v3 = plain(staged).split('\n').find(line => line.startsWith('▸ v3'));
	assert.match(v3 ?? '', /0 +→ 50/, 'the selected row is marked and its staged weight shown');
	assert.ok(staged.includes('\u001B[7m'), 'the staged weight is in inverse video');
	assert.ok([`${esc}[1m${esc}[7m`, `${esc}[7m${esc}[1m`].some(style => new RegExp(`${style.replaceAll('[', '\\[')} *!90\\.0%`).test(staged)), 'a failing success rate is marked, bold and inverse');

	await rendered.press(keys.enter);
	assert.match(plain(rendered.lastFrame()), /Apply to bookinfo\/reviews/);
	assert.deepEqual(colourEscapes(rendered.lastFrame()), [], 'the confirmation dialog');
	services.external('reviews', vs => ({...vs, metadata: {...vs.metadata, labels: {edited: 'elsewhere'}}}));
	await settle();
	await rendered.press(keys.enter);
	await settle();
	assert.match(plain(rendered.lastFrame()), /Conflict: reviews was changed by someone else/);
	assert.deepEqual(colourEscapes(rendered.lastFrame()), [], 'an error notice');
	await rendered.press('p');
	assert.match(plain(rendered.lastFrame()), /Progressive migration/);
	assert.deepEqual(colourEscapes(rendered.lastFrame()), [], 'the plan dialog');
	await rendered.press(keys.escape, '?');
	assert.deepEqual(colourEscapes(rendered.lastFrame()), [], 'the help');
});

test('colour is off with NO_COLOR set, --no-color, or TERM=dumb; an empty NO_COLOR does not count', () => {
	assert.equal(wantsColor({}, undefined), true);
	assert.equal(wantsColor({NO_COLOR: '1'}, undefined), false);
	assert.equal(wantsColor({NO_COLOR: ''}, undefined), true);
	assert.equal(wantsColor({}, false), false);
	assert.equal(wantsColor({TERM: 'dumb'}, true), false);
	assert.equal(themeFor(false), monochromeTheme);
});
