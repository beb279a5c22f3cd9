/**
 * The console's flags checked before anything is drawn (step size, live pods, refresh interval, chart history), in a module
 * without Ink so that the dispatcher can check them before it draws the splash.
 */
import {parseDuration} from '../domain/duration.js';
import {stepSizes} from '../domain/weights.js';
import {errorMessage} from '../util/error-message.js';
import type {Flags} from './flags.js';

/** The console's checked settings. */
export interface ConsoleSettings {
	/** The weight step of ← and → (one of stepSizes). */
	step: number;
	/** Milliseconds between metric refreshes. */
	refreshMs: number;
	/** Milliseconds of chart history to backfill. */
	historyMs: number;
}

/** The settings, or the message that says which flag is wrong. */
export function consoleSettings(flags: Pick<Flags, 'step' | 'refresh' | 'history' | 'livePods'>): {settings: ConsoleSettings} | {error: string} {
	const step = flags.step ?? 10;
	if (!stepSizes.includes(step)) {
		return {error: `--step must be one of ${stepSizes.join(', ')}`};
	}

	if (flags.livePods !== undefined && !(Number.isInteger(flags.livePods) && flags.livePods >= 1)) {
		return {error: '--live-pods must be a whole number of pods, 1 or more'};
	}

	const duration = (flag: string, value: string | undefined, fallback?: string): number | string => {
		try {
			return parseDuration(value ?? fallback ?? '');
		} catch (error) {
			return `${flag}: ${errorMessage(error)}`;
		}
	};

	const refreshMs = duration('--refresh', flags.refresh);
	if (typeof refreshMs === 'string') {
		return {error: refreshMs};
	}

	const historyMs = duration('--history', flags.history, '5m');
	if (typeof historyMs === 'string') {
		return {error: historyMs};
	}

	return {settings: {step, refreshMs, historyMs}};
}
