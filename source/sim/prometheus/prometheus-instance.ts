/** A running Prometheus the sim started, real or built-in. */
export interface PrometheusInstance {
	/** `prometheus`: the real binary as a child process; `builtin`: the sim's own responder. */
	mode: 'prometheus' | 'builtin';
	/** `http://127.0.0.1:PORT`, for tests and the pod's port-forward. */
	url: string;
	/** Host of the listener (always 127.0.0.1). */
	host: string;
	/** Port of the listener. */
	port: number;
	/** Version as /api/v1/status/buildinfo reports it. */
	version: string;
	/** Child process id (real mode only). */
	pid?: number;
	/** Temporary directory holding config and TSDB (real mode only); removed by stop(). */
	directory?: string;
	/** Stops it and releases everything it holds; idempotent. */
	stop(): Promise<void>;
}
