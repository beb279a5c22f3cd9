import {Box, Text} from 'ink';
import type {Route} from '../domain/virtual-service.js';
import {planFields, type PlanForm} from '../state/plan-form.js';

function valueOf(form: PlanForm, id: (typeof planFields)[number]['id']): string {
	return form[id];
}

/** The plan dialog (`p`): every field with its value, the focused one with its hint; Enter starts. */
export function PlanDialog({form, route}: {form: PlanForm; route: Route}) {
	const width = Math.max(...planFields.map(field => field.label.length)) + 2;
	const focused = planFields[form.field];
	return (
		<Box flexDirection="column" borderStyle="round" borderColor="cyan" paddingX={1}>
			<Text bold>Progressive migration on route {route.name} (from {route.destinations.map(destination => `${destination.key} ${destination.weight}`).join(' / ')})</Text>
			{planFields.map((field, index) => {
				const active = index === form.field;
				const value = valueOf(form, field.id);
				return (
					<Text key={field.id}>
						<Text bold={active}>{active ? '▸ ' : '  '}{field.label.padEnd(width)}</Text>
						{field.kind === 'choice' ? <Text inverse={active}>{active ? `‹ ${value} ›` : value}</Text> : <Text>{value}{active ? <Text inverse> </Text> : null}</Text>}
					</Text>
				);
			})}
			<Text dimColor>{focused?.hint ?? ''}</Text>
			{form.error === undefined ? null : <Text color="red">{form.error}</Text>}
			<Text><Text bold>Enter</Text> start   <Text bold>↑↓/Tab</Text> field   <Text bold>Esc</Text> cancel</Text>
		</Box>
	);
}
