/**
 * The mesh's control channel over HTTP on 127.0.0.1, for tests that run in another process than the test bed:
 * POST a line of `meshtop sim`'s control language (`fault reviews:v3:errors=20%`, `clear all`, `rps 50`, `stats`).
 */
import {createServer} from 'node:http';
import {listenOnLoopback} from '../../source/net/listen.js';
import {runControlCommand} from '../../source/sim/mesh/control.js';
import type {Mesh} from '../../source/sim/mesh/mesh.js';

/** A running control endpoint. */
export interface ControlServer {
	/** `http://127.0.0.1:PORT/control`. */
	url: string;
	stop(): Promise<void>;
}

/** Serves `mesh`'s control commands. */
export async function startControlServer(mesh: Mesh): Promise<ControlServer> {
	const server = createServer((request, response) => {
		if (request.method !== 'POST' || request.url !== '/control') {
			response.writeHead(404).end();
			return;
		}

		let body = '';
		request.setEncoding('utf8');
		request.on('data', (chunk: string) => {
			body += chunk;
		});
		request.on('end', () => {
			const reply = runControlCommand(body, mesh);
			response.writeHead(reply.error ? 400 : 200, {'content-type': 'text/plain'}).end(`${reply.text}\n`);
		});
	});
	const port = await listenOnLoopback(server);
	return {
		url: `http://127.0.0.1:${port}/control`,
		async stop() {
			server.closeAllConnections();
			await new Promise(resolve => {
				server.close(resolve);
			});
		},
	};
}
