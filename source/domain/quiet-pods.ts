/**
 * Which pods the live reads may leave for a few seconds: a pod whose stats answer came back byte for byte the same
 * as the read before served nothing in between (a version at weight 0, a pod drained), so it is read again only
 * after a longer period, unless the weights change. Pure: reads in, decisions out.
 */

/** What is known of one pod's last read. */
interface PodRead {
	/** When it was read (epoch milliseconds). */
	at: number;
	/** The stats answer, as read. */
	text: string;
	/** Whether that answer equalled the one before it. */
	quiet: boolean;
}

/** The live reads' memory of which pods are quiet. */
export class QuietPods {
	readonly #reads = new Map<string, PodRead>();
	readonly #quietPeriodMs: number;
	#awakeUntil = 0;

	/** @param quietPeriodMs How often a quiet pod is still read (milliseconds). */
	constructor(quietPeriodMs: number) {
		this.#quietPeriodMs = quietPeriodMs;
	}

	/** Notes a read of `pod` at `at`; true when its answer equals the one before (nothing was counted in between). */
	noteRead(pod: string, text: string, at: number): boolean {
		const quiet = this.#reads.get(pod)?.text === text;
		this.#reads.set(pod, {at, text, quiet});
		return quiet;
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

	/** Forgets the pods not in `kept` (they left the sample). */
	keepOnly(kept: ReadonlySet<string>): void {
		for (const pod of this.#reads.keys()) {
			if (!kept.has(pod)) {
				this.#reads.delete(pod);
			}
		}
	}
}
