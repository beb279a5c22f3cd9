/**
 * Keep-alive HTTP connections that are in-process streams rather than TCP sockets: the live reads' connections to a
 * pod's port-forward (source/kube/port-forward.ts connect()), which otherwise went through a 127.0.0.1 listener, two
 * more sockets and four system calls per read.
 */
import http from 'node:http';
import type {Duplex} from 'node:stream';

/**
 * What Node's HTTP agent and client call on a connection beyond a Duplex's own methods (a net.Socket's keep-alive,
 * delay, idle-timer and event-loop reference controls). An in-process stream has no socket under it, no timer to
 * arm and holds no loop handle: each is a no-op. With no idle timer, an idle connection stays open until its
 * maker ends it (a forward closes its connections when it stops).
 */
function asSocket(stream: Duplex): Duplex {
	const socketMethods = {
		setKeepAlive: () => stream,
		setNoDelay: () => stream,
		setTimeout(ms: number) {
			(stream as {timeout?: number}).timeout = ms;
			return stream;
		},
		ref: () => stream,
		unref: () => stream,
	};
	return Object.assign(stream, socketMethods);
}

/** An http.Agent (keep-alive, bounded as `options` say) whose every connection is a stream made by `connect`. */
export class StreamAgent extends http.Agent {
	/** `connect` makes a new connection; the agent keeps and reuses it as it would a socket. */
	constructor(private readonly connect: () => Duplex, options: http.AgentOptions) {
		super(options);
	}

	/** A new connection from `connect`, handed to the agent at once. */
	override createConnection(): Duplex {
		return asSocket(this.connect());
	}
}
