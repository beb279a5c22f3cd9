/**
 * An HTTP answer's body as text, for the clients over Node's HTTP module (source/net/node-fetch.ts and
 * source/kube/node-request.ts).
 */
import type http from 'node:http';

/**
 * The body as UTF-8 text, by its events rather than the stream's async iterator (a promise, an end-of-stream watcher
 * and an abort hook per body, several reads a second in live mode). A body whose connection closes before its end,
 * or fails, rejects.
 */
export async function readText(response: http.IncomingMessage): Promise<string> {
	return new Promise<string>((resolve, reject) => {
		const chunks: Buffer[] = [];
		let ended = false;
		response.on('data', (chunk: Buffer) => {
			chunks.push(chunk);
		});
		response.once('end', () => {
			ended = true;
			// One chunk is the usual answer: decoded where it lies, not copied first.
			resolve(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8'));
		});
		response.once('error', reject);
		response.once('close', () => {
			if (!ended) {
				reject(new Error('the connection closed before the answer\'s end'));
			}
		});
	});
}
