/**
 * The shape of one row of `npm run chaos`: a fault injected into a running meshtop (console in tmux, or a headless
 * `shift`/`set`), the expectation checked, and the figure printed. Rows own everything they start (test bed, tmux
 * session, proxies, child processes) and stop it before they return, pass or fail.
 */

/** Where a row's fault is injected; the runner prints rows grouped by it, in this order. */
export type ChaosGroup = 'api' | 'writes' | 'prometheus' | 'terminal';

/** What a row reports: whether its expectation held, and the figure it measured (printed in the table). */
export interface ChaosResult {
	readonly ok: boolean;
	/** The measured figure, e.g. "edit on screen 0.8 s after restart (≤ 2 s)". */
	readonly figure: string;
	/** Why it failed, or anything the reader should know; printed under the row. */
	readonly detail?: string;
}

/** What the runner hands every row. */
export interface ChaosContext {
	/** A fresh directory for the row's files; the runner removes it afterwards. */
	readonly dir: string;
	/** Short form (CI): rows scale their durations and case counts down. */
	readonly short: boolean;
	/** Progress lines, shown only with --verbose. */
	log(line: string): void;
	/** Aborted when the row overruns its time limit or the run is interrupted; rows stop their work on it. */
	readonly signal: AbortSignal;
	/**
	 * Set for a row that {@link ChaosRow.sharesTestbed}: whether the next row of the run shares the test bed too (it is
	 * then left running for it), else the row stops it when done.
	 */
	readonly sharedTestbed?: {readonly keep: boolean};
}

/** One row of the chaos table. */
export interface ChaosRow {
	readonly group: ChaosGroup;
	/** The fault, as the table shows it, e.g. "kube-apiserver restarted mid-watch". */
	readonly name: string;
	/** Whether the short (CI) form runs it. */
	readonly short: boolean;
	/** The longest the row may take in full form, in seconds; the runner aborts it after that. */
	readonly limitSeconds: number;
	/**
	 * The row runs on the default test bed (no extra kube-apiserver flags) and leaves it as it found it: consecutive
	 * rows that share it start it once. The runner puts these rows after the others of their group.
	 */
	readonly sharesTestbed?: boolean;
	run(context: ChaosContext): Promise<ChaosResult>;
}
