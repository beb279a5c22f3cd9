import type http from 'node:http';

/**
 * A request listener for a scripted test server that needs each request's body: `handle` runs once the body has
 * arrived, with it as text.
 */
export function withBody(handle: (request: http.IncomingMessage, response: http.ServerResponse, body: string) => void): http.RequestListener {
	return (request, response) => {
		let body = '';
		request.setEncoding('utf8');
		request.on('data', (chunk: string) => {
			body += chunk;
		});
		request.on('end', () => {
			handle(request, response, body);
		});
	};
}
