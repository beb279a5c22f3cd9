/**
 * `meshtop shift <vs> --to v3`: a progressive migration run unattended, with metric gates between steps.
 * Exit codes: 0 the target reached its final weight; 1 stopped by a gate or a failed write (paused or rolled back);
 * 2 bad usage; 130 interrupted (SIGINT), the last written split left in place.
 */
import {gitOpsOwner, observedScope, planRefusal} from '../domain/virtual-service.js';
import {
	createPlan, gatePolicy, parseConfidence, parseGate, parseStepList, weightsAt,
	type Gate, type GatePolicyOptions, type OnInconclusive, type RolloutEvent, type RolloutPlan, type RolloutState,
} from '../domain/rollout.js';
import {planWriteNote} from '../domain/trail-note.js';
import {HistoryFile, historyFilePath} from '../trail/history-file.js';
import {connectionWriter} from '../write/split-writer.js';
import {resolveInterruptedWrites} from './interrupted-writes.js';
import {routeWeights} from '../domain/virtual-service.js';
import {connect, type ConnectOptions} from './connect.js';
import {parseDuration} from '../domain/duration.js';
import {RolloutDriver} from '../rollout/rollout-driver.js';
import {
	clockTime, describePlan, formatGates, formatSplit, gateJson, waitingLine, weightsByKey, type CommandOutput,
} from './shift-output.js';
import {errorMessage} from '../util/error-message.js';

/** Usage of the command, for `meshtop shift --help` and usage errors. */
export const shiftUsage = `Usage: meshtop shift <virtualservice> --to VERSION [--step N | --steps 5,10,25,50,100] [--every 30s]
       [--gate success>=99.5 --gate p99<=500ms --gate min-rps=1 --gate success>=baseline-0.5% --gate p99<=baseline*1.2]
       [--on-fail pause|rollback] [--max-wait 5x--every] [--on-inconclusive pause|proceed|rollback]
       [--min-requests 100] [--failure-limit 1] [--confidence 95%] [--route NAME] [--json]
Moves traffic to VERSION step by step (default --step 10). Each step is judged on the requests it received under its own
weights: a gate passes when the evidence says it holds (95% interval), fails when it says it does not, and is otherwise
inconclusive: the step keeps collecting up to --max-wait, then --on-inconclusive applies. A failing gate pauses (leaves the
split, exit 1) or rolls back to the starting split (exit 1). Ctrl-C stops after the write in flight (exit 130).`;

/** Options of {@link runShift}; flags as the CLI parses them. */
export interface ShiftOptions extends Omit<ConnectOptions, 'vs' | 'prometheus'> {
	/** VirtualService name. */
	vs: string;
	/** `--to`: the version to migrate to. */
	to: string;
	/** `--step`: equal increments (default 10 when no --steps). */
	step?: number;
	/** `--steps`: "5,10,25,50,100" or the numbers. */
	steps?: string | readonly number[];
	/** `--every`: hold per step, "30s" or milliseconds (default 30s). */
	every?: string | number;
	/** `--gate`, repeatable. */
	gates?: readonly string[];
	/** `--on-fail` (default pause). */
	onFail?: string;
	/** `--max-wait`: longest a step waits for conclusive evidence, "2m" or milliseconds (default 5 × --every). */
	maxWait?: string | number;
	/** `--on-inconclusive` pause|proceed|rollback (default pause). */
	onInconclusive?: string;
	/** `--min-requests`: requests a latency gate needs in the step's window (default 100). */
	minRequests?: number;
	/** `--failure-limit`: consecutive failed evaluations before --on-fail (default 1). */
	failureLimit?: number;
	/** `--confidence`: "95%", "99" or 0.95 (default 95%). */
	confidence?: string | number;
	/** `--settle`: traffic left out after each write, "2s" or milliseconds (default one scrape interval). */
	settle?: string | number;
	/** `--json`: one JSON event per line instead of text. */
	json?: boolean;
	/** History file path (default: MESHTOP_HISTORY, XDG state dir). */
	historyFile?: string;
	/** Aborted on SIGINT: the command stops after the write in flight. */
	signal?: AbortSignal;
}

