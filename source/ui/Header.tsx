import {memo} from 'react';
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

/** What the header's first line says: plain values, so that {@link Title} is re-rendered only when one changes. */
interface TitleProps {
	readOnly: boolean;
	context: string;
	namespace: string;
	/** The route object's address: a VirtualService's name or `httproute/NAME`. */
	address: string | undefined;
	attachment: string | undefined;
	/** The route's name (absent: no route yet), its match, and its place among the object's routes ("1/3"). */
	route: string | undefined;
	match: string | undefined;
	position: string;
}

/** The first line: where meshtop is connected and what it shows. */
function TitleLine({readOnly, context, namespace, address, attachment, route, match, position}: TitleProps) {
	const theme = useTheme();
	return (
		<Text wrap="truncate">
			{readOnly ? <Text inverse> READ-ONLY </Text> : null}
			{readOnly ? ' ' : ''}
			<Text {...theme.strong}>meshtop</Text>
			{'  ctx '}<Text {...theme.strong}>{context}</Text>
			{'  ns '}<Text {...theme.strong}>{namespace}</Text>
			{address?.startsWith('httproute/') === true ? '  httproute ' : '  vs '}<Text {...theme.strong}>{address?.replace(/^httproute\//, '') ?? '-'}</Text>
			{attachment === undefined ? null : ` (${attachment})`}
			{route === undefined ? null : <>{'  route '}<Text {...theme.strong}>{route}</Text> ({match}) {position}</>}
		</Text>
	);
}

/**
 * The first line, re-rendered only when what it says changes: every refresh re-renders the console, and this line
 * stays the same for the whole session unless the user picks another route.
 */
const Title = memo(TitleLine);

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
			<Title
				readOnly={state.readOnly}
				context={state.connection.contextName}
				namespace={state.connection.namespace}
				address={state.vsName}
				attachment={route?.attachment}
				route={route?.name}
				match={route?.match}
				position={`${routeIndex}/${routes.length}`}
			/>
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
