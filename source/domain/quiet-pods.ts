/**
 * Which pods the live reads may leave for a few seconds: a pod whose stats answer came back byte for byte the same
 * as the read before served nothing in between (a version at weight 0, a pod drained), so it is read again only
 * after a longer period, unless the weights change. Pure: reads in, decisions out.
 */

/** What is known of one pod's last read. */
interface PodRead<T> {
	/** When it was read (epoch milliseconds). */
	at: number;
	/** The stats answer, as read. */
	text: string;
	/** Whether that answer equalled the one before it. */
	quiet: boolean;
	/** What the answer was read into, once {@link QuietPods.read} has (kept while the answer stays the same). */
	value?: T;
}

/** The live reads' memory of each pod's last answer, what it was read into, and which pods are quiet. */
export class QuietPods<T = unknown> {
	readonly #reads = new Map<string, PodRead<T>>();
	readonly #quietPeriodMs: number;
	#awakeUntil = 0;

	/** @param quietPeriodMs How often a quiet pod is still read (milliseconds). */
	constructor(quietPeriodMs: number) {
		this.#quietPeriodMs = quietPeriodMs;
	}

	/** Notes a read of `pod` at `at`; true when its answer equals the one before (nothing was counted in between). */
	noteRead(pod: string, text: string, at: number): boolean {
		const last = this.#reads.get(pod);
		const quiet = last?.text === text;
		this.#reads.set(pod, {at, text, quiet, ...(quiet && last.value !== undefined ? {value: last.value} : {})});
		return quiet;
	}

	/**
	 * Notes a read of `pod` at `at` as {@link noteRead} does and returns what its answer means: what the last one was
	 * read into when the answer is the same (not parsed again), else `parse(text)`, kept for the next read.
	 */
	read(pod: string, text: string, at: number, parse: (text: string) => T): T {
		this.noteRead(pod, text, at);
		const entry = this.#reads.get(pod)!;
		entry.value ??= parse(text);
		return entry.value;
	}

	/** What `pod`'s last answer was read into, if it was: it stands while the pod is not due. */
	last(pod: string): T | undefined {
		return this.#reads.get(pod)?.value;
	}

	/** Whether `pod` is to be read at `now`: always, unless its last read was quiet and less than the period ago. */
	due(pod: string, now: number): boolean {
		const last = this.#reads.get(pod);
		return last === undefined || !last.quiet || now < this.#awakeUntil || now - last.at >= this.#quietPeriodMs;
	}

	/**
	 * Every pod is read at every poll for the next two periods from `now`: the weights changed, and traffic reaches a
	 * pod that was quiet only once the mesh has the new split (a proxy's first read after the change can still be quiet).
	 */
	wake(now: number): void {
		this.#awakeUntil = now + (2 * this.#quietPeriodMs);
	}

	/** Forgets the pods not in `kept` (they left the sample), their answers and values with them. */
	keepOnly(kept: ReadonlySet<string>): void {
		for (const pod of this.#reads.keys()) {
			if (!kept.has(pod)) {
				this.#reads.delete(pod);
			}
		}
	}
}
