import {execFileSync, spawnSync} from 'node:child_process';
import {rmSync} from 'node:fs';
import {waitFor} from './wait-for.js';

const exitMarker = 'meshtop-test-exit=';

/** Whether tmux is installed (end-to-end tests skip with a reason otherwise). */
export function hasTmux(): boolean {
	return spawnSync('tmux', ['-V'], {stdio: 'ignore'}).status === 0;
}

function quote(argument: string): string {
	return `'${argument.replaceAll('\'', '\'\\\'\'')}'`;
}

/**
 * A real terminal: one tmux server on a private socket running one command in a window of a fixed size.
 * Keys go in with send-keys, the screen comes out with capture-pane, as a person would see it.
 */
export class TmuxTerminal {
	private constructor(private readonly socket: string, readonly columns: number, readonly rows: number) {}

	/** Starts `command` (argv) in a detached session of `columns`×`rows`; after the command exits, its status stays on screen. */
	static start(command: readonly string[], options: {columns: number; rows: number; env?: Record<string, string | undefined>; cwd?: string}): TmuxTerminal {
		const socket = `meshtop-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
		const assignments = Object.entries(options.env ?? {}).map(([key, value]) => value === undefined ? `-u ${key}` : `${key}=${quote(value)}`);
		// The shell waits for the command and prints its status on the (restored) main screen, then idles until kill():
		// tmux's own pane status is racy (a pane can read as dead before its process is reaped, or lose its last line).
		const shell = `env ${assignments.join(' ')} ${command.map(quote).join(' ')}; echo "${exitMarker}$?"; exec sleep 3600`;
		execFileSync('tmux', ['-L', socket, '-f', '/dev/null', 'new-session', '-d', '-s', 'meshtop', '-x', String(options.columns), '-y', String(options.rows), ...(options.cwd === undefined ? [] : ['-c', options.cwd]), shell]);
		return new TmuxTerminal(socket, options.columns, options.rows);
	}

	/** The visible screen as text, one line per row. */
	screen(): string {
		return execFileSync('tmux', ['-L', this.socket, 'capture-pane', '-p', '-t', 'meshtop'], {encoding: 'utf8'});
	}

	/** Sends keys in tmux's names (Up, Down, Right, Enter, Escape, q, C-c). */
	keys(...names: string[]): void {
		execFileSync('tmux', ['-L', this.socket, 'send-keys', '-t', 'meshtop', ...names]);
	}

	/** Waits until the screen satisfies `probe`; the last screen is in the failure message. */
	async waitForScreen(probe: (screen: string) => boolean, timeout = 15_000, what = 'screen'): Promise<string> {
		let last = '';
		try {
			return await waitFor(() => {
				last = this.screen();
				return probe(last) ? last : undefined;
			}, {timeout, interval: 100, message: what});
		} catch (error) {
			throw new Error(`${(error as Error).message}\n--- last screen ---\n${last}`, {cause: error});
		}
	}

	/** Waits until the command has exited and returns its exit status (128+N after signal N, as the shell reports it). */
	async waitForExit(timeout = 5000): Promise<number> {
		const screen = await this.waitForScreen(text => new RegExp(`${exitMarker}\\d+`).test(text), timeout, 'the command to exit');
		return Number(new RegExp(`${exitMarker}(\\d+)`).exec(screen)![1]);
	}

	/** Resizes the terminal, as a person dragging the window's corner does (the program gets SIGWINCH); several sizes go in one tmux call, one after another. */
	resize(...sizes: ReadonlyArray<readonly [columns: number, rows: number]>): void {
		const commands = sizes.flatMap(([columns, rows], index) => [...(index === 0 ? [] : [';']), 'resize-window', '-t', 'meshtop', '-x', String(columns), '-y', String(rows)]);
		execFileSync('tmux', ['-L', this.socket, ...commands]);
	}

	/** Process id of the pane's shell (the command runs as its child). */
	panePid(): number {
		return Number(execFileSync('tmux', ['-L', this.socket, 'display-message', '-p', '-t', 'meshtop', '#{pane_pid}'], {encoding: 'utf8'}).trim());
	}

	/** Whether the terminal is in the alternate screen (a full-screen program is showing). */
	alternateScreen(): boolean {
		return execFileSync('tmux', ['-L', this.socket, 'display-message', '-p', '-t', 'meshtop', '#{alternate_on}'], {encoding: 'utf8'}).trim() === '1';
	}

	/**
	 * Ends the tmux server and whatever still runs in it, and removes its socket file: tmux leaves it behind on
	 * kill-server, and every terminal a test opened left one in tmux's directory (577 after a day of runs).
	 */
	kill(): void {
		const socketPath = spawnSync('tmux', ['-L', this.socket, 'display-message', '-p', '#{socket_path}'], {encoding: 'utf8'}).stdout?.trim() ?? '';
		spawnSync('tmux', ['-L', this.socket, 'kill-server'], {stdio: 'ignore'});
		if (socketPath.endsWith(this.socket)) {
			rmSync(socketPath, {force: true});
		}
	}
}
