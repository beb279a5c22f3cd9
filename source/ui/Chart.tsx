import {useMemo} from 'react';
import {Box, Text} from 'ink';
import asciichart from 'asciichart';
import type {SeriesSet} from '../domain/series.js';
import {ansiColor, useColor} from './theme.js';

/** Label column asciichart adds on the left ("  12.34 ┤"). */
const labelWidth = 10;

/** Renders the request-rate chart as text lines: one series per version, newest on the right. */
export function chartLines(series: SeriesSet, keys: readonly string[], width: number, height: number, color: boolean): string[] {
	const points = Math.max(2, width - labelWidth);
	const data = keys.map(key => series.series(key).slice(-points).map(value => value ?? Number.NaN));
	if (data.length === 0 || data.every(values => values.length < 2)) {
		return ['waiting for request rates…'];
	}

	const plotted = asciichart.plot(data, {
		height: Math.max(1, height - 1),
		min: 0,
		colors: color ? keys.map((_, index) => ansiColor(index)) : undefined,
		format: (value: number) => value.toFixed(1).padStart(7) + ' ',
	});
	return plotted.split('\n');
}

/** The multi-series asciichart of requests per second per version. */
export function Chart({series, seriesVersion, keys, width, height, window}: {series: SeriesSet; seriesVersion: number; keys: readonly string[]; width: number; height: number; window: string | undefined}) {
	const color = useColor();
	// The ring buffers are mutable: seriesVersion says when they changed.
	const lines = useMemo(() => chartLines(series, keys, width, height, color), [series, seriesVersion, keys.join(','), width, height, color]);
	return (
		<Box flexDirection="column" height={height}>
			<Text dimColor wrap="truncate">requests/s per version, a column per {window ?? 'rate'} window (last {Math.max(2, width - labelWidth)})</Text>
			{lines.slice(0, height - 1).map((line, index) => <Text key={index} wrap="truncate">{line}</Text>)}
		</Box>
	);
}
