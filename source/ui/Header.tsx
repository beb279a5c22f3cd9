import {Box, Text} from 'ink';
import type {AppState} from '../state/app-state.js';
import type {FeedStatus} from '../ports/console-services.js';
import {currentRoute, currentRoutes} from '../state/selectors.js';
import {formatAge} from '../util/format.js';
import {liveLabel, type LiveStatus} from '../domain/live-merge.js';
import {useTheme} from './theme.js';

function Status({label, status, detail}: {label: string; status: FeedStatus; detail?: string}) {
	const theme = useTheme();
	return (
		<>
			{label} <Text {...theme.feed(status)}>●</Text> {status}{detail === undefined ? '' : ` ${detail}`}
		</>
	);
}

/** The header's colour of each live state, as a feed's. */
const liveFeed: Record<LiveStatus, FeedStatus> = {off: 'disabled', connecting: 'connecting', live: 'live', error: 'error'};

/** How long a request of the feed may wait before the header says the API server is slow. */
export const slowApiMs = 1000;

/** How many lines the header takes: two, and a third saying why the console is read-only when the API server said so. */
export function headerLines(state: Pick<AppState, 'readOnlyReason'>): number {
	return state.readOnlyReason === undefined ? 2 : 3;
}

/** Top lines: where meshtop is connected, what it shows, and how fresh the data is. */
export function Header({state, now}: {state: AppState; now: number}) {
	const routes = currentRoutes(state);
	const route = currentRoute(state);
	const routeIndex = route === undefined ? 0 : routes.indexOf(route) + 1;
	const theme = useTheme();
	const age = state.metrics === undefined ? undefined : formatAge(now - state.metrics.at);
	const live = state.metrics?.live;
	const waiting = state.metricsWaitingMs === undefined ? '' : ` · waiting ${Math.max(1, Math.round(state.metricsWaitingMs / 1000))}s`;
	// A request answered within a second is normal; past that the user should know the API server is slow.
	const apiWaiting = state.kubePendingSince === undefined || now - state.kubePendingSince < slowApiMs ? undefined : `${((now - state.kubePendingSince) / 1000).toFixed(1)} s`;
	return (
		<Box flexDirection="column">
			<Text wrap="truncate">
				{state.readOnly ? <Text inverse> READ-ONLY </Text> : null}
				{state.readOnly ? ' ' : ''}
				<Text {...theme.strong}>meshtop</Text>
				{'  ctx '}<Text {...theme.strong}>{state.connection.contextName}</Text>
				{'  ns '}<Text {...theme.strong}>{state.connection.namespace}</Text>
				{state.vsName?.startsWith('httproute/') === true ? '  httproute ' : '  vs '}<Text {...theme.strong}>{state.vsName?.replace(/^httproute\//, '') ?? '-'}</Text>
				{route?.attachment === undefined ? null : ` (${route.attachment})`}
				{route === undefined ? null : <>{'  route '}<Text {...theme.strong}>{route.name}</Text> ({route.match}) {routeIndex}/{routes.length}</>}
			</Text>
			<Text wrap="truncate">
				<Status label="kube" status={state.kubeStatus} detail={apiWaiting === undefined ? undefined : `· waiting ${apiWaiting} for the API server`} />
				{'  '}
				<Status label="prometheus" status={state.metricsStatus} detail={age === undefined ? (waiting === '' ? undefined : waiting.slice(3)) : `data ${age} · window ${state.metrics?.window ?? '?'}${waiting}`} />
				{'  '}
				{live === undefined ? null : <><Text {...theme.feed(liveFeed[live.status])}>{liveLabel(live)}</Text>{'  '}</>}
				<Text {...theme.muted}>{state.prometheusLabel}</Text>
			</Text>
			{state.readOnlyReason === undefined ? null : <Text wrap="truncate" {...theme.warning}>read-only: {state.readOnlyReason}</Text>}
		</Box>
	);
}
