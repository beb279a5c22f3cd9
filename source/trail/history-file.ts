/**
 * The local change trail: one JSON object per line, appended, never rewritten.
 * It outlives the cluster's Events (which expire after an hour by default) and is what `history` and `undo` read.
 */
import {appendFile, mkdir, readFile} from 'node:fs/promises';
import {homedir} from 'node:os';
import path from 'node:path';
import type {JsonPatchOperation} from '../domain/virtual-service.js';
import type {WeightChange} from '../domain/weight-change.js';
import {isRecord} from '../util/guards.js';

/** Options of {@link historyFilePath}. */
export interface HistoryPathOptions {
	/** An explicit path (a `--history` option) wins over everything. */
	path?: string;
	/** Environment to read MESHTOP_HISTORY, XDG_STATE_HOME and HOME from (default process.env). */
	env?: NodeJS.ProcessEnv;
}

/**
 * Where the history lives: the explicit path, else $MESHTOP_HISTORY, else $XDG_STATE_HOME/meshtop/history.jsonl,
 * else ~/.local/state/meshtop/history.jsonl (the XDG base directory default for state that should persist but is not config).
 */
export function historyFilePath(options: HistoryPathOptions = {}): string {
	const env = options.env ?? process.env;
	if (options.path !== undefined && options.path !== '') {
		return options.path;
	}

	const override = env['MESHTOP_HISTORY'];
	if (override !== undefined && override !== '') {
		return override;
	}

	const stateHome = env['XDG_STATE_HOME'];
	// The XDG spec says relative values are invalid and must be ignored.
	if (stateHome !== undefined && path.isAbsolute(stateHome)) {
		return path.join(stateHome, 'meshtop', 'history.jsonl');
	}

	return path.join(env['HOME'] ?? homedir(), '.local', 'state', 'meshtop', 'history.jsonl');
}

/** Which records to read; every given field must match. */
export interface HistoryFilter {
	/** Route object name. */
	vs?: string;
	/** Route object kind (records without one are VirtualServices'); undefined: either kind. */
	kind?: 'VirtualService' | 'HTTPRoute';
	/** Namespace. */
	namespace?: string;
	/** Kubeconfig context: the same name in another cluster is another object. */
	context?: string;
}


function isWeights(value: unknown): value is Record<string, number> {
	return isRecord(value) && Object.values(value).every(weight => typeof weight === 'number');
}

function asWeightChange(read: unknown): WeightChange | undefined {
	if (!isRecord(read)) {
		return undefined;
	}

	let value: Record<string, unknown> = read;

	const strings = ['time', 'user', 'context', 'namespace', 'vs', 'route', 'resourceVersionBefore', 'resourceVersionAfter', 'source'];
	if (!strings.every(key => typeof value[key] === 'string') || !isWeights(value['before']) || !isWeights(value['after'])) {
		return undefined;
	}

	if (value['interrupted'] !== undefined && !['applied', 'not-applied', 'unknown'].includes(value['interrupted'] as string)) {
		// An outcome this meshtop does not know is not taken for a change the route received.
		value = {...value, interrupted: 'unknown'};
	}

	if (value['undo'] !== undefined && !isOperations(value['undo'])) {
		// A damaged inverse is not trusted: undo falls back to writing the recorded weights.
		const {undo: _ignored, ...rest} = value;
		return rest as unknown as WeightChange;
	}

	return value as unknown as WeightChange;
}

function isOperations(value: unknown): value is JsonPatchOperation[] {
	return Array.isArray(value) && value.every(operation => isRecord(operation)
		&& ['test', 'add', 'replace', 'remove'].includes(operation['op'] as string) && typeof operation['path'] === 'string');
}

/** The history file: append one record per line, read them back filtered. */
export class HistoryFile {
	/** Absolute or relative path of the JSONL file. */
	readonly path: string;

	/** Opens nothing yet: the file and its folder are created by the first append. */
	constructor(filePath: string) {
		this.path = filePath;
	}

	/**
	 * Appends one record as one line with a single write: with O_APPEND, concurrent meshtop processes
	 * (a console and a pipeline) cannot interleave parts of their lines.
	 */
	async append(record: WeightChange): Promise<void> {
		await mkdir(path.dirname(this.path), {recursive: true});
		await appendFile(this.path, `${JSON.stringify(record)}\n`, {encoding: 'utf8', mode: 0o600});
	}

	/**
	 * Records matching the filter, oldest first. A missing file is an empty history; lines that are not
	 * records (a line cut short by a crash, a hand edit) are skipped and counted, never fatal.
	 */
	async read(filter: HistoryFilter = {}): Promise<{records: WeightChange[]; skipped: number}> {
		let text: string;
		try {
			text = await readFile(this.path, 'utf8');
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
				return {records: [], skipped: 0};
			}

			throw error;
		}

		const records: WeightChange[] = [];
		let skipped = 0;
		for (const line of text.split('\n')) {
			if (line.trim() === '') {
				continue;
			}

			let record: WeightChange | undefined;
			try {
				record = asWeightChange(JSON.parse(line));
			} catch {
				record = undefined;
			}

			if (record === undefined) {
				skipped++;
				continue;
			}

			if ((filter.vs === undefined || record.vs === filter.vs)
				&& (filter.kind === undefined || (record.kind ?? 'VirtualService') === filter.kind)
				&& (filter.namespace === undefined || record.namespace === filter.namespace)
				&& (filter.context === undefined || record.context === filter.context)) {
				records.push(record);
			}
		}

		return {records, skipped};
	}
}
