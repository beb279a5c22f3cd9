/**
 * A minimal terminal screen: enough of xterm to follow what Ink writes (text, CR/LF, cursor moves, erase line and
 * screen, the alternate screen), so the bench can ask "what is on screen now" of a real meshtop in a pseudo-terminal.
 * LF is taken as CR LF, as the TTY's ONLCR delivers it. Colours and other attributes are ignored; every character is one column wide (meshtop draws no wide characters).
 */
export class VirtualScreen {
	private cells: string[][];
	private row = 0;
	private column = 0;
	/** xterm's deferred wrap: a character in the last column leaves the cursor there until the next one arrives. */
	private wrapPending = false;
	/** An escape sequence cut by a chunk boundary, completed by the next write. */
	private pending = '';

	/** A screen of `columns` × `rows`. */
	constructor(readonly columns: number, readonly rows: number) {
		this.cells = this.blank();
	}

	/** Interprets a chunk of terminal output. */
	write(chunk: string): void {
		const data = this.pending + chunk;
		this.pending = '';
		let index = 0;
		while (index < data.length) {
			const character = data[index]!;
			if (character === '\u001B') {
				const consumed = this.escape(data, index);
				if (consumed === 0) {
					this.pending = data.slice(index);
					return;
				}

				index += consumed;
				continue;
			}

			const code = character.codePointAt(0)!;
			// A character outside the BMP takes two UTF-16 units (still one column here).
			index += code > 0xFF_FF ? 2 : 1;
			if (character === '\r') {
				this.column = 0;
				this.wrapPending = false;
			} else if (character === '\n') {
				// As a TTY with ONLCR (the default, kept by raw mode) delivers it: also a carriage return.
				this.column = 0;
				this.lineFeed();
			} else if (character === '\b') {
				this.column = Math.max(0, this.column - 1);
				this.wrapPending = false;
			} else if (code >= 0x20) {
				this.print(String.fromCodePoint(code));
			}
		}
	}

	/** The screen's lines, trailing spaces removed. */
	lines(): string[] {
		return this.cells.map(cells => cells.join('').trimEnd());
	}

	/** The screen as one string. */
	text(): string {
		return this.lines().join('\n');
	}

	private blank(): string[][] {
		return Array.from({length: this.rows}, () => Array.from({length: this.columns}, () => ' '));
	}

	private print(character: string): void {
		if (this.wrapPending) {
			this.column = 0;
			this.lineFeed();
		}

		this.cells[this.row]![this.column] = character;
		if (this.column === this.columns - 1) {
			this.wrapPending = true;
		} else {
			this.column++;
		}
	}

	private lineFeed(): void {
		this.wrapPending = false;
		if (this.row === this.rows - 1) {
			this.cells.shift();
			this.cells.push(Array.from({length: this.columns}, () => ' '));
		} else {
			this.row++;
		}
	}

	/** Handles the escape sequence at `start`; returns its length, or 0 when it is incomplete. */
	private escape(data: string, start: number): number {
		const next = data[start + 1];
		if (next === undefined) {
			return 0;
		}

		if (next === '[') {
			// CSI: parameter bytes 0x30–0x3F, intermediate bytes 0x20–0x2F, one final byte 0x40–0x7E.
			let end = start + 2;
			while (end < data.length && /[\u0020-\u003F]/.test(data[end]!)) {
				end++;
			}

			if (end >= data.length) {
				return 0;
			}

			this.csi(data.slice(start + 2, end), data[end]!);
			return end - start + 1;
		}

		if (next === ']') {
			// OSC: up to BEL or ST (ESC \).
			for (let end = start + 2; end < data.length; end++) {
				if (data[end] === '\u0007') {
					return end - start + 1;
				}

				if (data[end] === '\u001B' && data[end + 1] === '\\') {
					return end - start + 2;
				}
			}

			return 0;
		}

		// Two-character escapes (ESC 7, ESC =, charset selection …): nothing meshtop's screen depends on.
		return /[()#%]/.test(next) ? (data[start + 2] === undefined ? 0 : 3) : 2;
	}

	private csi(parameters: string, final: string): void {
		const isPrivate = parameters.startsWith('?');
		const numbers = (isPrivate ? parameters.slice(1) : parameters).split(';').map(value => Number.parseInt(value, 10));
		const first = Number.isNaN(numbers[0]!) || numbers[0] === 0 ? 1 : numbers[0]!;
		const raw = Number.isNaN(numbers[0]!) ? 0 : numbers[0]!;
		if (isPrivate) {
			if ((final === 'h' || final === 'l') && [47, 1047, 1049].includes(raw)) {
				// Alternate screen in or out: either way a screen meshtop did not draw; start blank.
				this.cells = this.blank();
				this.row = 0;
				this.column = 0;
			}

			return;
		}

		this.wrapPending = false;
		switch (final) {
			case 'A': {
				this.row = Math.max(0, this.row - first);
				break;
			}

			case 'B': {
				this.row = Math.min(this.rows - 1, this.row + first);
				break;
			}

			case 'C': {
				this.column = Math.min(this.columns - 1, this.column + first);
				break;
			}

			case 'D': {
				this.column = Math.max(0, this.column - first);
				break;
			}

			case 'E': {
				this.row = Math.min(this.rows - 1, this.row + first);
				this.column = 0;
				break;
			}

			case 'F': {
				this.row = Math.max(0, this.row - first);
				this.column = 0;
				break;
			}

			case 'G': {
				this.column = Math.min(this.columns - 1, first - 1);
				break;
			}

			case 'H':
			case 'f': {
				const column = Number.isNaN(numbers[1] ?? Number.NaN) || numbers[1] === 0 ? 1 : numbers[1]!;
				this.row = Math.min(this.rows - 1, first - 1);
				this.column = Math.min(this.columns - 1, column - 1);
				break;
			}

			case 'J': {
				this.eraseDisplay(raw);
				break;
			}

			case 'K': {
				this.eraseLine(raw);
				break;
			}

			default: {
				// SGR (m) and the rest change nothing on screen that the bench reads.
				break;
			}
		}
	}

	private eraseLine(mode: number): void {
		const line = this.cells[this.row]!;
		const [from, to] = mode === 0 ? [this.column, this.columns] : mode === 1 ? [0, this.column + 1] : [0, this.columns];
		for (let column = from; column < to; column++) {
			line[column] = ' ';
		}
	}

	private eraseDisplay(mode: number): void {
		if (mode === 0) {
			this.eraseLine(0);
			for (let row = this.row + 1; row < this.rows; row++) {
				this.cells[row]!.fill(' ');
			}
		} else if (mode === 1) {
			this.eraseLine(1);
			for (let row = 0; row < this.row; row++) {
				this.cells[row]!.fill(' ');
			}
		} else {
			this.cells = this.blank();
		}
	}
}
