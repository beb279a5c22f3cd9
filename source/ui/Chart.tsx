import {useMemo} from 'react';
import {Box, Text} from 'ink';
import asciichart from 'asciichart';
import type {SeriesHistory} from '../domain/series.js';
import {useTheme, type Theme} from './theme.js';

/** Label column asciichart adds on the left ("  12.34 ┤"). */
const labelWidth = 10;

/** Renders the request-rate chart as text lines: one series per version, newest on the right. */
export function chartLines(series: SeriesHistory, keys: readonly string[], width: number, height: number, theme: Theme): string[] {
	const points = Math.max(2, width - labelWidth);
	const data = keys.map(key => series.series(key).slice(-points).map(value => value ?? Number.NaN));
	if (data.length === 0 || data.every(values => values.length < 2)) {
		return ['waiting for request rates…'];
	}

	const plotted = asciichart.plot(data, {
		height: Math.max(1, height - 1),
		min: 0,
		colors: theme.color ? keys.map((_, index) => theme.versionAnsi(index) ?? '') : undefined,
		format: (value: number) => value.toFixed(1).padStart(7) + ' ',
	});
	return plotted.split('\n');
}

/** The multi-series asciichart of requests per second per version. */
export function Chart({series, keys, width, height, window}: {series: SeriesHistory; keys: readonly string[]; width: number; height: number; window: string | undefined}) {
	const theme = useTheme();
	// A history is a value: a new sample is a new object, so identity says when to redraw.
	const keyList = keys.join(',');
	const lines = useMemo(() => chartLines(series, keyList === '' ? [] : keyList.split(','), width, height, theme), [series, keyList, width, height, theme]);
	return (
		<Box flexDirection="column" height={height}>
			<Text {...theme.muted} wrap="truncate">requests/s per version, a column per {window ?? 'rate'} window (last {Math.max(2, width - labelWidth)})</Text>
			{lines.slice(0, height - 1).map((line, index) => <Text key={index} wrap="truncate">{line}</Text>)}
		</Box>
	);
}
