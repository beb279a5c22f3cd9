/** Output capture for the headless command tests (their clusters come from ../helpers/cluster-fixture.ts). */
import type {CommandOutput} from '../../source/commands/shift-output.js';

/**
 * Captures what a command writes, line by line. `onLine` runs synchronously as each stdout line is written, so a test
 * can act at an exact point of a plan (between a write and the next) instead of racing its timers.
 */
export class CapturedOutput implements CommandOutput {
	out = '';
	err = '';
	onLine: ((line: string) => void) | undefined;
	readonly stdout = {write: (chunk: string) => {
		this.out += chunk;
		for (const line of chunk.split('\n').filter(part => part !== '')) {
			this.onLine?.(line);
		}

		return true;
	}};

	readonly stderr = {write: (chunk: string) => {
		this.err += chunk;
		return true;
	}};

	/** Lines of stdout. */
	get lines(): string[] {
		return this.out.split('\n').filter(line => line !== '');
	}
}
