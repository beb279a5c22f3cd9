import {Box, Text} from 'ink';
import type {AppState} from '../state/app-state.js';
import {pickerMatches} from '../state/selectors.js';

/** KIND column and name of a map key (`httproute/reviews` → HTTPRoute, reviews). */
function kindAndName(key: string): [string, string] {
	return key.startsWith('httproute/') ? ['HTTPRoute', key.slice('httproute/'.length)] : ['VirtualService', key];
}

/**
 * The route picker (VirtualServices and HTTPRoutes, with a KIND column): type to filter, ↑↓ to move, Enter to open.
 * Shows a window of the matches, so 1,000 names cost no more than 10.
 */
export function Picker({state, rows}: {state: AppState; rows: number}) {
	const matches = pickerMatches(state);
	const visible = Math.max(1, rows - 4);
	const start = Math.max(0, Math.min(state.pickerSelected - Math.floor(visible / 2), matches.length - visible));
	const window = matches.slice(start, start + visible);
	return (
		<Box flexDirection="column" borderStyle="round" paddingX={1}>
			<Text>
				<Text bold>Routes</Text> in {state.connection.namespace}: /{state.pickerQuery}<Text inverse> </Text>
				<Text dimColor>  {matches.length} of {state.virtualServices.size}</Text>
			</Text>
			{state.kubeStatus === 'connecting' ? <Text dimColor>loading…</Text> : null}
			{state.kubeStatus !== 'connecting' && matches.length === 0 ? <Text dimColor>no match</Text> : null}
			{window.map((name, index) => {
				const selected = start + index === state.pickerSelected;
				const [kind, shown] = kindAndName(name);
				return <Text key={name} inverse={selected}>{selected ? '▸ ' : '  '}{shown.padEnd(32)} {kind}</Text>;
			})}
		</Box>
	);
}
