import {createServer, STATUS_CODES, type IncomingMessage, type ServerResponse} from 'node:http';
import type {Duplex} from 'node:stream';
import {accessReviewPath, handleAccessReview} from './access-review.js';
import {discoveryDocument} from './discovery.js';
import {sendJson, sendStatus} from './http-util.js';
import {openApiDocument} from './openapi.js';
import {PortForwarder, rejectUpgrade} from './port-forward.js';
import {isDenied, userFromAuthorization} from './rbac.js';
import {parseResourcePath, type RequestTarget} from './request-target.js';
import {handleResourceRequest, requestVerb, type ResourceContext} from './routes-resources.js';
import {badRequest, forbidden, internalError, notFound, pathNotFound, StatusError} from './status.js';
import type {ObjectStore} from './store.js';
import type {WatchHandle} from './watch.js';
import {errorMessage} from '../../util/error-message.js';
import {listenOnLoopback} from '../../net/listen.js';

/** A simulated RBAC denial: requests matching it get the authorizer's 403. */
export interface DenyRule {
	/** get|list|watch|create|update|patch|delete|* */
	verb: string;
	/** API group ('' = core, '*' = any). */
	group: string;
	/** Plural resource name (or `pods/portforward`) or '*'. */
	resource: string;
	/** Only in this namespace (any when undefined). */
	namespace?: string;
	/** Only for this user (any when undefined), as the token `meshtop-sim:<user>` names it. */
	user?: string;
}

/** Where a pod's port is forwarded to: a TCP address, or a stream the sim serves in-process (a pod's own Envoy stats). */
export type PortForwardTarget = {host: string; port: number} | {open: () => Duplex};

/** Options of {@link startApiServer}. */
export interface ApiServerOptions {
	/** The cluster state the server serves (shared with the rest of the sim). */
	store: ObjectStore;
	/** TCP port on 127.0.0.1; default 0 (a free port). */
	port?: number;
	/** Where a pod's port is forwarded to; undefined = pod has nothing listening (the client gets an error on the error channel). */
	resolvePortForward?: (namespace: string, pod: string, port: number) => PortForwardTarget | undefined;
	/**
	 * BOOKMARK period for watches with allowWatchBookmarks=true. Default 60 s, as kube-apiserver's watch cache sends them
	 * ("roughly every minute"): every watch of a console (routes, DestinationRules, Services, each forwarded pod) gets
	 * them, and at 5 s they were a few percent of an idle console's CPU that no real server would cost it.
	 */
	bookmarkIntervalMs?: number;
}

/** kube-apiserver's bookmark cadence ("roughly every minute"), the sim's default. */
export const defaultBookmarkIntervalMs = 60_000;

/** A running simulated API server. */
export interface ApiServer {
	/** Base URL, `http://127.0.0.1:PORT`. */
	url: string;
	/** The bound port. */
	port: number;
	/** The store it serves. */
	store: ObjectStore;
	/** Replaces the simulated RBAC denials. */
	setDenyRules(rules: DenyRule[]): void;
	/** Closes the listener, every watch, WebSocket and port-forward pipe; resolves when all are closed. */
	stop(): Promise<void>;
}

function rbacResource(target: RequestTarget): string {
	return target.subresource === undefined ? target.resource.plural : `${target.resource.plural}/${target.subresource}`;
}

