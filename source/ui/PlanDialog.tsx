import {Box, Text} from 'ink';
import {observedScope, type Route} from '../domain/virtual-service.js';
import {planFields, type PlanForm} from '../state/plan-form.js';
import {useTheme} from './theme.js';

function valueOf(form: PlanForm, id: (typeof planFields)[number]['id']): string {
	return form[id];
}

/** The plan dialog (`p`): every field with its value, the focused one with its hint; Enter starts. */
export function PlanDialog({form, route}: {form: PlanForm; route: Route}) {
	const theme = useTheme();
	const width = Math.max(...planFields.map(field => field.label.length)) + 2;
	const focused = planFields[form.field];
	return (
		<Box flexDirection="column" borderStyle="round" borderColor={theme.planBorder} paddingX={1}>
			<Text {...theme.strong}>Progressive migration on route {route.name} (from {route.destinations.map(destination => `${destination.key} ${destination.weight}`).join(' / ')})</Text>
			{observedScope(route) === 'service' ? <Text {...theme.warning}>The gates judge all routes of this service: Istio&apos;s metrics carry no route label.</Text> : null}
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
			<Text {...theme.muted}>{focused?.hint ?? ''}</Text>
			{form.error === undefined ? null : <Text {...theme.error}>{form.error}</Text>}
			<Text><Text {...theme.strong}>Enter</Text> start   <Text {...theme.strong}>↑↓/Tab</Text> field   <Text {...theme.strong}>Esc</Text> cancel</Text>
		</Box>
	);
}
