import {useMemo} from 'react';
import {Box, Text} from 'ink';
import type {ChartHistory, ChartMode} from '../state/chart-history.js';
import {plotChart, type CellRole} from './chart-plot.js';
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

/**
 * The migration picture in one of four modes (`c` cycles them): request rate, observed share stacked 0–100% with
 * the configured weight as a line, success rate, p99. A letter per version (legend on the first line), ▲ on the
 * time axis where a weight change was applied, ages of the columns under it.
 */
export function Chart({history, mode, keys, width, height}: {history: ChartHistory; mode: ChartMode; keys: readonly string[]; width: number; height: number}) {
	const theme = useTheme();
	// A history is a value: a new sample is a new object, so identity says when to redraw.
	const keyList = keys.join(',');
	const lines = useMemo(() => plotChart({mode, history, keys: keyList === '' ? [] : keyList.split(','), width, height}), [mode, history, keyList, width, height]);
	return (
		<Box flexDirection="column" height={height}>
			{lines.slice(0, height).map((segments, line) => (
				<Text key={line} wrap="truncate">
					{segments.map((segment, index) => <Text key={index} {...styleOf(segment.role, theme)}>{segment.text}</Text>)}
				</Text>
			))}
		</Box>
	);
}
