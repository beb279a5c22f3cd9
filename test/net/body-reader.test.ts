import assert from 'node:assert/strict';
import {createServer, type Server} from 'node:http';
import {after, before, test} from 'node:test';
import {listenOnLoopback} from '../../source/net/listen.js';
import {createBodyReader} from '../../source/net/body-reader.js';
import {trackConnections, type TrackedServer} from '../helpers/tracked-server.js';

// A stand-in for a pod's stats endpoint behind its port-forward: counts the connections it accepts and how many are open.
let server: TrackedServer<Server>;
let base: string;
let accepted = 0;

before(async () => {
	server = trackConnections(createServer((request, response) => {
		if (request.url === '/missing') {
			response.writeHead(404).end('not here, and a long body nobody should read '.repeat(100));
			return;
		}

		response.writeHead(200, {'content-type': 'text/plain'}).end(`istio_requests_total{reporter="destination"} ${request.url ?? ''}\n`);
	}));
	server.server.on('connection', () => {
		accepted++;
	});
	base = `http://127.0.0.1:${await listenOnLoopback(server.server)}`;
});

after(async () => {
	await server.close();
});

async function until(condition: () => boolean): Promise<void> {
	while (!condition()) {
		 
		await new Promise(resolve => setTimeout(resolve, 10));
	}
}

test('reads every second of a long poll go over one connection per origin, reused, and close() ends it', async () => {
	accepted = 0;
	const reader = createBodyReader();
	for (let round = 0; round < 5; round++) {
		// Several reads at once (a refresh racing the timer): they queue on the one connection instead of opening more.
		 
		const bodies = await Promise.all([1, 2, 3].map(async index => reader.read(`${base}/r${round}-${index}`)));
		assert.deepEqual(bodies.map(body => body.status), [200, 200, 200]);
		assert.equal(bodies[2]!.text, `istio_requests_total{reporter="destination"} /r${round}-3\n`);
	}

	assert.equal(accepted, 1, 'connections opened for 15 reads');
	assert.equal(server.sockets.size, 1);
	await reader.close();
	await until(() => server.sockets.size === 0);
	await assert.rejects(reader.read(`${base}/after-close`));
});

test('an answer that is not 2xx gives its status and no body, and the connection stays usable', async () => {
	accepted = 0;
	const reader = createBodyReader();
	try {
		assert.deepEqual(await reader.read(`${base}/missing`), {status: 404, text: ''});
		assert.equal((await reader.read(`${base}/next`)).status, 200);
		assert.equal(accepted, 1);
	} finally {
		await reader.close();
	}
});

test('a read aborted by its signal rejects', async () => {
	const reader = createBodyReader();
	try {
		await assert.rejects(reader.read(`${base}/x`, AbortSignal.abort()));
	} finally {
		await reader.close();
	}
});
