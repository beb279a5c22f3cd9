import assert from 'node:assert/strict';
import {createServer} from 'node:http';
import type {Duplex} from 'node:stream';
import {test} from 'node:test';
import fc from 'fast-check';
import {createStreamHttp, requestHead} from '../../source/net/stream-http.js';
import {forwardStreams} from '../helpers/forward-streams.js';

/** A server that answers each request (one per blank line received) with the next of `answers`, written as given. */
function scripted(answers: Array<Array<string | Buffer> | ((inside: Duplex) => void)>): (inside: Duplex) => void {
	return inside => {
		let received = '';
		inside.on('data', (chunk: Buffer) => {
			received += chunk.toString('latin1');
			while (received.includes('\r\n\r\n')) {
				received = received.slice(received.indexOf('\r\n\r\n') + 4);
				const answer = answers.shift();
				if (typeof answer === 'function') {
					answer(inside);
				} else {
					for (const piece of answer ?? []) {
						inside.write(piece);
					}
				}
			}
		});
	};
}

const url = new URL('http://127.0.0.1:9/stats/prometheus?filter=istio_request');

test('the request is a GET of the path and query with Host and the given headers, and nothing a header could smuggle', () => {
	assert.equal(requestHead(url, {authorization: 'Bearer abc'}).toString('latin1'), 'GET /stats/prometheus?filter=istio_request HTTP/1.1\r\nHost: 127.0.0.1:9\r\nauthorization: Bearer abc\r\n\r\n');
	assert.throws(() => requestHead(url, {authorization: 'Bearer abc\r\nX-Evil: 1'}), /cannot carry/);
	assert.throws(() => requestHead(url, {'x bad': '1'}), /cannot carry/);
});

test('answers from Node\'s own server, sized and chunked, come whole over one kept stream; close() ends it', async () => {
	const server = createServer((request, response) => {
		if (request.url?.includes('chunked') === true) {
			response.writeHead(200, {'content-type': 'text/plain'});
			response.write('p99 ≤ ');
			setTimeout(() => response.end('16 ms\n'), 5);
			return;
		}

		response.writeHead(request.url?.includes('missing') === true ? 404 : 200, {'content-type': 'text/plain'}).end(`asked ${request.url ?? ''} with ${String(request.headers['x-scope'] ?? 'no scope')}`);
	});
	const {connect, made} = forwardStreams(inside => server.emit('connection', inside));
	const http = createStreamHttp({connect});
	for (let round = 0; round < 3; round++) {
		assert.deepEqual(await http.get(new URL(`http://127.0.0.1:9/r${round}`), {'x-scope': 'tenant'}), {status: 200, text: `asked /r${round} with tenant`});
	}

	assert.deepEqual(await http.get(new URL('http://127.0.0.1:9/chunked'), {}), {status: 200, text: 'p99 ≤ 16 ms\n'});
	assert.equal((await http.get(new URL('http://127.0.0.1:9/missing'), {})).status, 404);
	assert.equal(made.length, 1, 'streams made for five requests in a row');
	http.close();
	await assert.rejects(http.get(url, {}), /closed/);
	assert.equal(made[0]!.outside.destroyed, true);
	await new Promise(resolve => {
		made[0]!.inside.once('close', resolve);
	});
	server.close();
});

/** `buffer` cut into pieces of `sizes` in turn (the rest as a last piece), none empty. */
function splitAt(buffer: Buffer, sizes: readonly number[]): Buffer[] {
	const pieces: Buffer[] = [];
	let at = 0;
	for (const size of sizes) {
		pieces.push(buffer.subarray(at, at + size));
		at += size;
	}

	pieces.push(buffer.subarray(at));
	return pieces.filter(piece => piece.length > 0);
}

