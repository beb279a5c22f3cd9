import {Box, Text} from 'ink';
import type {AppState, FeedStatus} from '../state/app-state.js';
import {currentRoute, currentRoutes} from '../state/selectors.js';
import {formatAge} from '../util/format.js';
import {useColor} from './theme.js';

const statusColor: Record<FeedStatus, string> = {
	connecting: 'yellow',
	live: 'green',
	reconnecting: 'yellow',
	stale: 'yellow',
	error: 'red',
	disabled: 'gray',
};

function Status({label, status, detail}: {label: string; status: FeedStatus; detail?: string}) {
	const color = useColor();
	return (
		<>
			{label} <Text color={color ? statusColor[status] : undefined}>●</Text> {status}{detail === undefined ? '' : ` ${detail}`}
		</>
	);
}

/** Top lines: where meshtop is connected, what it shows, and how fresh the data is. */
export function Header({state, now}: {state: AppState; now: number}) {
	const routes = currentRoutes(state);
	const route = currentRoute(state);
	const routeIndex = route === undefined ? 0 : routes.indexOf(route) + 1;
	const age = state.metrics === undefined ? undefined : formatAge(now - state.metrics.at);
	return (
		<Box flexDirection="column">
			<Text wrap="truncate">
				{state.readOnly ? <Text inverse> READ-ONLY </Text> : null}
				{state.readOnly ? ' ' : ''}
				<Text bold>meshtop</Text>
				{'  ctx '}<Text bold>{state.connection.contextName}</Text>
				{'  ns '}<Text bold>{state.connection.namespace}</Text>
				{'  vs '}<Text bold>{state.vsName ?? '-'}</Text>
				{route === undefined ? null : <>{'  route '}<Text bold>{route.name}</Text> ({route.match}) {routeIndex}/{routes.length}</>}
			</Text>
			<Text wrap="truncate">
				<Status label="kube" status={state.kubeStatus} />
				{'  '}
				<Status label="prometheus" status={state.metricsStatus} detail={age === undefined ? undefined : `data ${age} · window ${state.metrics?.window ?? '?'}`} />
				{'  '}
				<Text dimColor>{state.prometheusLabel}</Text>
			</Text>
		</Box>
	);
}
