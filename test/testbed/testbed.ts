/**
 * The real control plane for tests: etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok (the
 * kubelet stand-in) built from Go modules, with Istio's and Gateway API's CRDs, Bookinfo and Istio's Prometheus addon
 * installed by the real kubectl. The mesh (the sim's traffic generator and Istio metrics) follows the routes watched on
 * this API server, a real Prometheus scrapes it, and kwok forwards the Prometheus pod's port 9090 to that Prometheus,
 * so meshtop's port-forward goes client-node → kube-apiserver → kubelet stand-in → Prometheus, as on a cluster.
 */
import {execFile} from 'node:child_process';
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {promisify} from 'node:util';
import {KubeConfig} from '@kubernetes/client-node';
import {createMesh, type Mesh} from '../../source/sim/mesh/mesh.js';
import {IstioMetrics} from '../../source/sim/metrics/istio-metrics.js';
import {PodEnvoyStats} from '../../source/sim/metrics/pod-stats.js';
import {forwardPodStats, kwokPortForwardCrd} from './pod-stats-forwards.js';
import {startMetricsServer, type MetricsServer} from '../../source/sim/metrics/metrics-server.js';
import type {Fault} from '../../source/sim/mesh/faults.js';
import {locateBinaries, type TestbedBinaries} from './binaries.js';
import {startControlServer, type ControlServer} from './control-server.js';
import {contextOf, makeTokens, testbedKubeconfig, tokenAuthFile, type TestbedUser} from './kubeconfig.js';
import {startMirrorStore, type MirrorStore} from './mirror-store.js';
import {createPki, issueClientCertificate} from './pki.js';
import {freePort} from '../../source/net/listen.js';
import {waitUntil} from './ports.js';
import {startPrometheusServer, type PrometheusServer} from './prometheus-server.js';
import {lifeline} from '../../source/sim/lifeline.js';
import {startSupervised, type SupervisedProcess} from '../../source/sim/supervised-process.js';

const run = promisify(execFile);

/** Root of the repository (dist/test/testbed → ../../..). */
export const repositoryRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../..');

/** Options of {@link startTestbed}. */
export interface TestbedOptions {
	/** Which Prometheus scrapes the mesh: `3` (built from its Go module, default) or `2` (Debian's, from PATH). */
	prometheus?: '2' | '3';
	/** Entry requests per second of the mesh. Default 20. */
	requestsPerSecond?: number;
	/** Faults set from the start. */
	faults?: readonly Fault[];
	/** Progress lines (default: none). */
	log?: (line: string) => void;
	/** Build the binaries when they are not cached (default true). */
	build?: boolean;
	/** More kube-apiserver flags (chaos rows: `--min-request-timeout=5`, `--watch-cache=false`…), after the default ones. */
	apiserverFlags?: readonly string[];
}

/** The test bed's kube-apiserver as a process a test can stop and start again (same port, flags and etcd). */
export interface ApiServerControl {
	/** Stops the process (TERM, then KILL); resolves once it is gone. */
	stop(): Promise<void>;
	/** Starts it again if stopped; resolves when /readyz answers. */
	start(): Promise<void>;
}

/** A second kube-apiserver on the same etcd (edits while the first is down), stopped with the test bed. */
export interface ExtraApiServer {
	/** Its URL (same CA and serving certificate as the first). */
	server: string;
	stop(): Promise<void>;
}

/** What a test process needs to use a running test bed (written with --state-out, or by the global setup). */
export interface TestbedState {
	kubeconfig: string;
	kubectl: string;
	controlUrl: string;
	prometheusUrl: string;
	prometheusVersion: string;
	kubernetesVersion: string;
}

/** A running test bed. */
export interface Testbed {
	/** Kubeconfig file (mode 0600) with contexts testbed (admin), testbed-viewer, testbed-shifter. */
	kubeconfigFile: string;
	/** The same as YAML. */
	kubeconfig: string;
	/** The built binaries (kubectl among them). */
	binaries: TestbedBinaries;
	/** API server URL. */
	server: string;
	/** The Kubernetes version the server reports. */
	kubernetesVersion: string;
	/** The Prometheus scraping the mesh (direct URL, for tests; meshtop reaches it by port-forward). */
	prometheus: {url: string; version: string};
	/** Traffic and faults (in this process). */
	mesh: Mesh;
	/** The mesh's control endpoint (fault/clear/rps/stats lines over HTTP), for tests in other processes. */
	controlUrl: string;
	/** Runs the built kubectl as `user` (default admin); resolves with stdout. */
	kubectl(args: readonly string[], options?: {user?: TestbedUser; input?: string}): Promise<string>;
	/** The kube-apiserver process, to restart it mid-test. */
	apiServer: ApiServerControl;
	/** Starts another kube-apiserver on the same etcd; resolves when it is ready. */
	startExtraApiServer(): Promise<ExtraApiServer>;
	/** etcd's client URL (its v3 JSON gateway: compaction, revisions). */
	etcdUrl: string;
	/** The serving certificate and key of the API server and the CA, for a test's TLS proxy in front of it. */
	tls: {caFile: string; certFile: string; keyFile: string};
	/** Stops everything it started and removes its directory; idempotent. */
	stop(): Promise<void>;
}

