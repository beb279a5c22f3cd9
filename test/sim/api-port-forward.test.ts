import assert from 'node:assert/strict';
import {createServer, type Server} from 'node:net';
import {after, before, describe, test} from 'node:test';
import {WebSocket} from 'ws';
import {startApiServer, type ApiServer} from '../../source/sim/api/api-server.js';
import {ObjectStore} from '../../source/sim/api/store.js';
import {trackConnections, type TrackedServer} from '../helpers/tracked-server.js';
import {waitFor} from '../helpers/wait-for.js';

const forwardPath = '/api/v1/namespaces/bookinfo/pods/prometheus-0/portforward';

type Frames = {socket: WebSocket; frames: Buffer[]; closed: Promise<number>};

async function connect(server: ApiServer, query: string, protocols: string[]): Promise<Frames> {
	const socket = new WebSocket(`${server.url.replace('http', 'ws')}${forwardPath}?${query}`, protocols);
	const frames: Buffer[] = [];
	socket.on('message', (data: Buffer) => frames.push(data));
	const closed = new Promise<number>(resolve => {
		socket.on('close', code => resolve(code));
	});
	await new Promise<void>((resolve, reject) => {
		socket.once('open', () => resolve());
		socket.once('error', reject);
	});
	return {socket, frames, closed};
}

async function handshakeError(server: ApiServer, path: string): Promise<string> {
	const socket = new WebSocket(`${server.url.replace('http', 'ws')}${path}`, ['v4.channel.k8s.io']);
	return new Promise(resolve => {
		socket.once('unexpected-response', (_request, response) => {
			let body = '';
			response.on('data', (chunk: Buffer) => {
				body += chunk.toString();
			});
			response.on('end', () => resolve(`${response.statusCode} ${body}`));
		});
		socket.once('error', error => resolve(`error ${error.message}`));
	});
}

