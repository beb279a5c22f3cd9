import {duplexPair, type Duplex} from 'node:stream';

/** Both ends of one connection a {@link forwardStreams} maker made: the server's and the client's. */
export interface MadeStream {
	inside: Duplex;
	outside: Duplex;
}

/**
 * A connect() that makes streams as a port-forward's connect() does (source/kube/port-forward.ts): an in-process pair
 * whose ends close together, the client's end ending with its peer. `serve` gets each server end; `made` lists them all.
 */
export function forwardStreams(serve: (inside: Duplex) => void): {connect: () => Duplex; made: MadeStream[]} {
	const made: MadeStream[] = [];
	return {
		made,
		connect() {
			const [outside, inside] = duplexPair();
			inside.on('close', () => outside.destroy());
			outside.on('close', () => inside.destroy());
			outside.on('end', () => outside.destroy());
			made.push({inside, outside});
			serve(inside);
			return outside;
		},
	};
}
