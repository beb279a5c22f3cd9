/**
 * Writes row: a write race on one route of the real API server. Three loops run `meshtop set` (each a process, as a
 * person or a pipeline would) and one loop runs the test bed's kubectl, a merge patch replacing the route's whole
 * destination list without any resourceVersion check (someone else's edit), for 60 s (10 s short).
 *
 * Every write must land or be reported as a conflict. Lost updates are judged on the server's history: ordered by
 * resourceVersion, each acknowledged meshtop write must have been tested against exactly the version before it (the
 * patch's `test` of metadata.resourceVersion) and its trail record must show the weights that version had; a meshtop
 * write that overwrote an edit it never saw would break that chain. The final object must equal the last
 * acknowledged write, and every acknowledged meshtop write must be in the trail (history file and Events) with its
 * resourceVersion.
 */
import {readFile} from 'node:fs/promises';
import path from 'node:path';
import type {ChaosContext, ChaosResult, ChaosRow} from '../row.js';
import {cliPath, kubectl, rowTestbed, runProcess} from '../support/writes-testbed.js';
import type {TestbedState} from '../../testbed/main.js';

const name = 'race-reviews';
const versions = ['v1', 'v2', 'v3'] as const;

/** One acknowledged write, as its writer saw it. */
interface Acknowledged {
	writer: string;
	resourceVersion: string;
	/** For meshtop's writes: the version its patch was tested against. */
	resourceVersionBefore?: string;
	weights: Record<string, number>;
}

function randomSplit(): Record<string, number> {
	const a = Math.floor(Math.random() * 101);
	const b = Math.floor(Math.random() * (101 - a));
	return {v1: a, v2: b, v3: 100 - a - b};
}

function vsManifest(): string {
	return JSON.stringify({
		apiVersion: 'networking.istio.io/v1',
		kind: 'VirtualService',
		metadata: {name, namespace: 'bookinfo'},
		spec: {hosts: [name], http: [{name: 'default', timeout: '5s', route: [{destination: {host: 'reviews', subset: 'v1'}, weight: 100}]}]},
	});
}

type RouteEntry = {destination: {subset: string}; weight?: number};

function weightsOf(object: {spec: {http: Array<{route: RouteEntry[]}>}}): Record<string, number> {
	const weights: Record<string, number> = {v1: 0, v2: 0, v3: 0};
	for (const entry of object.spec.http[0]!.route) {
		weights[entry.destination.subset] = entry.weight ?? 0;
	}

	return weights;
}

const sameWeights = (a: Record<string, number>, b: Record<string, number>) => versions.every(version => (a[version] ?? 0) === (b[version] ?? 0));
const numeric = (resourceVersion: string) => BigInt(resourceVersion);

