/**
 * Each Bookinfo pod's Envoy stats port (15090) on the test bed: a loopback listener per pod serving that pod's own
 * counters (the mesh's PodEnvoyStats), and a kwok PortForward object named after the pod sending its 15090 there, so
 * meshtop's live reads go client-node → kube-apiserver → kwok → the pod's stats, as on a cluster.
 */
import net from 'node:net';
import {listenOnLoopback} from '../../source/net/listen.js';
import type {PodEnvoyStats} from '../../source/sim/metrics/pod-stats.js';
import {closeAll, joinSockets, trackConnections, type TrackedServer} from '../helpers/tracked-server.js';

/** kwok's PortForward kind (kwok watches these objects with `--enable-crds=PortForward`), with a schema that keeps every field. */
export const kwokPortForwardCrd = JSON.stringify({
	apiVersion: 'apiextensions.k8s.io/v1',
	kind: 'CustomResourceDefinition',
	metadata: {name: 'portforwards.kwok.x-k8s.io'},
	spec: {
		group: 'kwok.x-k8s.io',
		names: {kind: 'PortForward', listKind: 'PortForwardList', plural: 'portforwards', singular: 'portforward'},
		scope: 'Namespaced',
		versions: [{name: 'v1alpha1', served: true, storage: true, schema: {openAPIV3Schema: {type: 'object', 'x-kubernetes-preserve-unknown-fields': true}}}],
	},
});

/** The listeners; stop() closes them and every connection. */
export interface PodStatsForwards {
	/** Closes every listener and connection. */
	stop(): Promise<void>;
}

/** Starts a listener per pod and applies its kwok PortForward (through `apply`, e.g. kubectl apply -f -). */
export async function forwardPodStats(options: {namespace: string; pods: readonly string[]; podStats: PodEnvoyStats; apply: (yaml: string) => Promise<unknown>}): Promise<PodStatsForwards> {
	const servers: TrackedServer[] = [];
	const objects: unknown[] = [];
	for (const pod of options.pods) {
		const server = net.createServer(socket => {
			joinSockets(socket, options.podStats.open(pod));
		});
		servers.push(trackConnections(server));
		// eslint-disable-next-line no-await-in-loop -- a handful of pods, each listener before its object
		const port = await listenOnLoopback(server);
		objects.push({
			apiVersion: 'kwok.x-k8s.io/v1alpha1',
			kind: 'PortForward',
			metadata: {name: pod, namespace: options.namespace},
			spec: {forwards: [{ports: [15_090], target: {address: '127.0.0.1', port}}]},
		});
	}

	await options.apply(JSON.stringify({apiVersion: 'v1', kind: 'List', items: objects}));
	return {
		stop: async () => closeAll(servers),
	};
}
