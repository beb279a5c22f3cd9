import {EventEmitter} from 'node:events';
import type {ReactElement} from 'react';
import {render} from 'ink';

/** A terminal of a chosen size for component tests (ink-testing-library's is fixed at 100 columns). */
class FakeStdout extends EventEmitter {
	readonly frames: string[] = [];
	isTTY = true;
	constructor(public columns: number, public rows: number) {
		super();
	}

	write = (frame: string): boolean => {
		this.frames.push(frame);
		return true;
	};
}

class FakeStdin extends EventEmitter {
	isTTY = true;
	private data: string | null = null;
	write(data: string): void {
		this.data = data;
		this.emit('readable');
		this.emit('data', data);
	}

	read = (): string | null => {
		const {data} = this;
		this.data = null;
		return data;
	};

	setEncoding(): void {}
	setRawMode(): void {}
	resume(): void {}
	pause(): void {}
	ref(): void {}
	unref(): void {}
}

/** Longer than Ink's wait for the rest of an escape sequence. */
const escapeDelayMs = 40;

/** Key escape sequences as a terminal sends them. */
export const keys = {
	up: '\u001B[A',
	down: '\u001B[B',
	right: '\u001B[C',
	left: '\u001B[D',
	enter: '\r',
	escape: '\u001B',
	tab: '\t',
	backspace: '\u007F',
	ctrlC: '\u0003',
} as const;

/** A rendered Ink tree with its fake terminal. */
export interface RenderedInk {
	lastFrame(): string;
	/** Sends keys and lets Ink and React settle. */
	press(...sequence: string[]): Promise<void>;
	resize(columns: number, rows: number): Promise<void>;
	unmount(): void;
	waitUntilExit(): Promise<unknown>;
}

/** Lets pending input, effects and renders run. */
export async function settle(): Promise<void> {
	for (let index = 0; index < 3; index++) {
		await new Promise(resolve => setImmediate(resolve));
	}
}

/** Renders like ink-testing-library (debug frames), in a terminal of `columns` × `rows`. */
export function renderInk(tree: ReactElement, size: {columns: number; rows: number} = {columns: 100, rows: 30}): RenderedInk {
	const stdout = new FakeStdout(size.columns, size.rows);
	const stdin = new FakeStdin();
	const instance = render(tree, {
		stdout: stdout as unknown as NodeJS.WriteStream,
		stderr: new FakeStdout(size.columns, size.rows) as unknown as NodeJS.WriteStream,
		stdin: stdin as unknown as NodeJS.ReadStream,
		debug: true,
		exitOnCtrlC: false,
		patchConsole: false,
	});
	return {
		lastFrame: () => stdout.frames.at(-1) ?? '',
		async press(...sequence) {
			for (const key of sequence) {
				stdin.write(key);
				await settle();
				if (key === keys.escape) {
					// Ink holds a lone ESC briefly in case an escape sequence follows.
					await new Promise(resolve => setTimeout(resolve, escapeDelayMs));
					await settle();
				}
			}
		},
		async resize(columns, rows) {
			stdout.columns = columns;
			stdout.rows = rows;
			stdout.emit('resize');
			await settle();
		},
		unmount: () => {
			instance.unmount();
			instance.cleanup();
		},
		waitUntilExit: async () => instance.waitUntilExit(),
	};
}