test('bodies split anywhere, sized or chunked, read as the bytes sent', async () => {
	await fc.assert(fc.asyncProperty(
		fc.string({unit: 'binary', maxLength: 300}),
		fc.boolean(),
		fc.array(fc.integer({min: 1, max: 40}), {minLength: 1, maxLength: 8}),
		async (body, chunked, cuts) => {
			const bytes = Buffer.from(body, 'utf8');
			const head = chunked ? 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n' : `HTTP/1.1 200 OK\r\nContent-Length: ${bytes.length}\r\n\r\n`;
			const encoded = chunked
				? Buffer.concat([...splitAt(bytes, cuts).map(part => Buffer.concat([Buffer.from(`${part.length.toString(16)}\r\n`), part, Buffer.from('\r\n')])), Buffer.from('0\r\n\r\n')])
				: bytes;
			// The answer written in pieces at the same cuts, whatever they split (the head, a chunk's size line, a character).
			const pieces = splitAt(Buffer.concat([Buffer.from(head, 'latin1'), encoded]), cuts);
			const {connect} = forwardStreams(scripted([pieces, ['HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nnext']]));
			const http = createStreamHttp({connect});
			try {
				assert.deepEqual(await http.get(url, {}), {status: 200, text: bytes.toString('utf8')});
				assert.equal((await http.get(url, {})).text, 'next', 'the connection is in step for the next answer');
			} finally {
				http.close();
			}
		},
	), {numRuns: 200});
});

test('Connection: close, a body that runs to the end, 204 and an interim 103 are each read as HTTP says', async () => {
	const {connect, made} = forwardStreams(scripted([
		['HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nfirst'],
		[],
	]));
	const http = createStreamHttp({connect});
	assert.equal((await http.get(url, {})).text, 'first');
	assert.equal(made[0]!.outside.destroyed, true, 'a connection the server closes is not kept');
	http.close();

	const raw = forwardStreams(scripted([inside => {
		inside.end('HTTP/1.0 200 OK\r\n\r\nto the end');
	}]));
	const untilEnd = createStreamHttp({connect: raw.connect});
	assert.deepEqual(await untilEnd.get(url, {}), {status: 200, text: 'to the end'});
	untilEnd.close();

	const interim = forwardStreams(scripted([
		['HTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\n', 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'],
		['HTTP/1.1 204 No Content\r\n\r\n'],
		['HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nafter'],
	]));
	const kept = createStreamHttp({connect: interim.connect});
	try {
		assert.deepEqual(await kept.get(url, {}), {status: 200, text: 'ok'});
		assert.deepEqual(await kept.get(url, {}), {status: 204, text: ''});
		assert.deepEqual(await kept.get(url, {}), {status: 200, text: 'after'});
		assert.equal(interim.made.length, 1);
	} finally {
		kept.close();
	}
});

test('an answer that is not HTTP, or cut before its end, rejects and the next request gets a new stream', async () => {
	const {connect, made} = forwardStreams(scripted([
		['SSH-2.0-OpenSSH_9.6\r\n\r\n'],
		inside => {
			inside.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nistio_reque');
			setTimeout(() => inside.destroy(), 10);
		},
	]));
	const http = createStreamHttp({connect});
	try {
		await assert.rejects(http.get(url, {}), /not valid HTTP/);
		await assert.rejects(http.get(url, {}), /closed before the answer's end/);
		assert.equal(made.length, 2, 'a new stream after the one that failed');
	} finally {
		http.close();
	}
});

test('an abort mid-answer rejects with its reason and ends that stream; requests wait for a free connection', async () => {
	const {connect, made} = forwardStreams(scripted([
		inside => {
			inside.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nslow');
		},
		['HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na'],
		['HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nb'],
		['HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nc'],
	]));
	const http = createStreamHttp({connect, maxConnections: 2});
	try {
		const controller = new AbortController();
		const slow = http.get(url, {}, controller.signal);
		setTimeout(() => controller.abort(new Error('refresh gave up')), 20);
		await assert.rejects(slow, /refresh gave up/);
		assert.equal(made[0]!.outside.destroyed, true);
		const answers = await Promise.all([http.get(url, {}), http.get(url, {}), http.get(url, {})]);
		assert.deepEqual(answers.map(answer => answer.text).sort(), ['a', 'b', 'c']);
		assert.equal(made.length, 3, 'the aborted stream, then two at most for three requests at once');
		await assert.rejects(http.get(url, {}, AbortSignal.abort()));
	} finally {
		http.close();
	}
});