/** Starts the simulated Kubernetes API server on 127.0.0.1 (plain HTTP). */
export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
	const {store} = options;
	let denyRules: DenyRule[] = [];
	const watches = new Set<WatchHandle>();
	const context: ResourceContext = {store, watches, bookmarkIntervalMs: options.bookmarkIntervalMs ?? defaultBookmarkIntervalMs};
	const forwarder = new PortForwarder();
	const unsubscribePods = store.subscribe(event => {
		if (event.type === 'DELETED' && event.resource === '/pods') {
			const {namespace, name} = event.object.metadata;
			if (namespace !== undefined && name !== undefined) {
				forwarder.closePod(namespace, name);
			}
		}
	});
	let serverAddress = '127.0.0.1:0';

	const authorize = (request: IncomingMessage, verb: string, target: RequestTarget): void => {
		const user = userFromAuthorization(request.headers.authorization);
		const attributes = {verb, group: target.group, resource: rbacResource(target), namespace: target.namespace, user};
		if (isDenied(denyRules, attributes)) {
			throw forbidden({
				user,
				verb,
				group: target.group,
				plural: attributes.resource,
				name: target.name,
				namespace: target.namespace,
			});
		}
	};

	const route = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
		const url = new URL(request.url ?? '/', 'http://sim.invalid');
		const {pathname} = url;
		if (request.method === 'GET' || request.method === 'HEAD') {
			if (['/healthz', '/readyz', '/livez'].includes(pathname)) {
				response.writeHead(200, {'Content-Type': 'text/plain; charset=utf-8'});
				response.end('ok');
				return;
			}
			const document = discoveryDocument(pathname, serverAddress) ?? openApiDocument(pathname);
			if (document !== undefined) {
				sendJson(response, 200, document);
				return;
			}
		}
		if (request.method === 'POST' && pathname === accessReviewPath) {
			await handleAccessReview(request, response, denyRules, userFromAuthorization(request.headers.authorization));
			return;
		}
		const parsed = parseResourcePath(pathname);
		if (parsed.kind === 'unknown') {
			// Includes /openapi/v2: kubectl prefers v3 and only falls back to v2 when v3 is missing.
			throw pathNotFound();
		}
		const {target} = parsed;
		authorize(request, requestVerb(request.method ?? 'GET', target, url.searchParams), target);
		await handleResourceRequest(context, request, response, target, url.searchParams);
	};

	const server = createServer((request, response) => {
		route(request, response).catch((error: unknown) => {
			const status = error instanceof StatusError ? error.status : internalError(errorMessage(error)).status;
			sendStatus(response, status);
		});
	});

	server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
		socket.on('error', () => {
			socket.destroy();
		});
		try {
			const url = new URL(request.url ?? '/', 'http://sim.invalid');
			const parsed = parseResourcePath(url.pathname);
			const target = parsed.kind === 'resource' ? parsed.target : undefined;
			if (!target || target.resource.plural !== 'pods' || target.subresource !== 'portforward' || target.namespace === undefined || target.name === undefined) {
				throw pathNotFound();
			}
			for (const verb of ['get', 'create']) {
				authorize(request, verb, target);
			}
			const ports = url.searchParams.getAll('ports').flatMap(value => value.split(','));
			const port = Number(ports[0]);
			if (ports.length !== 1 || !Number.isInteger(port) || port < 1 || port > 65_535) {
				throw badRequest('query parameter "ports" must hold exactly one port number in 1-65535');
			}
			if (!store.get('/pods', target.namespace, target.name)) {
				throw notFound('', 'pods', target.name);
			}
			const forward = {namespace: target.namespace, pod: target.name, port, target: options.resolvePortForward?.(target.namespace, target.name, port)};
			forwarder.handleUpgrade(request, socket, head, forward);
		} catch (error) {
			const status = error instanceof StatusError ? error.status : internalError(String(error)).status;
			rejectUpgrade(socket, status, STATUS_CODES[status.code] ?? 'Error');
		}
	});

	const port = await listenOnLoopback(server, options.port ?? 0);
	serverAddress = `127.0.0.1:${port}`;

	let stopping: Promise<void> | undefined;
	return {
		url: `http://127.0.0.1:${port}`,
		port,
		store,
		setDenyRules(rules) {
			denyRules = [...rules];
		},
		stop() {
			stopping ??= new Promise<void>(resolve => {
				for (const watch of [...watches]) {
					watch.close();
				}
				unsubscribePods();
				forwarder.closeAll();
				server.close(() => {
					resolve();
				});
				server.closeAllConnections();
			});
			return stopping;
		},
	};
}
