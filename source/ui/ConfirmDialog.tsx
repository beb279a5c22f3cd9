import {Box, Text} from 'ink';
import {describeChange} from '../domain/diff.js';
import {gitOpsOwner, type Route, type VirtualService} from '../domain/virtual-service.js';
import {useTheme} from './theme.js';

/** The staged change as a diff, with what the write will do, waiting for Enter. */
export function ConfirmDialog({vs, route, weights}: {vs: VirtualService; route: Route; weights: Record<string, number>}) {
	const theme = useTheme();
	const owner = gitOpsOwner(vs);
	return (
		<Box flexDirection="column" borderStyle="round" borderColor={theme.confirmBorder} paddingX={1}>
			<Text {...theme.strong}>Apply to {vs.metadata.namespace ?? ''}/{vs.metadata.name}, route {route.name}?</Text>
			{describeChange(route, weights).map(line => <Text key={line}>{line}</Text>)}
			<Text {...theme.muted}>JSON Patch of weights only, tested against resourceVersion {vs.metadata.resourceVersion ?? '?'}.</Text>
			{owner === undefined ? null : (
				<Text {...theme.warning}>⚠ Managed by {owner.tool} ({owner.detail}): a sync may revert this change.</Text>
			)}
			<Text><Text {...theme.strong}>Enter</Text>/<Text {...theme.strong}>y</Text> write   <Text {...theme.strong}>Esc</Text> back</Text>
		</Box>
	);
}
