import {EventEmitter} from 'node:events';
import {performance} from 'node:perf_hooks';

/** End of a synchronized-output block: Ink writes it after every frame on a TTY, so it marks "frame done". */
export const endSynchronizedUpdate = '\u001B[?2026l';

/** One write Ink made to the terminal. */
export interface TerminalWrite {
	/** performance.now() when the write was made. */
	at: number;
	bytes: number;
	text: string;
}

/** A frame that has been written completely: the time of its last byte and the writes it took. */
export interface Frame {
	at: number;
	bytes: number;
}

/**
 * The output side of a terminal for an in-process Ink render: a TTY of a fixed size that timestamps and counts
 * every write. Writes are synchronous (as on a real TTY), so the timestamp is when Ink handed over the bytes.
 */
export class FakeTerminalOutput extends EventEmitter {
	/** Ink checks it to enable interactive mode and synchronized output, as on a real terminal. */
	readonly isTTY = true;
	readonly writes: TerminalWrite[] = [];
	private frameStart = 0;
	private waiters: Array<(frame: Frame) => void> = [];

	/** A terminal of `columns` × `rows`. */
	constructor(public columns: number, public rows: number) {
		super();
	}

	/** Node's Writable.write signature: Ink passes a callback when it waits for a flush (unmount). */
	write = (chunk: string | Uint8Array, encodingOrCallback?: BufferEncoding | ((error?: Error | null) => void), callback?: (error?: Error | null) => void): boolean => {
		const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
		const at = performance.now();
		this.writes.push({at, bytes: Buffer.byteLength(text, 'utf8'), text});
		const done = typeof encodingOrCallback === 'function' ? encodingOrCallback : callback;
		done?.();
		if (text.includes(endSynchronizedUpdate)) {
			const bytes = this.bytesSince(this.frameStart);
			this.frameStart = this.writes.length;
			for (const waiter of this.waiters.splice(0)) {
				waiter({at, bytes});
			}
		}

		return true;
	};

	/**
	 * Resolves with the next complete frame (the next end-of-synchronized-update write). Call it BEFORE causing the
	 * frame: Ink often renders synchronously inside the input handler. Rejects after `timeoutMs` (input that changed nothing).
	 */
	async nextFrame(timeoutMs: number): Promise<Frame> {
		return new Promise((resolve, reject) => {
			const timer = setTimeout(() => {
				this.waiters = this.waiters.filter(waiter => waiter !== onFrame);
				reject(new Error(`no frame within ${timeoutMs} ms`));
			}, timeoutMs);
			const onFrame = (frame: Frame) => {
				clearTimeout(timer);
				resolve(frame);
			};

			this.waiters.push(onFrame);
		});
	}

	/** Bytes written since the write with index `start` (an index into `writes`). */
	bytesSince(start: number): number {
		let total = 0;
		for (let index = start; index < this.writes.length; index++) {
			total += this.writes[index]!.bytes;
		}

		return total;
	}

	/** Everything written so far, as one string. */
	text(): string {
		return this.writes.map(write => write.text).join('');
	}

	/** Tells Ink the window changed size. */
	resize(columns: number, rows: number): void {
		this.columns = columns;
		this.rows = rows;
		this.emit('resize');
	}
}

/**
 * The input side: a raw-mode TTY stdin that Ink reads with 'readable' + read(), fed by `type()`.
 * Each call is one read() chunk, like one keypress arriving from the terminal.
 */
export class FakeTerminalInput extends EventEmitter {
	/** Ink enables raw mode only on a TTY. */
	readonly isTTY = true;
	private pending: string[] = [];

	/** Delivers `data` to Ink as one chunk, synchronously (Ink handles it inside this call). */
	type(data: string): void {
		this.pending.push(data);
		this.emit('readable');
	}

	/** Stream.read(): the next chunk, or null when drained. */
	read = (): string | null => this.pending.shift() ?? null;

	/** Raw mode is a no-op: nothing echoes here. */
	setRawMode(): this {
		return this;
	}

	/** No-op; encoding is always UTF-8 strings. */
	setEncoding(): this {
		return this;
	}

	/** No-op: there is no underlying handle to keep the event loop alive. */
	ref(): this {
		return this;
	}

	/** No-op, see ref(). */
	unref(): this {
		return this;
	}

	/** No-op, data is delivered by type(). */
	resume(): this {
		return this;
	}

	/** No-op, data is delivered by type(). */
	pause(): this {
		return this;
	}
}
