/**
 * The connections of one TLS material (CA, client certificate, key, server name, proxy) to the API server, in the
 * two HTTP stacks meshtop uses: Node's own `https.Agent`, for meshtop's REST calls (native llhttp: no WebAssembly to
 * compile, nothing left running when the answer is in), and client-node's undici dispatcher, for client-node's own
 * fetch (the console's watches) and for a `proxy-url` (undici's ProxyAgent tunnels, socks included). Each is made on
 * first use, so a one-shot command never builds, nor loads, undici.
 */
import http from 'node:http';
import https from 'node:https';
import type {Socket} from 'node:net';
import type {SecureContextOptions} from 'node:tls';

/** What client-node's `createDispatcherOptions` returns (client-node 2.0.1). */
export type DispatcherOptions =
	| {type: 'none'}
	| {type: 'agent'; connect: Record<string, unknown>}
	| {type: 'proxy'; uri: string; requestTls: Record<string, unknown>; connect: Record<string, unknown>}
	| {type: 'socks'; uri: string; requestTls: Record<string, unknown>};

/**
 * What meshtop needs of an undici dispatcher: undici's `dispatch` (client-node's fetch and undici's `request()` call
 * only that) and closing it.
 */
export interface ClosableDispatcher {
	dispatch(options: object, handler: object): boolean;
	close(): Promise<void>;
}

/** The TLS fields client-node puts in a dispatcher's `connect` options, as Node's TLS takes them. */
const tlsFields = ['ca', 'cert', 'key', 'pfx', 'passphrase', 'rejectUnauthorized', 'servername'] as const;

/**
 * TCP keep-alive probes after 30 s idle, as client-node sets for undici (client-go's value: an idle connection
 * survives cloud load balancers' 60 s idle timeouts).
 */
const keepAliveProbeMs = 30_000;

/** One TLS material's undici dispatcher and Node agents, each made on first use; close() ends them all. */
export class SharedTransport {
	/** client-node's options for this material (what its undici dispatcher would be built from). */
	readonly options: DispatcherOptions;
	private readonly createDispatcher: () => ClosableDispatcher | undefined;
	private dispatcher: ClosableDispatcher | undefined;
	private readonly agents = new Map<'http:' | 'https:', http.Agent>();

	/** `createDispatcher` is client-node's own (undici), called at the first {@link dispatch}. */
	constructor(options: DispatcherOptions, createDispatcher: () => ClosableDispatcher | undefined) {
		this.options = options;
		this.createDispatcher = createDispatcher;
	}

	/**
	 * undici's Dispatcher entry point: client-node's fetch (watches) hands its requests here, and they go to the
	 * undici dispatcher client-node builds for this material, made now if it is the first.
	 */
	dispatch(options: object, handler: object): boolean {
		return this.undici().dispatch(options, handler);
	}

	/** Whether client-node's undici dispatcher has been made (tests read it: a one-shot command never makes one). */
	get usesUndici(): boolean {
		return this.dispatcher !== undefined;
	}

	/** client-node's undici dispatcher for this material (made on the first call). */
	undici(): ClosableDispatcher {
		this.dispatcher ??= this.createDispatcher();
		if (this.dispatcher === undefined) {
			// 'none' is never handed to client-node (it uses undici's global dispatcher then), so this is a bug here.
			throw new Error(`client-node builds no undici dispatcher for TLS material of type ${this.options.type}`);
		}

		return this.dispatcher;
	}

	/**
	 * A keep-alive Node agent for `protocol` with this material's TLS options, or undefined when the connection must go
	 * through a proxy (undici's ProxyAgent does that). Idle sockets are unreferenced by Node's agent: they do not
	 * hold a process open.
	 */
	nodeAgent(protocol: string): http.Agent | undefined {
		if ((protocol !== 'http:' && protocol !== 'https:') || this.options.type === 'proxy' || this.options.type === 'socks') {
			return undefined;
		}

		let agent = this.agents.get(protocol);
		if (agent === undefined) {
			agent = protocol === 'https:'
				? new https.Agent({...this.tlsOptions(), keepAlive: true, keepAliveMsecs: keepAliveProbeMs})
				: new http.Agent({keepAlive: true, keepAliveMsecs: keepAliveProbeMs});
			this.agents.set(protocol, agent);
		}

		return agent;
	}

	/** Ends every connection; requests in flight finish first (their connections end when they are answered). */
	async close(): Promise<void> {
		for (const agent of this.agents.values()) {
			retire(agent);
		}

		this.agents.clear();
		const dispatcher = this.dispatcher;
		this.dispatcher = undefined;
		await dispatcher?.close();
	}

	private tlsOptions(): SecureContextOptions & {rejectUnauthorized?: boolean; servername?: string} {
		const connect = this.options.type === 'agent' ? this.options.connect : {};
		return Object.fromEntries(tlsFields.filter(field => connect[field] !== undefined).map(field => [field, connect[field]]));
	}
}

/** The idle sockets of `agent`, by origin. */
function idleSockets(agent: http.Agent): Socket[] {
	return Object.values(agent.freeSockets).flatMap(sockets => sockets ?? []);
}

/**
 * Ends an agent's connections without cutting a request: the idle ones now, each busy one when it turns idle (Node's
 * agent has no graceful close; its 'free' event comes after it has either kept the socket idle or handed it to a
 * queued request, and only an idle one is ended).
 */
function retire(agent: http.Agent): void {
	agent.on('free', (socket: Socket) => {
		if (idleSockets(agent).includes(socket)) {
			socket.destroy();
		}
	});
	for (const socket of idleSockets(agent)) {
		socket.destroy();
	}
}
