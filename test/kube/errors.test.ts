import assert from 'node:assert/strict';
import net from 'node:net';
import {describe, test} from 'node:test';
import {ApiException, CoreV1Api, KubeConfig} from '@kubernetes/client-node';
import {KubeError, toKubeError} from '../../source/kube/errors.js';

const patchContext = {verb: 'patch', resource: 'virtualservices.networking.istio.io', namespace: 'bookinfo', name: 'reviews', server: 'http://127.0.0.1:1', user: 'sim-admin'};

/** An ApiException as client-node 2.x throws it: the Status body as JSON text. */
function apiException(code: number, status: Record<string, unknown>): ApiException<string> {
	return new ApiException(code, 'Unknown API Status Code!', JSON.stringify({kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code, ...status}), {});
}

async function closedPort(): Promise<number> {
	const server = net.createServer();
	await new Promise<void>(resolve => {
		server.listen(0, '127.0.0.1', resolve);
	});
	const address = server.address() as net.AddressInfo;
	await new Promise(resolve => {
		server.close(resolve);
	});
	return address.port;
}

describe('toKubeError', () => {
	test('429 keeps the Retry-After header (seconds) and says it will wait', () => {
		const exception = new ApiException(429, 'Too Many Requests', JSON.stringify({kind: 'Status', code: 429, reason: 'TooManyRequests', message: 'Too many requests, please try again later.', details: {retryAfterSeconds: 1}}), {'retry-after': '3'});
		const error = toKubeError(exception, {...patchContext, verb: 'list', name: undefined});
		assert.equal(error.status, 429);
		assert.equal(error.retryAfterSeconds, 3, 'the header wins over the Status details');
		assert.match(error.message, /429 Too Many Requests.*retrying after 3 s as it asked/);
	});

	test('429 without the header takes the Status\' details.retryAfterSeconds; other errors have none', () => {
		assert.equal(toKubeError(apiException(429, {reason: 'TooManyRequests', details: {retryAfterSeconds: 2}}), patchContext).retryAfterSeconds, 2);
		assert.equal(toKubeError(apiException(409, {reason: 'Conflict'}), patchContext).retryAfterSeconds, undefined);
	});

	test('403 names the verb, resource, namespace and the user from the Status', () => {
		const error = toKubeError(apiException(403, {
			reason: 'Forbidden',
			message: 'virtualservices.networking.istio.io "reviews" is forbidden: User "alice" cannot patch resource "virtualservices" in API group "networking.istio.io" in the namespace "bookinfo"',
		}), patchContext);
		assert.ok(error instanceof KubeError);
		assert.equal(error.kind, 'forbidden');
		assert.equal(error.status, 403);
		assert.equal(error.verb, 'patch');
		assert.equal(error.message, 'forbidden: cannot patch virtualservices.networking.istio.io in namespace bookinfo (user alice)');
	});

	test('403 without a user in the Status names the kubeconfig user', () => {
		const error = toKubeError(apiException(403, {reason: 'Forbidden', message: 'forbidden'}), patchContext);
		assert.equal(error.message, 'forbidden: cannot patch virtualservices.networking.istio.io in namespace bookinfo (user sim-admin)');
	});

	test('404 says what is missing', () => {
		const error = toKubeError(apiException(404, {reason: 'NotFound', message: 'virtualservices.networking.istio.io "reviews" not found'}), patchContext);
		assert.equal(error.kind, 'not-found');
		assert.match(error.message, /^not found: virtualservices\.networking\.istio\.io "reviews" in namespace bookinfo/);
	});

	test('409 is a conflict', () => {
		const error = toKubeError(apiException(409, {reason: 'Conflict', message: 'the object has been modified; please apply your changes to the latest version and try again'}), patchContext);
		assert.equal(error.kind, 'conflict');
		assert.match(error.message, /changed by someone else/);
	});

	test('422 from a failed JSON Patch test is a conflict, other 422s are invalid', () => {
		const failedTest = toKubeError(apiException(422, {reason: 'Invalid', message: 'the server rejected our request due to an error in our request: testing value /metadata/resourceVersion failed: test failed'}), patchContext);
		assert.equal(failedTest.kind, 'conflict');
		assert.equal(failedTest.status, 422);
		// A real API server puts the JSON Patch error in details.causes under a generic message.
		const inCauses = toKubeError(apiException(422, {
			reason: 'Invalid',
			message: 'the server rejected our request due to an error in our request',
			details: {causes: [{reason: 'UnexpectedServerResponse', message: 'testing value /metadata/resourceVersion failed: test failed'}]},
		}), patchContext);
		assert.equal(inCauses.kind, 'conflict');
		const missingKey = toKubeError(apiException(422, {
			reason: 'Invalid',
			message: 'the server rejected our request due to an error in our request',
			details: {causes: [{reason: 'UnexpectedServerResponse', message: 'replace operation does not apply: doc is missing key: /spec/http/0/route/0/weight: missing value'}]},
		}), patchContext);
		assert.equal(missingKey.kind, 'invalid');
		assert.match(missingKey.message, /doc is missing key: \/spec\/http\/0\/route\/0\/weight/);
		const invalid = toKubeError(apiException(422, {
			reason: 'Invalid',
			message: 'VirtualService.networking.istio.io "reviews" is invalid: spec.http[0].route[0].weight: Invalid value: -5',
		}), patchContext);
		assert.equal(invalid.kind, 'invalid');
		assert.match(invalid.message, /weight: Invalid value: -5/);
	});

	test('a watch ERROR event with a 410 Status is gone', () => {
		const error = toKubeError({kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 410, reason: 'Expired', message: 'too old resource version: 5 (90)'}, {verb: 'watch', resource: 'virtualservices.networking.istio.io', namespace: 'bookinfo'});
		assert.equal(error.kind, 'gone');
		assert.match(error.message, /too old resource version/);
	});

	test('401 without a body is unauthorized', () => {
		const error = toKubeError(new ApiException(401, 'Unauthorized', undefined, {}), patchContext);
		assert.equal(error.kind, 'unauthorized');
		assert.match(error.message, /sim-admin/);
	});

	test('ECONNREFUSED from a real client-node request is unreachable and names the server', async () => {
		const port = await closedPort();
		const kc = new KubeConfig();
		kc.loadFromOptions({
			clusters: [{name: 'c', server: `http://127.0.0.1:${port}`, skipTLSVerify: true}],
			users: [{name: 'u'}],
			contexts: [{name: 'x', cluster: 'c', user: 'u'}],
			currentContext: 'x',
		});
		const failure = await kc.makeApiClient(CoreV1Api).listNamespacedPod({namespace: 'default'}).then(() => undefined, (error: unknown) => error);
		assert.ok(failure !== undefined, 'the request to a closed port must fail');
		const error = toKubeError(failure, {verb: 'list', resource: 'pods', namespace: 'default', server: `http://127.0.0.1:${port}`});
		assert.equal(error.kind, 'unreachable');
		assert.match(error.message, new RegExp(`^cannot reach the API server http://127\\.0\\.0\\.1:${port}: connect ECONNREFUSED`));
	});

	test('undici\'s "fetch failed" without a known code is unreachable with the underlying reason', () => {
		const error = toKubeError(new TypeError('fetch failed', {cause: new Error('bad port')}), {verb: 'get', resource: 'pods', server: 'http://127.0.0.1:9'});
		assert.equal(error.kind, 'unreachable');
		assert.equal(error.message, 'cannot reach the API server http://127.0.0.1:9: bad port');
	});

	test('a KubeError passes through unchanged, anything else is other', () => {
		const original = new KubeError('conflict', 'x');
		assert.equal(toKubeError(original, patchContext), original);
		const other = toKubeError(new Error('boom'), patchContext);
		assert.equal(other.kind, 'other');
		assert.match(other.message, /boom/);
	});
});