describe('pods/portforward WebSocket protocol', () => {
	let server: ApiServer;
	let target: TrackedServer<Server>;

	before(async () => {
		target = trackConnections(createServer(socket => {
			socket.on('data', chunk => socket.write(Buffer.concat([Buffer.from('echo:'), chunk])));
		}));
		await new Promise<void>(resolve => {
			target.server.listen(0, '127.0.0.1', resolve);
		});
		const store = new ObjectStore();
		store.create('/namespaces', {apiVersion: 'v1', kind: 'Namespace', metadata: {name: 'bookinfo'}});
		store.create('/pods', {apiVersion: 'v1', kind: 'Pod', metadata: {name: 'prometheus-0', namespace: 'bookinfo'}});
		const port = (target.server.address() as {port: number}).port;
		server = await startApiServer({store, resolvePortForward: (_namespace, _pod, podPort) => (podPort === 9090 ? {host: '127.0.0.1', port} : undefined)});
	});

	after(async () => {
		await server.stop();
		await target.close();
	});

	test('negotiates the best offered channel protocol and opens each channel with the port number', async () => {
		const connection = await connect(server, 'ports=9090', ['channel.k8s.io', 'v4.channel.k8s.io']);
		try {
			assert.equal(connection.socket.protocol, 'v4.channel.k8s.io');
			await waitFor(() => connection.frames.length >= 2, {message: 'port frames'});
			assert.deepEqual(connection.frames.slice(0, 2), [Buffer.from([0, 0x82, 0x23]), Buffer.from([1, 0x82, 0x23])], '9090 = 0x2382, little-endian');
			connection.socket.send(Buffer.concat([Buffer.from([0]), Buffer.from('ping')]));
			await waitFor(() => connection.frames.length >= 3, {message: 'data frame'});
			assert.deepEqual(connection.frames[2], Buffer.concat([Buffer.from([0]), Buffer.from('echo:ping')]));
		} finally {
			connection.socket.close();
			await connection.closed;
		}
	});

	test('closing the WebSocket closes the TCP connection to the pod', async () => {
		const connection = await connect(server, 'ports=9090', ['v5.channel.k8s.io']);
		connection.socket.send(Buffer.concat([Buffer.from([0]), Buffer.from('x')]));
		await waitFor(() => connection.frames.length >= 3, {message: 'echo'});
		assert.equal(target.sockets.size, 1);
		connection.socket.close();
		await connection.closed;
		await waitFor(() => target.sockets.size === 0, {message: 'TCP side closed'});
	});

	test('a port with nothing listening reports on the error channel and closes', async () => {
		const connection = await connect(server, 'ports=8080', ['v4.channel.k8s.io']);
		await connection.closed;
		const errors = connection.frames.filter(frame => frame[0] === 1).slice(1).map(frame => frame.subarray(1).toString());
		assert.match(errors.join(''), /^error forwarding port 8080 to pod prometheus-0, uid : failed to connect to localhost:8080 inside the pod: connect: connection refused$/);
	});

	test('bad requests are refused before the handshake with a Status body', async () => {
		assert.match(await handshakeError(server, forwardPath.replace('prometheus-0', 'ghost') + '?ports=9090'), /^404 .*"message":"pods \\"ghost\\" not found"/);
		assert.match(await handshakeError(server, `${forwardPath}?ports=0`), /^400 .*"reason":"BadRequest"/);
		assert.match(await handshakeError(server, `${forwardPath}?ports=1,2`), /^400 /);
		server.setDenyRules([{verb: '*', group: '', resource: 'pods/portforward'}]);
		try {
			assert.match(await handshakeError(server, `${forwardPath}?ports=9090`), /^403 .*cannot get resource \\"pods\/portforward\\" in API group \\"\\" in the namespace \\"bookinfo\\"/);
		} finally {
			server.setDenyRules([]);
		}
	});

	test('deleting the pod ends its port-forwards (as a kubelet\'s streams die with the pod), and only its own', async () => {
		const store = new ObjectStore();
		store.create('/namespaces', {apiVersion: 'v1', kind: 'Namespace', metadata: {name: 'bookinfo'}});
		store.create('/pods', {apiVersion: 'v1', kind: 'Pod', metadata: {name: 'prometheus-0', namespace: 'bookinfo'}});
		store.create('/pods', {apiVersion: 'v1', kind: 'Pod', metadata: {name: 'prometheus-1', namespace: 'bookinfo'}});
		const port = (target.server.address() as {port: number}).port;
		const other = await startApiServer({store, resolvePortForward: () => ({host: '127.0.0.1', port})});
		try {
			const doomed = await connect(other, 'ports=9090', ['v4.channel.k8s.io']);
			const kept = new WebSocket(`${other.url.replace('http', 'ws')}${forwardPath.replace('prometheus-0', 'prometheus-1')}?ports=9090`, ['v4.channel.k8s.io']);
			const keptFrames: Buffer[] = [];
			kept.on('message', (data: Buffer) => keptFrames.push(data));
			await new Promise(resolve => kept.once('open', resolve));
			let closed = false;
			void doomed.closed.then(() => {
				closed = true;
			});
			store.delete('/pods', 'bookinfo', 'prometheus-0');
			await waitFor(() => closed, {timeout: 3000, message: 'the deleted pod\'s forward closed'});
			kept.send(Buffer.concat([Buffer.from([0]), Buffer.from('y')]));
			await waitFor(() => keptFrames.some(frame => frame.subarray(1).toString() === 'echo:y'), {message: 'the other pod\'s forward still works'});
			kept.close();
		} finally {
			await other.stop();
		}
	});

	test('stop() ends open port-forwards on both sides', async () => {
		const store = new ObjectStore();
		store.create('/pods', {apiVersion: 'v1', kind: 'Pod', metadata: {name: 'prometheus-0', namespace: 'bookinfo'}});
		const port = (target.server.address() as {port: number}).port;
		const other = await startApiServer({store, resolvePortForward: () => ({host: '127.0.0.1', port})});
		const connection = await connect(other, 'ports=9090', ['v4.channel.k8s.io']);
		connection.socket.send(Buffer.concat([Buffer.from([0]), Buffer.from('x')]));
		await waitFor(() => connection.frames.length >= 3, {message: 'echo'});
		await other.stop();
		await connection.closed;
		await waitFor(() => target.sockets.size === 0, {message: 'TCP side closed by stop()'});
	});
});
