/**
 * The write-ahead intents on disk: one small JSON file per write in flight, in an `intents/` folder beside the history
 * file. Saved (temp name, fsync, rename, fsync of the folder) before the PATCH leaves and removed once the trail line is
 * written or the PATCH failed, so a file left behind means its writer was killed in between. A file is claimed for
 * resolving by renaming it to `NAME.claimed-PID`: rename is atomic, so of two meshtops starting at once one wins.
 */
import {randomBytes} from 'node:crypto';
import {mkdir, open, readdir, readFile, rename, rm} from 'node:fs/promises';
import path from 'node:path';
import type {WriteIntent} from '../domain/write-intent.js';
import {isRecord} from '../util/guards.js';

/** An intent saved on disk, until its write is over. */
export interface SavedIntent {
	/** Removes the file: the write ended and the trail says so (or nothing was written). Never rejects. */
	remove(): Promise<void>;
}

/** Where the write service saves its intents (injected so tests can pass a fake). */
export interface IntentJournal {
	/** Saves the intent durably; resolves once it is on disk. */
	save(intent: WriteIntent): Promise<SavedIntent>;
}

/** An intent file left behind, as found by {@link WriteIntents.leftovers}. */
export interface LeftoverIntent {
	/** Its file name in the folder. */
	file: string;
	/** Its content; undefined when the file is not a readable intent (cut short, hand-edited). */
	intent: WriteIntent | undefined;
	/** The pid of a resolver that claimed it and died (a `.claimed-PID` file), else undefined. */
	claimedBy?: number;
}

const claimPattern = /^(?<base>.+\.json)\.claimed-(?<pid>\d+)$/;

function asIntent(value: unknown): WriteIntent | undefined {
	if (!isRecord(value) || value['version'] !== 1 || typeof value['pid'] !== 'number') {
		return undefined;
	}

	const strings = ['kind', 'namespace', 'name', 'route', 'resourceVersion', 'time', 'command', 'user', 'context', 'source'];
	const weights = (candidate: unknown) => isRecord(candidate) && Object.values(candidate).every(weight => typeof weight === 'number');
	return strings.every(key => typeof value[key] === 'string') && weights(value['before']) && weights(value['asked'])
		? value as unknown as WriteIntent
		: undefined;
}

/** Opens, fsyncs and closes: the file's content (or a folder's entries) survive a crash of the machine. */
async function fsyncPath(target: string, flags: string): Promise<void> {
	const handle = await open(target, flags);
	try {
		await handle.sync();
	} finally {
		await handle.close();
	}
}

/** The intents folder of one history file. */
export class WriteIntents implements IntentJournal {
	/** The folder. */
	readonly dir: string;

	/** `historyPath`: the history file the intents' trail lines go to; the folder is `intents/` beside it. */
	constructor(historyPath: string) {
		this.dir = path.join(path.dirname(historyPath), 'intents');
	}

	/** Writes the intent under a temp name, fsyncs it, renames it into place and fsyncs the folder. */
	async save(intent: WriteIntent): Promise<SavedIntent> {
		await mkdir(this.dir, {recursive: true, mode: 0o700});
		const base = `${intent.time.replaceAll(':', '')}-${intent.pid}-${randomBytes(4).toString('hex')}.json`;
		const temporary = path.join(this.dir, `.${base}.tmp`);
		const final = path.join(this.dir, base);
		const handle = await open(temporary, 'wx', 0o600);
		try {
			await handle.writeFile(JSON.stringify(intent), 'utf8');
			await handle.sync();
		} finally {
			await handle.close();
		}

		await rename(temporary, final);
		await fsyncPath(this.dir, 'r');
		return {
			async remove() {
				await rm(final, {force: true}).catch(() => undefined);
			},
		};
	}

	/** Intent files in the folder (unclaimed, or claimed by a resolver), oldest first; none when there is no folder. */
	async leftovers(): Promise<LeftoverIntent[]> {
		let names: string[];
		try {
			names = await readdir(this.dir);
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
				return [];
			}

			throw error;
		}

		const read = async (file: string): Promise<LeftoverIntent | undefined> => {
			const claim = claimPattern.exec(file);
			let intent: WriteIntent | undefined;
			try {
				intent = asIntent(JSON.parse(await readFile(path.join(this.dir, file), 'utf8')));
			} catch (error) {
				if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
					// Resolved or claimed by another meshtop since the listing.
					return undefined;
				}

				intent = undefined;
			}

			return {file, intent, ...(claim === null ? {} : {claimedBy: Number(claim.groups!['pid'])})};
		};

		// Names start with the intent's time: sorted, they are the writes in order.
		const found = await Promise.all(names.sort().filter(file => file.endsWith('.json') || claimPattern.test(file)).map(read));
		return found.filter(leftover => leftover !== undefined);
	}

	/**
	 * Claims a leftover for process `pid` by renaming it to `BASE.claimed-PID`; undefined when another process renamed
	 * it first. The claim's name is what {@link release} and {@link discard} take.
	 */
	async claim(file: string, pid: number): Promise<string | undefined> {
		const base = claimPattern.exec(file)?.groups?.['base'] ?? file;
		const claimed = `${base}.claimed-${pid}`;
		try {
			await rename(path.join(this.dir, file), path.join(this.dir, claimed));
			return claimed;
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
				return undefined;
			}

			throw error;
		}
	}

	/** Gives a claimed intent back (the route could not be read): a later meshtop tries again. */
	async release(claimed: string): Promise<void> {
		const base = claimPattern.exec(claimed)?.groups?.['base'];
		if (base !== undefined) {
			await rename(path.join(this.dir, claimed), path.join(this.dir, base)).catch(() => undefined);
		}
	}

	/** Removes a resolved (or unreadable) intent file. */
	async discard(file: string): Promise<void> {
		await rm(path.join(this.dir, file), {force: true});
	}
}
