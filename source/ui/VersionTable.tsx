import {memo} from 'react';
import {Box, Text} from 'ink';
import type {Route} from '../domain/virtual-service.js';
import {observedShares} from '../domain/metrics.js';
import {observedScope} from '../domain/routes.js';
import type {AppState} from '../state/app-state.js';
import {selectedIndex, stagedWeights} from '../state/selectors.js';
import {fit, formatMs, formatRatio, formatRps, formatShare, sparkline} from '../util/format.js';
import {useTheme} from './theme.js';

/** Column widths of the table; the weight bar and the trend take what is left. */
export interface TableLayout {
	version: number;
	bar: number;
	trend: number;
}

const fixed = {marker: 2, weight: 4, staged: 7, observed: 8, rps: 7, success: 8, p99: 7};
const fixedWidth = Object.values(fixed).reduce((sum, width) => sum + width, 0);

/** Splits the terminal width between the columns; the trend column goes first when space is short. */
export function tableLayout(columns: number, versionWidth: number): TableLayout {
	const version = Math.min(Math.max(versionWidth, 7), 16) + 1;
	// Separators: one space after the bar, one before the trend, one extra before OBSERVED.
	const free = columns - fixedWidth - version - 3;
	const bar = Math.max(4, Math.min(20, Math.floor(free / 2)));
	const trend = Math.max(0, Math.min(60, free - bar - 1));
	return {version, bar, trend: trend >= 5 ? trend : 0};
}

function bar(weight: number, width: number): string {
	const filled = Math.round((weight / 100) * width);
	return '█'.repeat(filled) + '░'.repeat(width - filled);
}

/** What one version's row shows, as plain values, so that {@link VersionRow} is re-rendered only when one changes. */
interface RowProps {
	/** Place of the version in table order: its colour. */
	index: number;
	selected: boolean;
	name: string;
	bar: string;
	weight: string;
	/** The staged weight (`→ 30`), fitted; absent when nothing is staged for this version. */
	staged: string | undefined;
	share: string;
	rps: string;
	/** Success rate, with the failing mark when below 99%. */
	success: string;
	failing: boolean;
	p99: string;
	/** The sparkline; absent when the terminal leaves it no room. */
	trend: string | undefined;
	readOnly: string | undefined;
	problem: string | undefined;
}

/** A version's row, and under it why the version is read-only or malformed. */
function VersionRowLines({index, selected, name, bar, weight, staged, share, rps, success, failing, p99, trend, readOnly, problem}: RowProps) {
	const theme = useTheme();
	const versionStyle = theme.version(index);
	return (
		<Box flexDirection="column">
			<Text>
				<Text {...(selected ? theme.selected : {})}>{selected ? '▸ ' : '  '}</Text>
				<Text {...versionStyle} {...(selected ? theme.selected : {})}>{name}</Text>
				<Text {...versionStyle}>{bar}</Text>
				{' '}
				<Text>{weight}</Text>
				<Text {...(staged === undefined ? {} : theme.staged)}>{staged ?? fit('', fixed.staged, 'right')}</Text>
				<Text>{share}</Text>
				<Text>{rps}</Text>
				<Text {...(failing ? theme.failing : {})}>{success}</Text>
				<Text>{p99}</Text>
				{trend === undefined ? null : <Text {...versionStyle}>{trend}</Text>}
			</Text>
			{readOnly === undefined ? null : <Text {...theme.warning} wrap="truncate-end">{'    read-only: ' + readOnly}</Text>}
			{problem === undefined ? null : <Text {...theme.error}>{'    ⚠ ' + problem}</Text>}
		</Box>
	);
}

/**
 * A version's row, re-rendered only when what it shows changed: every refresh re-renders the table, and the rows of
 * versions without traffic stay the same from one second to the next.
 */
const VersionRow = memo(VersionRowLines);

/** A row per version: configured vs staged weight, observed share, rps, success, p99, trend. */
export function VersionTable({state, route, columns}: {state: AppState; route: Route; columns: number}) {
	const theme = useTheme();
	const keys = route.destinations.map(destination => destination.key);
	// HTTPRoute backends show their Service's version label too: `reviews-v3 (v3)`.
	const names = route.destinations.map(destination => (destination.label === undefined ? destination.key : `${destination.key} (${destination.label})`));
	const layout = tableLayout(columns, Math.max(...names.map(name => name.length)));
	const wholeService = observedScope(route) === 'service';
	const objectName = state.vsName?.replace(/^httproute\//, '') ?? '';
	const staged = stagedWeights(state, route);
	const selectedRow = selectedIndex(state);
	const shares = observedShares(state.metrics, keys);
	const seriesMax = Math.max(0, ...keys.flatMap(key => state.series.series(key).map(value => value ?? 0)));
	const header = fit('', fixed.marker) + fit('VERSION', layout.version) + fit('WEIGHT', layout.bar + 1) + fit('', fixed.weight, 'right')
		+ fit('STAGED', fixed.staged, 'right') + fit('OBSERVED', fixed.observed + 1, 'right') + fit('RPS', fixed.rps, 'right')
		+ fit('OK%', fixed.success, 'right') + fit('P99', fixed.p99, 'right') + (layout.trend > 0 ? ' ' + fit('RPS TREND', layout.trend) : '');
	return (
		<Box flexDirection="column">
			{wholeService ? <Text {...theme.warning} wrap="truncate">{`observed: all routes of ${objectName} (Istio's metrics carry no route label; not this route's progress)`}</Text> : null}
			<Text {...theme.strong}>{header}</Text>
			{route.destinations.map((destination, index) => {
				const metrics = state.metrics?.byVersion[destination.key];
				const stagedWeight = staged[destination.key] ?? destination.weight;
				const changed = stagedWeight !== destination.weight;
				const failing = metrics?.successRate !== null && metrics?.successRate !== undefined && metrics.successRate < 0.99;
				return (
					<VersionRow
						key={destination.key}
						index={index}
						selected={index === selectedRow}
						name={fit(names[index] ?? destination.key, layout.version)}
						bar={bar(changed ? stagedWeight : destination.weight, layout.bar)}
						weight={fit(String(destination.weight), fixed.weight, 'right')}
						staged={changed ? fit(`→ ${stagedWeight}`, fixed.staged, 'right') : undefined}
						share={fit(formatShare(shares[destination.key]), fixed.observed + 1, 'right')}
						rps={fit(formatRps(metrics?.rps), fixed.rps, 'right')}
						success={fit((failing ? theme.failingMark : '') + formatRatio(metrics?.successRate), fixed.success, 'right')}
						failing={failing}
						p99={fit(formatMs(metrics?.p99Ms), fixed.p99, 'right')}
						trend={layout.trend > 0 ? ' ' + sparkline(state.series.series(destination.key), layout.trend, seriesMax) : undefined}
						readOnly={destination.readOnly}
						problem={destination.problem}
					/>
				);
			})}
		</Box>
	);
}