interface ParsedShift {
	gates: Gate[];
	steps?: number[];
	intervalMs: number;
	every: string;
	onFail: 'pause' | 'rollback';
	/** The judging flags; the scrape interval is added once Prometheus is connected. */
	policy: Omit<GatePolicyOptions, 'intervalMs' | 'scrapeIntervalMs'>;
}

function durationFlag(value: string | number | undefined): number | undefined {
	return value === undefined ? undefined : typeof value === 'number' ? value : parseDuration(value);
}

function parseShift(options: ShiftOptions): ParsedShift {
	const every = options.every ?? '30s';
	const intervalMs = typeof every === 'number' ? every : parseDuration(every);
	const onFail = options.onFail ?? 'pause';
	if (onFail !== 'pause' && onFail !== 'rollback') {
		throw new Error(`--on-fail must be pause or rollback (got "${onFail}")`);
	}

	const onInconclusive = options.onInconclusive ?? 'pause';
	if (onInconclusive !== 'pause' && onInconclusive !== 'proceed' && onInconclusive !== 'rollback') {
		throw new Error(`--on-inconclusive must be pause, proceed or rollback (got "${onInconclusive}")`);
	}

	const maxWaitMs = durationFlag(options.maxWait);
	const settleMs = durationFlag(options.settle);
	const policy = {
		// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- tsc reports string here without it (the build fails), while the lint rule sees the narrowed union
		onInconclusive: onInconclusive as OnInconclusive,
		...(maxWaitMs === undefined ? {} : {maxWaitMs}),
		...(settleMs === undefined ? {} : {settleMs}),
		...(options.minRequests === undefined ? {} : {minRequests: options.minRequests}),
		...(options.failureLimit === undefined ? {} : {failureLimit: options.failureLimit}),
		...(options.confidence === undefined ? {} : {confidence: typeof options.confidence === 'number' ? options.confidence : parseConfidence(options.confidence)}),
	};
	// Checked now, so a bad flag is a usage error before anything connects.
	gatePolicy({...policy, intervalMs});
	return {
		policy,
		gates: (options.gates ?? []).map(text => parseGate(text)),
		...(options.steps === undefined || options.steps === '' ? {} : {steps: typeof options.steps === 'string' ? parseStepList(options.steps, '--steps') : [...options.steps]}),
		intervalMs,
		every: typeof every === 'number' ? `${every}ms` : every,
		onFail,
	};
}

/** Runs a shift to completion; resolves with the exit code. */
export async function runShift(options: ShiftOptions, io: CommandOutput): Promise<number> {
	const emit = (json: Record<string, unknown>, text: string) => {
		io.stdout.write(options.json === true ? `${JSON.stringify({...json, time: new Date().toISOString()})}\n` : `${text}\n`);
	};

	const warn = (message: string) => {
		if (options.json === true) {
			emit({event: 'warning', message}, '');
		} else {
			io.stderr.write(`warning: ${message}\n`);
		}
	};

	let parsed: ParsedShift;
	try {
		parsed = parseShift(options);
	} catch (error) {
		io.stderr.write(`meshtop shift: ${errorMessage(error)}\n${shiftUsage}\n`);
		return 2;
	}

	if (options.signal?.aborted === true) {
		io.stderr.write('meshtop shift: interrupted before starting; nothing was written\n');
		return 130;
	}

	let connection;
	try {
		connection = await connect({...options, prometheus: parsed.gates.length > 0 ? 'required' : 'optional'});
	} catch (error) {
		io.stderr.write(`meshtop shift: ${errorMessage(error)}\n`);
		return 1;
	}

	try {
		await resolveInterruptedWrites({target: connection.target, historyPath: historyFilePath({...(options.historyFile === undefined ? {} : {path: options.historyFile}), ...(options.env === undefined ? {} : {env: options.env})}), api: connection.api, output: io.stderr});
		return await runPlan(options, parsed, connection, io, emit, warn);
	} finally {
		await connection.close();
	}
}

type Emit = (json: Record<string, unknown>, text: string) => void;

