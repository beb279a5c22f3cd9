import {memo, useMemo} from 'react';
import {Box, Text} from 'ink';
import type {ChartHistory, ChartMode} from '../state/chart-history.js';
import {plotChart, roleKey, type CellRole, type Segment} from './chart-plot.js';
import {useTheme, type Theme, type TextStyle} from './theme.js';

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

/** One line of the chart: its runs of characters, each styled by its role. */
function ChartLineText({segments, theme}: {segments: readonly Segment[]; theme: Theme}) {
	return (
		<Text wrap="truncate">
			{segments.map((segment, index) => <Text key={index} {...styleOf(segment.role, theme)}>{segment.text}</Text>)}
		</Text>
	);
}

/**
 * Whether two renders of a chart line draw the same runs (React.memo's comparison for {@link ChartLine}): a new
 * sample re-plots the chart every second, but a column covers several seconds, so most lines come out as before.
 */
export function sameLine(before: {segments: readonly Segment[]; theme: Theme}, after: {segments: readonly Segment[]; theme: Theme}): boolean {
	return before.theme === after.theme && before.segments.length === after.segments.length
		&& before.segments.every((segment, index) => {
			const other = after.segments[index];
			return other !== undefined && segment.text === other.text && roleKey(segment.role) === roleKey(other.role);
		});
}

/** A chart line re-rendered only when its runs changed. */
const ChartLine = memo(ChartLineText, sameLine);

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
	const lines = useMemo(() => plotChart({mode, history, keys: keyList === '' ? [] : keyList.split(','), width, height}), [mode, history, keyList, width, height]);
	return (
		<Box flexDirection="column" height={height}>
			{lines.slice(0, height).map((segments, line) => <ChartLine key={line} segments={segments} theme={theme} />)}
		</Box>
	);
}

/**
 * The chart re-rendered only when what it draws changed: a key (a selection, a staged weight) re-renders the rest of
 * the console, and reconciling the chart's few hundred styled segments again, for the same lines, was a good part of
 * that key's frame.
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
