import assert from 'node:assert/strict';
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {after, before, test} from 'node:test';
import {fileURLToPath, pathToFileURL} from 'node:url';
import {build, type Plugin} from 'esbuild';

// dist/test/scripts/ -> the repository.
const root = fileURLToPath(new URL('../../../', import.meta.url));
const keyFrameModule = path.join(root, 'dist/source/ui/key-frame.js');

interface PatchModule {
	patchInkKeyFrames: (source: string, keyFrameModule: string) => string;
	inkKeyFrames: Plugin;
}

/** What the bundled scene below exports: an Ink app on fake streams, its output so far, and its two kinds of update. */
interface Scene {
	output: () => string;
	/** The writes that carried a frame, each as the terminal got it. */
	frameWrites: () => string[];
	feedUpdate: (value: number) => void;
	pressKey: () => void;
	unmount: () => void;
}

/**
 * An Ink app with a 2 s render throttle (maxFps 0.5) on fake TTY streams. It shows a feed value, which the test
 * updates as the console's refresh does, and a key count, which its useInput raises and marks as the console's App
 * does. The throttle is long so that "not drawn yet" and "drawn at once" cannot be confused on a slow machine.
 */
const sceneSource = `
import {PassThrough, Writable} from 'node:stream';
import React, {useState} from 'react';
import {render, Text, useInput} from 'ink';
import {keyFrameWanted} from ${JSON.stringify(keyFrameModule)};

let written = '';
// Each write the terminal got: one string per system call a real terminal stream would make (write or writev).
const writes = [];
const stdout = new Writable({
	write(chunk, _encoding, done) { written += chunk.toString(); writes.push(chunk.toString()); done(); },
	writev(chunks, done) { const text = chunks.map(({chunk}) => chunk.toString()).join(''); written += text; writes.push(text); done(); },
});
Object.assign(stdout, {isTTY: true, columns: 40, rows: 10});
const stdin = new PassThrough();
Object.assign(stdin, {isTTY: true, setRawMode() {}, ref() {}, unref() {}});
let setFeed;
function Scene() {
	const [feed, setFeedState] = useState(0);
	const [presses, setPresses] = useState(0);
	setFeed = setFeedState;
	useInput(() => {
		keyFrameWanted();
		setPresses(count => count + 1);
	});
	return React.createElement(Text, null, \`feed \${feed} keys \${presses}\`);
}
const instance = render(React.createElement(Scene), {stdout, stdin, maxFps: 0.5, exitOnCtrlC: false, patchConsole: false, interactive: true});
export const output = () => written;
export const frameWrites = () => writes.filter(text => text.includes('feed '));
export const feedUpdate = value => setFeed(value);
export const pressKey = () => stdin.write('j');
export const unmount = () => instance.unmount();
`;

let directory: string;
let patch: PatchModule;
// The product bundle's stand-in for react-devtools-core, which Ink imports and meshtop does not install.
let framePlugins: {noDevtools: Plugin};

/** The scene bundled as the product is, with `plugins`, and loaded. */
async function bundleScene(name: string, plugins: Plugin[]): Promise<Scene> {
	const entry = path.join(directory, `${name}-entry.mjs`);
	await writeFile(entry, sceneSource);
	const outfile = path.join(directory, `${name}.mjs`);
	await build({
		entryPoints: [entry],
		outfile,
		bundle: true,
		platform: 'node',
		format: 'esm',
		nodePaths: [path.join(root, 'node_modules')],
		plugins: [framePlugins.noDevtools, ...plugins],
		banner: {js: "import {createRequire} from 'node:module';const require=createRequire(import.meta.url);"},
		define: {'process.env.NODE_ENV': '"production"'},
		logLevel: 'silent',
	});
	return import(pathToFileURL(outfile).href) as Promise<Scene>;
}

/** A few turns of the event loop: enough for a commit and an unthrottled frame, far less than the 2 s throttle. */
async function turns(): Promise<void> {
	for (let turn = 0; turn < 5; turn++) {
		await new Promise(resolve => {
			setImmediate(resolve);
		});
	}
}

before(async () => {
	directory = await mkdtemp(path.join(os.tmpdir(), 'meshtop-key-frames-'));
	patch = (await import(pathToFileURL(path.join(root, 'scripts/bundle-key-frames.mjs')).href)) as PatchModule;
	framePlugins = (await import(pathToFileURL(path.join(root, 'scripts/bundle-frame-plugins.mjs')).href)) as {noDevtools: Plugin};
});

after(async () => {
	await rm(directory, {recursive: true, force: true});
});

test('the patch applies to the installed Ink, and an Ink whose throttled render changed fails the build', async () => {
	const source = await readFile(path.join(root, 'node_modules/ink/build/ink.js'), 'utf8');
	assert.match(patch.patchInkKeyFrames(source, keyFrameModule), /if \(meshtopTakeKeyFrame\(\)\) \{\n {20}throttled\.cancel\(\);\n {20}this\.onRender\(\);/);
	assert.throws(() => patch.patchInkKeyFrames('this.rootNode.onRender = throttled;', keyFrameModule), /bundle-key-frames\.mjs/);
});

test('in the patched bundle a key is drawn at once while the throttle still holds a feed update; unpatched Ink holds both', async t => {
	for (const [name, plugins, keyDrawnAtOnce] of [['patched', [patch.inkKeyFrames], true], ['unpatched', [], false]] as const) {
		const scene = await bundleScene(name, [...plugins]);
		t.after(scene.unmount);
		await turns();
		assert.match(scene.output(), /feed 0 keys 0/, `${name}: first frame`);
		// The first frame opened a throttle window: a feed update inside it waits for the window's end.
		scene.feedUpdate(1);
		await turns();
		assert.doesNotMatch(scene.output(), /feed 1/, `${name}: the feed update is held by the throttle`);
		scene.pressKey();
		await turns();
		if (keyDrawnAtOnce) {
			assert.match(scene.output(), /feed 1 keys 1/, `${name}: the key's frame (with the held update) is drawn now`);
		} else {
			assert.doesNotMatch(scene.output(), /keys 1/, `${name}: the key waits for the throttle too`);
		}

		scene.unmount();
	}
});

test('in the patched bundle a frame and its synchronized-update marks reach the terminal in one write; unpatched Ink makes three', async t => {
	const begin = '\u001B[?2026h';
	const end = '\u001B[?2026l';
	for (const [name, plugins, oneWrite] of [['patched-writes', [patch.inkKeyFrames], true], ['unpatched-writes', [], false]] as const) {
		const scene = await bundleScene(name, [...plugins]);
		t.after(scene.unmount);
		await turns();
		const [first] = scene.frameWrites();
		assert.ok(first !== undefined, `${name}: a frame was written`);
		if (oneWrite) {
			assert.ok(first.startsWith(begin) && first.endsWith(end), `${name}: the frame's write is ${JSON.stringify(first)}`);
		} else {
			assert.ok(!first.includes(begin) && !first.includes(end), `${name}: the marks are writes of their own`);
			const output = scene.output();
			assert.ok(output.indexOf(begin) < output.indexOf('feed 0') && output.indexOf('feed 0') < output.indexOf(end), `${name}: the marks are still around the frame`);
		}

		scene.unmount();
	}
});
