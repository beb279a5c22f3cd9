/**
 * A TLS-terminating proxy in front of the test bed's kube-apiserver that holds the answer to a route PATCH: the
 * request reaches the server at once (the write is applied), but the client hears nothing until release() or until
 * `holdMs` has passed. A signal sent to meshtop in that window lands while its write is in flight. Everything else
 * (lists, watches, Events) passes through as a stream. The proxy has its own CA; meshtop gets a kubeconfig naming it.
 * With `hold: 'request'` it holds the PATCH itself instead: the server sees it only on release(), and never when its
 * client is gone by then (a signal in that window lands before the write is applied).
 */
import {createServer, request as httpsRequest, type Server} from 'node:https';
import {mkdir, readFile, writeFile} from 'node:fs/promises';
import type {ClientRequest} from 'node:http';
import type {AddressInfo} from 'node:net';
import path from 'node:path';
import {parse, stringify} from 'yaml';
import {trackConnections} from '../../helpers/tracked-server.js';
import {createPki} from '../../testbed/pki.js';

/** A running proxy. */
export interface SlowPatchProxy {
	/** A copy of the upstream kubeconfig whose clusters point at the proxy (same users and tokens). */
	kubeconfig: string;
	/** How many PATCHes the server has answered while their answers were held (each one applied; its client unaware). */
	held(): number;
	/** Relays every held answer now. */
	release(): void;
	/** Closes the proxy and every connection through it. */
	stop(): Promise<void>;
}

interface Upstream {
	server: string;
	ca: string;
}

/** Starts the proxy for the kubeconfig at `upstreamKubeconfig`; PATCHes whose path includes `pathPart` are held. */
export async function startSlowPatchProxy(options: {upstreamKubeconfig: string; dir: string; pathPart: string; holdMs: number; hold?: 'answer' | 'request'}): Promise<SlowPatchProxy> {
	const pkiDir = path.join(options.dir, 'proxy-pki');
	await mkdir(pkiDir, {recursive: true});
	const pki = await createPki(pkiDir);
	const config = parse(await readFile(options.upstreamKubeconfig, 'utf8')) as {clusters: Array<{cluster: {server: string; 'certificate-authority-data': string}}>};
	const cluster = config.clusters[0]!.cluster;
	const upstream: Upstream = {server: cluster.server, ca: Buffer.from(cluster['certificate-authority-data'], 'base64').toString('utf8')};
	const releases = new Set<() => void>();
	const upstreams = new Set<ClientRequest>();
	let heldCount = 0;

	const server: Server = createServer({cert: await readFile(pki.serverCert), key: await readFile(pki.serverKey)}, (request, response) => {
		const target = new URL(request.url ?? '/', upstream.server);
		const hold = request.method === 'PATCH' && target.pathname.includes(options.pathPart);
		const headers = {...request.headers, host: target.host};
		if (hold && options.hold === 'request') {
			heldCount++;
			let gone = false;
			response.on('close', () => {
				gone = true;
			});
			const forward = () => {
				if (releases.delete(forward) && !gone) {
					const outgoing = httpsRequest(target, {method: request.method, headers, ca: upstream.ca}, answer => {
						response.writeHead(answer.statusCode ?? 502, answer.headers);
						answer.pipe(response);
					});
					upstreams.add(outgoing);
					outgoing.on('close', () => upstreams.delete(outgoing));
					outgoing.on('error', () => {
						response.destroy();
					});
					request.pipe(outgoing);
				}
			};

			releases.add(forward);
			setTimeout(forward, options.holdMs).unref();
			return;
		}

		const outgoing = httpsRequest(target, {method: request.method, headers, ca: upstream.ca}, answer => {
			const relay = () => {
				response.writeHead(answer.statusCode ?? 502, answer.headers);
				// Headers go out at once, as kube-apiserver sends a watch's: Node would hold them until the first event,
				// and a client cannot abort a watch whose headers have not arrived (it would linger until its timeout).
				response.flushHeaders();
				answer.pipe(response);
			};

			if (!hold) {
				relay();
				return;
			}

			heldCount++;
			const once = () => {
				if (releases.delete(once)) {
					relay();
				}
			};

			releases.add(once);
			// A missed release still ends the hold: a held answer never outlives holdMs.
			setTimeout(once, options.holdMs).unref();
		});
		upstreams.add(outgoing);
		outgoing.on('close', () => upstreams.delete(outgoing));
		outgoing.on('error', () => {
			response.destroy();
		});
		// A client gone (a watch stopped, meshtop killed) ends its upstream request too: nothing stays open upstream.
		response.on('close', () => {
			outgoing.destroy();
		});
		request.pipe(outgoing);
	});
	const tracked = trackConnections(server);
	await new Promise<void>(resolve => {
		server.listen(0, '127.0.0.1', resolve);
	});
	const {port} = server.address() as AddressInfo;
	const proxied = structuredClone(config);
	proxied.clusters[0]!.cluster = {server: `https://127.0.0.1:${port}`, 'certificate-authority-data': Buffer.from(pki.caPem).toString('base64')};
	const kubeconfig = path.join(options.dir, 'proxied-kubeconfig');
	await writeFile(kubeconfig, stringify(proxied), {mode: 0o600});

	const releaseAll = () => {
		for (const release of [...releases]) {
			release();
		}
	};

	return {
		kubeconfig,
		held: () => heldCount,
		release: releaseAll,
		async stop() {
			releaseAll();
			tracked.destroyAll();
			for (const outgoing of upstreams) {
				outgoing.destroy();
			}

			await tracked.close();
		},
	};
}
