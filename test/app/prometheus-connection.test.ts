import assert from 'node:assert/strict';
import {after, before, describe, test} from 'node:test';
import {connectPrometheus} from '../../source/app/prometheus-connection.js';
import {loadKubeTarget, type KubeTarget} from '../../source/kube/config.js';
import {backends, type ClusterFixture} from '../helpers/cluster-fixture.js';
import {openConnections} from '../helpers/processes.js';

for (const backend of backends) describe(`connectPrometheus through a port-forward (${backend.name})`, {skip: backend.skip, timeout: 120_000}, () => {
	let cluster: ClusterFixture;
	let target: KubeTarget;

	before(async () => {
		cluster = await backend.start({prometheus: 'auto', requestsPerSecond: 20});
		target = loadKubeTarget({kubeconfig: cluster.kubeconfig, env: {}});
	});

	after(async () => {
		await cluster?.stop();
	});

	test('queries reach Prometheus with no TCP connection to the forward\'s listener, and close() ends the forward', async () => {
		const connection = await connectPrometheus(target, {}, 'bookinfo');
		const port = Number(/→ 127\.0\.0\.1:(\d+)$/.exec(connection.label)?.[1]);
		assert.ok(port > 0, `a port-forward: ${connection.label}`);
		try {
			for (let query = 0; query < 3; query++) {
				 
				assert.ok((await connection.client.query('vector(1)')).length === 1, 'Prometheus answered');
			}

			assert.equal(openConnections(port).length, 0, 'connections to the forward\'s 127.0.0.1 listener');
		} finally {
			await connection.close();
		}

		await assert.rejects(connection.client.query('vector(1)'), 'no query after close()');
	});
});
