import {Box, Text} from 'ink';
import type {AppState} from '../state/app-state.js';
import {currentRoute, currentVirtualService, stagedWeights, virtualServiceProblems} from '../state/selectors.js';
import {describeAddress} from '../domain/addressing.js';
import {VersionTable} from './VersionTable.js';
import {Chart} from './Chart.js';
import {HelpOverlay} from './HelpOverlay.js';
import {ConfirmDialog} from './ConfirmDialog.js';
import {Picker} from './Picker.js';
import {PlanDialog} from './PlanDialog.js';
import {RolloutPanel, rolloutPanelHeight} from './RolloutPanel.js';
import {useTheme} from './theme.js';

/** The middle of the screen: the overlay on top, or the versions, the rollout panel and the chart. */
export function ConsoleBody({state, columns, rows, now}: {state: AppState; columns: number; rows: number; now: number}) {
	const theme = useTheme();
	const vs = currentVirtualService(state);
	const route = currentRoute(state);
	if (state.overlay === 'picker') {
		return <Picker state={state} rows={rows} />;
	}

	if (state.overlay === 'help') {
		return <HelpOverlay readOnly={state.readOnly} />;
	}

	const malformed = virtualServiceProblems(state);
	if (vs !== undefined && malformed.length > 0) {
		return (
			<Box flexDirection="column">
				<Text {...theme.error}>{vs.kind === 'HTTPRoute' ? 'HTTPRoute' : 'VirtualService'} {vs.metadata.name} is malformed; meshtop shows it and writes nothing to it:</Text>
				{malformed.slice(0, Math.max(1, rows - 3)).map(problem => <Text key={problem} wrap="truncate">  • {problem}</Text>)}
				<Text {...theme.muted}>Fix it (kubectl edit {vs.kind === 'HTTPRoute' ? 'httproute' : 'virtualservice'} {vs.metadata.name}); the console updates when it changes.</Text>
			</Box>
		);
	}

	if (vs === undefined || route === undefined) {
		const why = state.kubeStatus === 'connecting'
			? 'Loading routes…'
			: vs === undefined
				? `${describeAddress(state.vsName ?? '')} not found in namespace ${state.connection.namespace}. Press / to pick one.`
				: `${describeAddress(state.vsName ?? vs.metadata.name)} has no routes.`;
		return <Text {...(state.kubeStatus === 'connecting' ? {} : theme.warning)}>{state.kubeError ?? why}</Text>;
	}

	if (state.overlay === 'confirm' && state.staged !== undefined) {
		return <ConfirmDialog vs={vs} route={route} weights={stagedWeights(state, route)} />;
	}

	if (state.overlay === 'plan' && state.planForm !== undefined) {
		return <PlanDialog form={state.planForm} route={route} />;
	}

	const keys = route.destinations.map(destination => destination.key);
	const problems = route.destinations.reduce((lines, destination) => lines + (destination.problem === undefined ? 0 : 1) + (destination.readOnly === undefined ? 0 : 1), 0);
	const panel = state.rollout === undefined ? 0 : 1 + rolloutPanelHeight(state.rollout);
	const chartHeight = rows - (2 + keys.length + problems + (route.editable ? 0 : 1) + panel);
	return (
		<Box flexDirection="column">
			{route.editable ? null : <Text {...theme.warning}>read-only route: {route.readOnlyReason ?? ''}</Text>}
			<VersionTable state={state} route={route} columns={columns} />
			{state.rollout === undefined ? null : (
				<Box marginTop={1}>
					<RolloutPanel rollout={state.rollout} now={now} columns={columns} />
				</Box>
			)}
			{chartHeight >= 5 ? (
				<Box marginTop={1}>
					<Chart series={state.series} keys={keys} width={columns} height={chartHeight - 1} window={state.metrics?.window} />
				</Box>
			) : null}
		</Box>
	);
}
