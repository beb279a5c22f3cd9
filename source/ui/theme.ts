/**
 * The console's one source of colour. Components ask the theme for a role (selected, staged, error, a version's
 * series…) and spread the style it returns; none of them names a colour. Without colour (NO_COLOR, --no-color,
 * TERM=dumb) every role that carries meaning falls back to bold or inverse, so selection, staged weights and failures
 * stay visible.
 */
import {createContext, useContext} from 'react';
import chalk, {type ForegroundColorName} from 'chalk';
import type {FeedStatus} from '../ports/console-services.js';
import type {GateOutcome, RolloutState} from '../domain/rollout.js';

/** Props of Ink's <Text> that style it. */
export interface TextStyle {
	color?: string;
	bold?: boolean;
	inverse?: boolean;
	dimColor?: boolean;
	underline?: boolean;
}

/** Roles that have a style; the values are Ink <Text> props. */
export interface Theme {
	/** Whether this theme uses colour at all. */
	readonly color: boolean;
	/** The marker and name of the selected version row. */
	readonly selected: TextStyle;
	/** A staged weight that differs from the configured one. */
	readonly staged: TextStyle;
	/** Errors: a failed write, a malformed object, a missing subset. */
	readonly error: TextStyle;
	/** Warnings: a read-only route, a change made elsewhere. */
	readonly warning: TextStyle;
	/** A metric below its healthy range (success rate under 99%). */
	readonly failing: TextStyle;
	/**
	 * Put before a failing number: '' with colour; '!' without, since a terminal may show no bold or inverse either
	 * (`--no-color` makes Ink's chalk drop every style).
	 */
	readonly failingMark: string;
	/** Headings and key names. */
	readonly strong: TextStyle;
	/** Secondary text: hints, labels. */
	readonly muted: TextStyle;
	/** The border of the confirmation dialog and of the plan dialog. */
	readonly confirmBorder: string | undefined;
	readonly planBorder: string | undefined;
	/** Style of a version's row name, bar and sparkline (its series colour in the chart). */
	version(index: number): TextStyle;
	/** The ● of a feed's status in the header. */
	feed(status: FeedStatus): TextStyle;
	/** The progress bar and phase of a rollout. */
	phase(phase: RolloutState['phase']): TextStyle;
	/** A gate's verdict line in the rollout panel. */
	gate(outcome: GateOutcome): TextStyle;
}

/** Versions' colours in row order. */
const palette = ['cyan', 'magenta', 'yellow', 'green', 'blue', 'red'] as const;

const feedColor: Record<FeedStatus, string> = {
	connecting: 'yellow',
	live: 'green',
	reconnecting: 'yellow',
	stale: 'yellow',
	error: 'red',
	disabled: 'gray',
};

const gateColor: Record<GateOutcome, string | undefined> = {pass: 'green', fail: 'red', inconclusive: 'yellow', skipped: undefined};

const phaseColor: Record<RolloutState['phase'], string> = {
	running: 'green',
	paused: 'yellow',
	'rolling-back': 'red',
	completed: 'green',
	'rolled-back': 'red',
};

/** The colour theme. */
export const colorTheme: Theme = {
	color: true,
	selected: {bold: true},
	staged: {bold: true, color: 'yellow'},
	error: {color: 'red'},
	warning: {color: 'yellow'},
	failing: {color: 'red'},
	failingMark: '',
	strong: {bold: true},
	muted: {dimColor: true},
	confirmBorder: 'yellow',
	planBorder: 'cyan',
	version: index => ({color: palette[index % palette.length]}),
	feed: status => ({color: feedColor[status]}),
	phase: phase => ({color: phaseColor[phase]}),
	gate: outcome => (gateColor[outcome] === undefined ? {} : {color: gateColor[outcome]}),
};

/** The theme without colour: meaning carried by bold and inverse. */
export const monochromeTheme: Theme = {
	color: false,
	selected: {bold: true},
	staged: {bold: true, inverse: true},
	error: {bold: true},
	warning: {bold: true},
	failing: {bold: true, inverse: true},
	failingMark: '!',
	strong: {bold: true},
	muted: {dimColor: true},
	confirmBorder: undefined,
	planBorder: undefined,
	version: () => ({}),
	feed: status => (status === 'live' ? {} : {bold: true}),
	phase: phase => (phase === 'running' || phase === 'completed' ? {} : {bold: true}),
	gate: outcome => (outcome === 'fail' ? {bold: true} : {}),
};

/** Whether to use colour: not with NO_COLOR set (https://no-color.org), --no-color, or a dumb terminal. */
export function wantsColor(env: Readonly<Record<string, string | undefined>>, flag: boolean | undefined): boolean {
	const noColor = env['NO_COLOR'];
	return flag !== false && (noColor === undefined || noColor === '') && env['TERM'] !== 'dumb';
}

/** The theme for a choice of colour. */
export function themeFor(color: boolean): Theme {
	return color ? colorTheme : monochromeTheme;
}

/** The theme in use; the colour theme unless a provider says otherwise. */
export const ThemeContext = createContext<Theme>(colorTheme);

/** The theme components style themselves with. */
export function useTheme(): Theme {
	return useContext(ThemeContext);
}

/**
 * Text styled as Ink's <Text> would style it, as one string: for a line of many runs (a chart line), where a <Text>
 * per run costs a React element, a fibre and a layout node each, and reconciling them on every refresh. Uses the
 * chalk Ink uses, so --no-color and a terminal without colour drop these styles as they drop Ink's.
 */
export function paint(style: TextStyle, text: string): string {
	let painted = text;
	if (style.dimColor) {
		painted = chalk.dim(painted);
	}

	if (style.color !== undefined && style.color in chalk) {
		painted = chalk[style.color as ForegroundColorName](painted);
	}

	if (style.bold) {
		painted = chalk.bold(painted);
	}

	if (style.underline) {
		painted = chalk.underline(painted);
	}

	if (style.inverse) {
		painted = chalk.inverse(painted);
	}

	return painted;
}