async function race(context: ChaosContext, state: TestbedState): Promise<ChaosResult> {
	const historyFile = path.join(context.dir, 'history.jsonl');
	const env = {...process.env, MESHTOP_HISTORY: historyFile, NO_COLOR: '1'};
	await kubectl(state, ['delete', 'virtualservice', name, '-n', 'bookinfo', '--ignore-not-found']);
	const initial = JSON.parse(await kubectl(state, ['create', '-f', '-', '-o', 'json'], vsManifest())) as {metadata: {resourceVersion: string}; spec: {http: Array<{route: RouteEntry[]}>}};
	const acknowledged: Acknowledged[] = [{writer: 'create', resourceVersion: initial.metadata.resourceVersion, weights: weightsOf(initial)}];
	const conflicts: string[] = [];
	const failures: string[] = [];
	const deadline = Date.now() + (context.short ? 10_000 : 60_000);
	const running = () => Date.now() < deadline && !context.signal.aborted;

	const meshtopLoop = async (loop: number) => {
		while (running()) {
			const weights = randomSplit();
			const result = await runProcess(process.execPath, [cliPath, 'set', name, '-n', 'bookinfo', '--kubeconfig', state.kubeconfig, ...versions.map(version => `${version}=${weights[version]}`)], {env, signal: context.signal});
			const landed = /\(resourceVersion (\d+) → (\d+)\)/.exec(result.stdout);
			if (result.code === 0 && landed !== null) {
				acknowledged.push({writer: `set#${loop}`, resourceVersionBefore: landed[1]!, resourceVersion: landed[2]!, weights});
			} else if (result.code === 1 && /changed while it was being written/.test(result.stderr)) {
				conflicts.push(`set#${loop}`);
			} else if (!context.signal.aborted) {
				failures.push(`set#${loop} exit ${String(result.code)}: ${result.stderr.trim().slice(0, 300)}`);
			}
		}
	};

	const kubectlLoop = async () => {
		while (running()) {
			const weights = randomSplit();
			const route = versions.map(version => ({destination: {host: 'reviews', subset: version}, weight: weights[version]}));
			// A merge patch replaces the whole http list: no resourceVersion, last writer wins, as `kubectl patch` users do.
			const patch = JSON.stringify({spec: {http: [{name: 'default', timeout: '5s', route}]}});
			const result = await runProcess(state.kubectl, ['--kubeconfig', state.kubeconfig, 'patch', 'virtualservice', name, '-n', 'bookinfo', '--type=merge', '-p', patch, '-o', 'json'], {signal: context.signal});
			if (result.code === 0) {
				const object = JSON.parse(result.stdout) as {metadata: {resourceVersion: string}};
				acknowledged.push({writer: 'kubectl', resourceVersion: object.metadata.resourceVersion, weights});
			} else if (!context.signal.aborted) {
				failures.push(`kubectl patch: ${result.stderr.trim().slice(0, 300)}`);
			}
		}
	};

	await Promise.all([meshtopLoop(1), meshtopLoop(2), meshtopLoop(3), kubectlLoop()]);
	const final = JSON.parse(await kubectl(state, ['get', 'virtualservice', name, '-n', 'bookinfo', '-o', 'json'])) as {metadata: {resourceVersion: string; uid: string}; spec: {http: Array<{route: RouteEntry[]}>}};
	const problems = [...failures];

	// The server's history: writes ordered by resourceVersion (one etcd, so they compare). A write that changed
	// nothing keeps the version before it, so equal versions must hold equal weights.
	const ordered = acknowledged.toSorted((a, b) => (numeric(a.resourceVersion) < numeric(b.resourceVersion) ? -1 : numeric(a.resourceVersion) > numeric(b.resourceVersion) ? 1 : 0));
	const history = new Map<string, Record<string, number>>();
	for (const write of ordered) {
		const seen = history.get(write.resourceVersion);
		if (seen !== undefined && !sameWeights(seen, write.weights)) {
			problems.push(`two writes acknowledged at resourceVersion ${write.resourceVersion} with different weights`);
		}

		history.set(write.resourceVersion, write.weights);
	}

	const versionsInOrder = [...history.keys()];
	const records = (await readFile(historyFile, 'utf8').catch(() => '')).split('\n').filter(line => line !== '').map(line => JSON.parse(line) as {resourceVersionBefore: string; resourceVersionAfter: string; before: Record<string, number>; after: Record<string, number>});
	let lost = 0;
	let missing = 0;
	for (const write of ordered) {
		if (write.resourceVersionBefore === undefined) {
			continue;
		}

		const position = versionsInOrder.indexOf(write.resourceVersion);
		const previous = write.resourceVersionBefore === write.resourceVersion ? write.resourceVersion : versionsInOrder[position - 1];
		const record = records.find(candidate => candidate.resourceVersionAfter === write.resourceVersion && sameWeights(candidate.after, write.weights));
		if (record === undefined) {
			missing++;
			problems.push(`${write.writer} write at resourceVersion ${write.resourceVersion} is not in the history file`);
		}

		if (previous !== write.resourceVersionBefore) {
			lost++;
			problems.push(`${write.writer} wrote ${write.resourceVersion} over ${write.resourceVersionBefore}, but the version before it was ${String(previous)}: an update was lost`);
		} else if (record !== undefined && !sameWeights(record.before, history.get(write.resourceVersionBefore) ?? {})) {
			lost++;
			problems.push(`${write.writer} at ${write.resourceVersion} recorded ${JSON.stringify(record.before)} as the weights it replaced; they were ${JSON.stringify(history.get(previous))}`);
		}
	}

	const last = ordered.at(-1)!;
	if (final.metadata.resourceVersion !== last.resourceVersion || !sameWeights(weightsOf(final), last.weights)) {
		lost++;
		problems.push(`final object ${final.metadata.resourceVersion} ${JSON.stringify(weightsOf(final))} is not the last acknowledged write ${last.resourceVersion} ${JSON.stringify(last.weights)}`);
	}

	const meshtopWrites = acknowledged.filter(write => write.resourceVersionBefore !== undefined && write.resourceVersionBefore !== write.resourceVersion);
	const events = JSON.parse(await kubectl(state, ['get', 'events', '-n', 'bookinfo', '--field-selector', `involvedObject.uid=${final.metadata.uid},reason=MeshtopWeightChange`, '-o', 'json'])) as {items: Array<{count?: number}>};
	const eventCount = events.items.reduce((sum, event) => sum + (event.count ?? 1), 0);
	if (eventCount < meshtopWrites.length) {
		problems.push(`${meshtopWrites.length} meshtop writes changed the route but only ${eventCount} MeshtopWeightChange Events exist`);
	}

	await kubectl(state, ['delete', 'virtualservice', name, '-n', 'bookinfo', '--ignore-not-found']);
	const kubectlWrites = acknowledged.filter(write => write.writer === 'kubectl').length;
	const setWrites = acknowledged.length - kubectlWrites - 1;
	const ok = problems.length === 0 && setWrites > 0 && kubectlWrites > 0;
	return {
		ok,
		figure: `${setWrites} set + ${kubectlWrites} kubectl writes landed, ${conflicts.length} conflicts reported, ${lost} lost updates, ${missing} missing from the trail, ${eventCount} Events`,
		...(problems.length > 0 ? {detail: problems.slice(0, 5).join('\n')} : ok ? {} : {detail: 'the race never landed both kinds of writes: nothing was tested'}),
	};
}

/** The race row. */
export const writesRaceRows: ChaosRow[] = [{
	group: 'writes',
	name: 'race: 3 × meshtop set + kubectl patch on one route, 60 s',
	short: true,
	sharesTestbed: true,
	limitSeconds: 180,
	async run(context) {
		const testbed = await rowTestbed(context);
		try {
			return await race(context, testbed.state);
		} finally {
			await testbed.release();
		}
	},
}];