async function runPlan(
	options: ShiftOptions,
	parsed: ParsedShift,
	connection: Awaited<ReturnType<typeof connect>>,
	io: CommandOutput,
	emit: Emit,
	warn: (message: string) => void,
): Promise<number> {
	const {route} = connection;
	const refusal = route.editable ? planRefusal(route) : `route ${route.name} of ${options.vs} is read-only: ${route.readOnlyReason ?? route.kind}`;
	if (refusal !== undefined) {
		io.stderr.write(`meshtop shift: ${refusal}\n`);
		return 1;
	}

	let plan: RolloutPlan;
	try {
		const start = routeWeights(route);
		const keys = route.destinations.map(destination => destination.key);
		plan = createPlan({
			keys,
			weights: keys.map(key => start[key] ?? 0),
			target: options.to,
			...(options.step === undefined ? {} : {step: options.step}),
			...(parsed.steps === undefined ? {} : {steps: parsed.steps}),
			intervalMs: parsed.intervalMs,
			gates: parsed.gates,
			onFail: parsed.onFail,
			policy: {...parsed.policy, ...(connection.prometheus === undefined ? {} : {scrapeIntervalMs: connection.prometheus.scrapeIntervalMs})},
		});
	} catch (error) {
		io.stderr.write(`meshtop shift: ${errorMessage(error)}\n`);
		return 2;
	}

	const owner = gitOpsOwner(connection.vs);
	if (owner !== undefined) {
		warn(owner.detail);
	}

	const {target} = connection;
	const where = `${options.vs} ${route.name} (namespace ${connection.namespace}, context ${target.contextName})`;
	// Istio's metrics carry no route label: on a route that shares its series with other routes, the gates judge them all.
	const population = observedScope(route);
	emit(
		{event: 'plan', population, vs: options.vs, namespace: connection.namespace, context: target.contextName, route: route.name, target: options.to, steps: plan.steps, intervalMs: plan.intervalMs, gates: plan.gates.map(gate => gate.text), onFail: plan.onFail, policy: plan.policy, baseline: plan.baseline.map(index => plan.keys[index]), start: weightsByKey(plan, plan.start), prometheus: connection.prometheus?.label ?? null},
		`shift ${where}: ${describePlan(plan, parsed.every)}`,
	);
	if (population === 'service' && plan.gates.length > 0) {
		warn(`the gates judge all routes of ${connection.vs.metadata.name}, not route ${route.name} alone: Istio's metrics carry no route label`);
	}

	if (connection.prometheus === undefined && connection.prometheusError !== undefined) {
		warn(`no metrics (${connection.prometheusError}); without gates the plan advances on time alone`);
	}

	const historyFile = new HistoryFile(historyFilePath({...(options.historyFile === undefined ? {} : {path: options.historyFile}), ...(options.env === undefined ? {} : {env: options.env})}));
	const writer = connectionWriter({api: connection.api, historyFile, writer: {user: target.user, context: target.contextName, namespace: connection.namespace}});
	let lastGates: RolloutState['gates'] | undefined;
	let lastWaitingLine = Number.NEGATIVE_INFINITY;
	const driver = new RolloutDriver({
		plan,
		async apply(weights, position) {
			const note = planWriteNote('shift', driver.state, position);
			const result = await writer.write({vs: connection.vs, route: connection.route, change: {weights: weightsByKey(plan, weights)}, reason: {source: 'shift', note}});
			if (result.kind !== 'written') {
				throw new Error(result.message);
			}

			connection.update(result.vs);
			for (const warning of result.warnings) {
				warn(warning);
			}
		},
		fetchCounts: async rangeMs => connection.fetchCounts(rangeMs),
		onUpdate(state, event, previous) {
			report(plan, state, event, previous, emit, lastGates);
			if (event.type === 'counts') {
				lastGates = state.gates;
				// A step that waits says why, with the count, but not on every look: once at the hold's end, then each hold.
				const waiting = state.phase === 'running' && state.goal === null && state.position > 0 && state.gates.some(result => result.outcome === 'inconclusive');
				if (waiting && event.now >= state.since + plan.intervalMs && event.now - lastWaitingLine >= Math.max(plan.intervalMs, 5000)) {
					lastWaitingLine = event.now;
					const line = waitingLine(plan, state, event.now);
					emit({event: 'waiting', step: state.position, of: plan.steps.length, waitedMs: event.now - state.since, maxWaitMs: plan.policy.maxWaitMs, gates: state.gates.map(result => gateJson(result))}, line);
				}
			}

			if (event.type === 'applied') {
				lastWaitingLine = Number.NEGATIVE_INFINITY;
			}

			// Headless, nobody is there to resume: a pause ends the run with the split left as it is.
			if (state.phase === 'paused' && previous.phase !== 'paused') {
				void driver.stop();
			}
		},
	});
	const onAbort = () => {
		void driver.stop();
	};

	// A function, not a narrowed property: the signal changes while we await.
	const aborted = () => options.signal?.aborted === true;
	if (aborted()) {
		emit({event: 'interrupted', weights: weightsByKey(plan, plan.start), step: 0, of: plan.steps.length}, 'interrupted before the first step; nothing was written');
		return 130;
	}

	options.signal?.addEventListener('abort', onAbort, {once: true});
	try {
		driver.start();
		const final = await driver.done;
		let actual: Record<string, number> | undefined;
		if (final.phase === 'paused' && final.error !== undefined) {
			// After a failed write the cluster may hold someone else's split: report what is there, not what the plan wrote last.
			actual = await connection.reload().then(() => routeWeights(connection.route), () => undefined);
		}

		return conclude(plan, final, aborted(), emit, actual);
	} finally {
		options.signal?.removeEventListener('abort', onAbort);
		await driver.stop();
	}
}

