import type {ObjectStore} from './store.js';

/** A simulated RBAC denial: requests matching it get the authorizer's 403. */
export interface DenyRule {
	/** get|list|watch|create|update|patch|delete|* */
	verb: string;
	/** API group ('' = core, '*' = any). */
	group: string;
	/** Plural resource name or '*'. */
	resource: string;
	/** Only in this namespace (any when undefined). */
	namespace?: string;
}

/** Where a pod's port is forwarded to. */
export type PortForwardTarget = {host: string; port: number};

/** Options of {@link startApiServer}. */
export interface ApiServerOptions {
	/** The cluster state the server serves (shared with the rest of the sim). */
	store: ObjectStore;
	/** TCP port on 127.0.0.1; default 0 (a free port). */
	port?: number;
	/** Where a pod's port is forwarded to; undefined = pod has nothing listening (the client gets an error on the error channel). */
	resolvePortForward?: (namespace: string, pod: string, port: number) => PortForwardTarget | undefined;
}

/** A running simulated API server. */
export interface ApiServer {
	/** Base URL, `http://127.0.0.1:PORT`. */
	url: string;
	/** The bound port. */
	port: number;
	/** The store it serves. */
	store: ObjectStore;
	/** Replaces the simulated RBAC denials. */
	setDenyRules(rules: DenyRule[]): void;
	/** Closes the listener, every watch, WebSocket and port-forward pipe; resolves when all are closed. */
	stop(): Promise<void>;
}

/** Starts the simulated Kubernetes API server on 127.0.0.1 (plain HTTP). */
export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
	throw new Error(`startApiServer: not implemented yet (port ${options.port ?? 0})`);
}
