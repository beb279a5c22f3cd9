import {memo, useMemo} from 'react';
import {Box, Text} from 'ink';
import type {ChartHistory, ChartMode} from '../state/chart-history.js';
import {plotChart, type CellRole, type Segment} from './chart-plot.js';
import {paint, useTheme, type Theme, type TextStyle} from './theme.js';

function styleOf(role: CellRole, theme: Theme): TextStyle {
	if (typeof role === 'object') {
		return theme.version(role.series);
	}

	switch (role) {
		case 'weight': {
			return theme.strong;
		}

		case 'marker': {
			return theme.warning;
		}

		case 'overlap':
		case 'axis':
		case 'text': {
			return theme.muted;
		}
	}
}

/** One line of the chart as one string, each run painted in its role's style. */
export function paintLine(segments: readonly Segment[], theme: Theme): string {
	return segments.map(segment => paint(styleOf(segment.role, theme), segment.text)).join('');
}

/**
 * A chart line: one <Text> of one painted string, re-rendered only when that string changed. A <Text> per run made
 * a fibre and a layout node per run, several hundred once a few weight changes had split the blank rows with their
 * markers, all reconciled on every refresh; most lines come out as before, since a column covers several seconds.
 */
const ChartLine = memo(function ChartLine({text}: {text: string}) {
	return <Text wrap="truncate">{text}</Text>;
});

/** What the chart draws: a history, its mode, the versions in table order, and its size. */
export interface ChartProps {
	history: ChartHistory;
	mode: ChartMode;
	keys: readonly string[];
	width: number;
	height: number;
}

/**
 * The migration picture in one of four modes (`c` cycles them): request rate, observed share stacked 0–100% with
 * the configured weight as a line, success rate, p99. A letter per version (legend on the first line), ▲ on the
 * time axis where a weight change was applied, ages of the columns under it.
 */
function ChartLines({history, mode, keys, width, height}: ChartProps) {
	const theme = useTheme();
	// A history is a value: a new sample is a new object, so identity says when to redraw.
	const keyList = keys.join(',');
	const lines = useMemo(
		() => plotChart({mode, history, keys: keyList === '' ? [] : keyList.split(','), width, height}).slice(0, height).map(segments => paintLine(segments, theme)),
		[mode, history, keyList, width, height, theme],
	);
	return (
		<Box flexDirection="column" height={height}>
			{lines.map((text, line) => <ChartLine key={line} text={text} />)}
		</Box>
	);
}

/**
 * The chart re-rendered only when what it draws changed: a key (a selection, a staged weight) re-renders the rest of
 * the console, and plotting and painting the same lines again would be a good part of that key's frame.
 */
export const Chart = memo(ChartLines, sameChart);

/**
 * Whether two renders of the chart draw the same lines (React.memo's comparison for {@link Chart}). `keys` is compared
 * by content: the body builds a new array on every render.
 */
export function sameChart(before: ChartProps, after: ChartProps): boolean {
	return before.history === after.history && before.mode === after.mode && before.width === after.width
		&& before.height === after.height && before.keys.join(',') === after.keys.join(',');
}