function report(plan: RolloutPlan, state: RolloutState, event: RolloutEvent, previous: RolloutState, emit: Emit, lastGates: RolloutState['gates'] | undefined): void {
	const of = plan.steps.length;
	if (event.type === 'applied') {
		const weights = weightsAt(plan, event.position);
		const rollingBack = previous.phase === 'rolling-back' || state.phase === 'rolling-back' || state.phase === 'rolled-back';
		const label = rollingBack ? `rollback ${event.position}/${of}` : `step ${event.position}/${of}`;
		emit(
			{event: rollingBack ? 'rollback-step' : 'step', step: event.position, of, weights: weightsByKey(plan, weights), gates: (lastGates ?? []).map(result => gateJson(result))},
			`${clockTime(event.now)} ${label}  ${formatSplit(plan, weights)}  ${formatGates(plan, rollingBack ? undefined : lastGates)}`,
		);
		return;
	}

	if (event.type === 'counts' && state.failedGates !== undefined && previous.failedGates === undefined) {
		const failed = state.failedGates.some(result => result.outcome === 'fail');
		emit(
			{event: failed ? 'gate-failed' : 'gate-inconclusive', step: state.position, of, gates: state.gates.map(result => gateJson(result)), failed: state.failedGates.map(result => result.gate.text)},
			`${clockTime(event.now)} ${failed ? 'gate failed' : 'still inconclusive'} at step ${state.position}/${of}  ${formatGates(plan, state.gates)}`,
		);
	}
}

function conclude(plan: RolloutPlan, final: RolloutState, interrupted: boolean, emit: Emit, actual?: Record<string, number>): number {
	const weights = actual === undefined ? weightsAt(plan, final.position) : plan.keys.map(key => actual[key] ?? 0);
	const split = formatSplit(plan, weights);
	const json = {weights: weightsByKey(plan, weights), step: final.position, of: plan.steps.length};
	if (final.phase === 'completed') {
		emit({event: 'completed', ...json, reason: final.reason ?? null}, `done: ${split}${final.reason === undefined ? '' : ` (${final.reason})`}`);
		return 0;
	}

	if (final.phase === 'rolled-back') {
		emit({event: 'rolled-back', ...json, reason: final.reason ?? null}, `rolled back to the start split ${split}: ${final.reason ?? 'rollback'}`);
		return 1;
	}

	if (interrupted) {
		emit({event: 'interrupted', ...json}, `interrupted: left the last written split ${split} (step ${final.position}/${plan.steps.length}); run the same shift again to continue, or meshtop undo to step back`);
		return 130;
	}

	emit(
		{event: 'paused', ...json, reason: final.reason ?? null, failed: (final.failedGates ?? []).map(result => result.gate.text), error: final.error ?? null},
		actual === undefined
			? `stopped at step ${final.position}/${plan.steps.length}, split left at ${split}: ${final.reason ?? 'paused'}`
			: `stopped after step ${final.position}/${plan.steps.length}: ${final.reason ?? 'paused'}; the VirtualService now has ${split}`,
	);
	return 1;
}