/**
 * Starts the test bed; on any failure, whatever already started is stopped before the error propagates.
 * About 40 s from cached binaries to Bookinfo's pods Running on 2 cores.
 */
export async function startTestbed(options: TestbedOptions = {}): Promise<Testbed> {
	const log = options.log ?? (() => undefined);
	const started = Date.now();
	const step = (text: string) => log(`[testbed ${((Date.now() - started) / 1000).toFixed(1)}s] ${text}`);
	const binaries = await locateBinaries({build: options.build ?? true, log});
	const directory = await mkdtemp(path.join(tmpdir(), 'meshtop-testbed-'));
	// Killed without a word (SIGKILL), the test bed cannot remove its directory: a watcher does, once the supervised
	// processes have had their 1 s to end.
	const directoryTie = lifeline(undefined, {directory, graceMs: 1500});
	const processes: SupervisedProcess[] = [];
	const cleanups: Array<() => Promise<void> | void> = [];
	const stopAll = async () => {
		for (const cleanup of cleanups.splice(0).reverse()) {
			await cleanup();
		}

		await Promise.all(processes.splice(0).reverse().map(async child => child.stop()));
		await rm(directory, {recursive: true, force: true});
		directoryTie.release();
	};

	const file = (name: string) => path.join(directory, name);
	const supervise = (name: string, binary: string, args: string[]) => {
		const child = startSupervised(name, binary, args, {logFile: file(`${name}.log`)});
		processes.push(child);
		return child;
	};

	try {
		const pki = await createPki(directory);
		// --client-ca-file is the test bed's CA: this certificate logs in as cert-admin in system:masters.
		const certificate = await issueClientCertificate(directory, {name: 'cert-admin', groups: ['system:masters']});
		const tokens = makeTokens();
		await writeFile(file('tokens.csv'), tokenAuthFile(tokens), {mode: 0o600});

		const [etcdPort, etcdPeerPort, apiPort, kwokPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
		const etcd = supervise('etcd', binaries.etcd, [
			'--name=testbed', `--data-dir=${file('etcd')}`, '--unsafe-no-fsync', '--log-level=warn',
			`--listen-client-urls=http://127.0.0.1:${etcdPort}`, `--advertise-client-urls=http://127.0.0.1:${etcdPort}`,
			`--listen-peer-urls=http://127.0.0.1:${etcdPeerPort}`, `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeerPort}`,
			`--initial-cluster=testbed=http://127.0.0.1:${etcdPeerPort}`,
		]);
		await waitUntil(async () => (await fetch(`http://127.0.0.1:${etcdPort}/health`)).ok, {what: 'etcd health', process: etcd});
		step('etcd ready');

		const server = `https://127.0.0.1:${apiPort}`;
		const apiserverArgs = (port: number) => [
			`--etcd-servers=http://127.0.0.1:${etcdPort}`,
			'--bind-address=127.0.0.1', '--advertise-address=127.0.0.1', `--secure-port=${port}`,
			`--cert-dir=${file('certs')}`, `--tls-cert-file=${pki.serverCert}`, `--tls-private-key-file=${pki.serverKey}`,
			`--client-ca-file=${pki.caCert}`, `--token-auth-file=${file('tokens.csv')}`,
			'--service-account-issuer=https://kubernetes.default.svc.cluster.local',
			`--service-account-key-file=${pki.serviceAccountPub}`, `--service-account-signing-key-file=${pki.serviceAccountKey}`,
			'--service-cluster-ip-range=10.96.0.0/16', '--authorization-mode=RBAC', '--allow-privileged=true',
			'--kubelet-preferred-address-types=InternalIP', '--profiling=false', '--v=1',
			...options.apiserverFlags ?? [],
		];
		let apiserver = supervise('kube-apiserver', binaries.kubeApiserver, apiserverArgs(apiPort));
		const kubeconfig = testbedKubeconfig({server, caPem: pki.caPem, tokens, certificate});
		const kubeconfigFile = file('kubeconfig');
		await writeFile(kubeconfigFile, kubeconfig, {mode: 0o600});
		const kubectl = async (args: readonly string[], kubectlOptions: {user?: TestbedUser; input?: string} = {}) => {
			const promise = run(binaries.kubectl, ['--kubeconfig', kubeconfigFile, '--context', contextOf(kubectlOptions.user ?? 'admin'), ...args], {timeout: 120_000, maxBuffer: 64 * 1024 * 1024});
			if (kubectlOptions.input !== undefined) {
				promise.child.stdin?.end(kubectlOptions.input);
			}

			return (await promise).stdout;
		};

		await waitUntil(async () => {
			await kubectl(['get', '--raw', '/readyz']);
			return true;
		}, {what: 'kube-apiserver /readyz', process: apiserver, timeoutMs: 90_000});
		const kubernetesVersion = (JSON.parse(await kubectl(['version', '-o', 'json'])) as {serverVersion: {gitVersion: string}}).serverVersion.gitVersion;
		step(`kube-apiserver ${kubernetesVersion} ready at ${server}`);

		const data = (relative: string) => path.join(repositoryRoot, 'data', relative);
		await kubectl(['apply', '--server-side', '-f', data('istio/crds/networking-crds.yaml'), '-f', data('gateway-api/crds')]);
		await kubectl(['create', 'namespace', 'istio-system']);
		await kubectl(['create', 'namespace', 'bookinfo']);
		await kubectl(['label', 'namespace', 'bookinfo', 'istio-injection=enabled']);
		// kwok's PortForward objects: each Bookinfo pod's 15090 goes to that pod's own Envoy stats (see below).
		await kubectl(['apply', '-f', '-'], {input: kwokPortForwardCrd});
		await kubectl(['wait', '--for=condition=Established', '--timeout=60s', 'crd', '--all']);
		await kubectl(['apply', '-f', path.join(repositoryRoot, 'test/testbed/rbac.yaml')]);
		await kubectl(['apply', '-n', 'bookinfo', '-f', data('istio/bookinfo/destination-rule-all.yaml'), '-f', data('istio/bookinfo/virtual-service-all-v1.yaml')]);
		step('CRDs, namespaces, RBAC, DestinationRules and VirtualServices applied');

		// The mesh follows the real API server; a real Prometheus scrapes its Istio metrics.
		const kc = new KubeConfig();
		kc.loadFromString(kubeconfig);
		const mirror: MirrorStore = startMirrorStore(kc);
		cleanups.push(() => {
			mirror.stop();
		});
		const metrics = new IstioMetrics();
		const podStats = new PodEnvoyStats();
		cleanups.push(() => {
			podStats.closeAll();
		});
		const metricsServer: MetricsServer = await startMetricsServer(metrics.registry);
		cleanups.push(async () => metricsServer.stop());
		await mirror.synced;
		const mesh = createMesh({
			store: mirror,
			recorder(record) {
				metrics.record(record);
				podStats.record(record);
			},
			requestsPerSecond: options.requestsPerSecond,
			faults: options.faults,
		});
		cleanups.push(() => {
			mesh.stop();
		});
		mesh.start();
		const control: ControlServer = await startControlServer(mesh);
		cleanups.push(async () => control.stop());
		const prometheusBinary = options.prometheus === '2' ? 'prometheus' : binaries.prometheus;
		const prometheus: PrometheusServer = await startPrometheusServer({
			binary: prometheusBinary,
			target: metricsServer.target,
			directory: file('prometheus'),
			supervise: (name, binary, args) => supervise(name, binary, args),
		});
		step(`Prometheus ${prometheus.version} scraping the mesh at ${prometheus.url}`);

		const kubeconfigArgs = [`--kubeconfig=${kubeconfigFile}`];
		await writeFile(file('kwok-forward.yaml'), [
			'apiVersion: kwok.x-k8s.io/v1alpha1',
			'kind: ClusterPortForward',
			'metadata:',
			'  name: prometheus',
			'spec:',
			'  selector:',
			'    matchNamespaces: [istio-system]',
			'  forwards:',
			'  - ports: [9090]',
			'    target:',
			'      address: 127.0.0.1',
			`      port: ${prometheus.port}`,
			'',
		].join('\n'));
		supervise('kwok', binaries.kwok, [
			...kubeconfigArgs, '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake',
			'--node-ip=127.0.0.1', `--node-port=${kwokPort}`, `--server-address=127.0.0.1:${kwokPort}`,
			'--node-lease-duration-seconds=40', `--config=${path.join(binaries.directory, 'kwok-stage/fast')}`,
			`--config=${file('kwok-forward.yaml')}`, '--enable-crds=PortForward',
		]);
		supervise('kube-controller-manager', binaries.kubeControllerManager, [
			...kubeconfigArgs, `--service-account-private-key-file=${pki.serviceAccountKey}`, `--root-ca-file=${pki.caCert}`,
			'--leader-elect=false', '--secure-port=0', '--v=1',
		]);
		supervise('kube-scheduler', binaries.kubeScheduler, [...kubeconfigArgs, '--leader-elect=false', '--secure-port=0', '--v=1']);
		await kubectl(['apply', '-f', '-'], {input: nodeYaml('testbed-node-0')});
		await kubectl(['apply', '-n', 'bookinfo', '-f', data('istio/platform/bookinfo.yaml'), '-f', data('istio/platform/bookinfo-versions.yaml')]);
		await kubectl(['apply', '-f', data('istio/addons/prometheus.yaml')]);
		step('controllers, scheduler and kwok started; Bookinfo and the Prometheus addon applied');
		await waitUntil(async () => {
			const pods = JSON.parse(await kubectl(['get', 'pods', '-A', '-o', 'json'])) as {items: Array<{status?: {conditions?: Array<{type: string; status: string}>}}>};
			const ready = pods.items.filter(pod => pod.status?.conditions?.some(condition => condition.type === 'Ready' && condition.status === 'True'));
			return pods.items.length >= 7 && ready.length === pods.items.length;
		}, {what: 'Bookinfo and Prometheus pods Ready', timeoutMs: 120_000, intervalMs: 500});
		step('Bookinfo and Prometheus pods Running and Ready');
		const sidecars = JSON.parse(await kubectl(['get', 'pods', '-n', 'bookinfo', '-l', 'app', '-o', 'json'])) as {items: Array<{metadata: {name: string}}>};
		const statsForwards = await forwardPodStats({
			namespace: 'bookinfo',
			pods: sidecars.items.map(pod => pod.metadata.name),
			podStats,
			apply: async yaml => kubectl(['apply', '-f', '-'], {input: yaml}),
		});
		cleanups.push(async () => statsForwards.stop());
		step(`each Bookinfo pod's 15090 forwarded to its own Envoy stats (${sidecars.items.length} pods)`);

		const ready = async (url: string, child: SupervisedProcess) => waitUntil(async () => {
			await kubectl(['--server', url, 'get', '--raw', '/readyz']);
			return true;
		}, {what: `kube-apiserver ${url} /readyz`, process: child, timeoutMs: 90_000, intervalMs: 200});
		let stopping: Promise<void> | undefined;
		return {
			apiServer: {
				async stop() {
					await apiserver.stop();
				},
				async start() {
					if (!apiserver.hasExited()) {
						return;
					}

					processes.splice(processes.indexOf(apiserver), 1);
					apiserver = supervise('kube-apiserver', binaries.kubeApiserver, apiserverArgs(apiPort));
					await ready(server, apiserver);
				},
			},
			async startExtraApiServer() {
				const port = await freePort();
				const extra = supervise(`kube-apiserver-${port}`, binaries.kubeApiserver, apiserverArgs(port));
				const url = `https://127.0.0.1:${port}`;
				await ready(url, extra);
				return {server: url, stop: async () => extra.stop()};
			},
			etcdUrl: `http://127.0.0.1:${etcdPort}`,
			tls: {caFile: pki.caCert, certFile: pki.serverCert, keyFile: pki.serverKey},
			kubeconfigFile,
			kubeconfig,
			binaries,
			server,
			kubernetesVersion,
			prometheus: {url: prometheus.url, version: prometheus.version},
			mesh,
			controlUrl: control.url,
			kubectl,
			stop() {
				stopping ??= stopAll();
				return stopping;
			},
		};
	} catch (error) {
		const logs = await tailLogs(processes);
		await stopAll();
		throw new Error(`test bed failed to start: ${String(error instanceof Error ? error.message : error)}${logs}`, {cause: error});
	}
}

function nodeYaml(name: string): string {
	return [
		'apiVersion: v1',
		'kind: Node',
		'metadata:',
		`  name: ${name}`,
		'  annotations:',
		'    kwok.x-k8s.io/node: fake',
		'  labels:',
		`    kubernetes.io/hostname: ${name}`,
		'    kubernetes.io/os: linux',
		'    kubernetes.io/arch: amd64',
		'    type: kwok',
		'',
	].join('\n');
}

async function tailLogs(processes: readonly SupervisedProcess[]): Promise<string> {
	const tails = await Promise.all(processes.map(async child => {
		const text = await readFile(child.logFile, 'utf8').catch(() => '');
		const lines = text.split('\n').filter(line => line !== '').slice(-8);
		return lines.length === 0 ? '' : `\n--- ${child.name}${child.hasExited() ? ' (exited)' : ''}:\n${lines.join('\n')}`;
	}));
	return tails.join('');
}

/** The state another process needs to use `testbed` (its kubeconfig, or a copy of it at `kubeconfig`). */
export function testbedState(testbed: Testbed, kubeconfig = testbed.kubeconfigFile): TestbedState {
	return {
		kubeconfig,
		kubectl: testbed.binaries.kubectl,
		controlUrl: testbed.controlUrl,
		prometheusUrl: testbed.prometheus.url,
		prometheusVersion: testbed.prometheus.version,
		kubernetesVersion: testbed.kubernetesVersion,
	};
}
