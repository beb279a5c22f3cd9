import {Box, Text} from 'ink';
import {describeChange} from '../domain/diff.js';
import {gitOpsOwner, type Route, type VirtualService} from '../domain/virtual-service.js';

/** The staged change as a diff, with what the write will do, waiting for Enter. */
export function ConfirmDialog({vs, route, weights}: {vs: VirtualService; route: Route; weights: Record<string, number>}) {
	const owner = gitOpsOwner(vs);
	return (
		<Box flexDirection="column" borderStyle="round" borderColor="yellow" paddingX={1}>
			<Text bold>Apply to {vs.metadata.namespace ?? ''}/{vs.metadata.name}, route {route.name}?</Text>
			{describeChange(route, weights).map(line => <Text key={line}>{line}</Text>)}
			<Text dimColor>JSON Patch of weights only, tested against resourceVersion {vs.metadata.resourceVersion ?? '?'}.</Text>
			{owner === undefined ? null : (
				<Text color="yellow">⚠ Managed by {owner.tool} ({owner.detail}): a sync may revert this change.</Text>
			)}
			<Text><Text bold>Enter</Text>/<Text bold>y</Text> write   <Text bold>Esc</Text> back</Text>
		</Box>
	);
}
