import assert from 'node:assert/strict';
import {createServer, type Server} from 'node:http';
import {after, before, test} from 'node:test';
import {listenOnLoopback} from '../../source/net/listen.js';
import {createBodyReader} from '../../source/net/body-reader.js';
import {forwardStreams} from '../helpers/forward-streams.js';
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

		if (request.url === '/cut') {
			// Promises 100 bytes, sends 12, and the connection goes.
			response.writeHead(200, {'content-length': '100'});
			response.write('istio_reque');
			setTimeout(() => response.socket?.destroy(), 50);
			return;
		}

		if (request.url === '/chunks') {
			// A body in several writes, one of them splitting a two-byte character.
			response.writeHead(200, {'content-type': 'text/plain; charset=utf-8'});
			const bytes = Buffer.from('p99 ≤ 16 ms\n'.repeat(3));
			response.write(bytes.subarray(0, 5));
			setTimeout(() => response.end(bytes.subarray(5)), 20);
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

test('a body whose connection goes before its end rejects; one in several pieces is read whole', async () => {
	const reader = createBodyReader();
	try {
		await assert.rejects(reader.read(`${base}/cut`));
		assert.deepEqual(await reader.read(`${base}/chunks`), {status: 200, text: 'p99 ≤ 16 ms\n'.repeat(3)});
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

test('with connect, reads go over the streams it makes: one kept and reused, a new one once its peer ended it, all ended by close()', async () => {
	accepted = 0;
	// Each stream made: the server's end and the reader's, as a port-forward's connect() makes them.
	const {connect, made} = forwardStreams(inside => server.server.emit('connection', inside));
	const reader = createBodyReader({connect});
	for (let round = 0; round < 3; round++) {
		const bodies = await Promise.all([1, 2].map(async index => reader.read(`${base}/s${round}-${index}`)));
		assert.equal(bodies[1]!.text, `istio_requests_total{reporter="destination"} /s${round}-2\n`);
	}

	assert.equal(made.length, 1, 'streams made for 6 reads');
	made[0]!.inside.destroy();
	await new Promise(resolve => {
		made[0]!.outside.once('close', resolve);
	});
	assert.equal((await reader.read(`${base}/after-drop`)).status, 200);
	assert.equal(made.length, 2, 'a new stream once the first was ended');
	assert.equal(accepted, 2, 'no TCP connection: the server got only the streams');
	await reader.close();
	await until(() => made[1]!.inside.closed && made[1]!.outside.closed);
});
