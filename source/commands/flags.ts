/** Command-line flags and help of meshtop (meow spec); cli.tsx parses, the commands read the result. */
import type {AnyFlags} from 'meow';

/** The help text printed by `meshtop --help`. */
export const helpText = `
  Usage
    $ meshtop [virtualservice]                 open the console (picker when no name)
    $ meshtop demo                             the console on a simulated Bookinfo cluster
    $ meshtop sim                              run the simulated cluster alone (for kubectl and a second meshtop)
    $ meshtop status <virtualservice> [--json] weights and current metrics per version
    $ meshtop set <virtualservice> v1=50 v3=50 set the split (conflict-safe)
    $ meshtop shift <virtualservice> --to v3   progressive migration with metric gates
    $ meshtop history <virtualservice>         changes meshtop made
    $ meshtop undo <virtualservice>            revert the last meshtop change

  Connection (like kubectl)
    --kubeconfig FILE          kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)
    --context NAME             kubeconfig context
    -n, --namespace NS         namespace (default: the context's, then "default")
    --prometheus-url URL       use this Prometheus instead of finding one in the cluster; may carry a path
                               prefix and user:password@ (https://u:p@gateway/prometheus)
    --prometheus-token-file F  send the token in file F as Authorization: Bearer (Thanos, Mimir, auth proxies)
    --prometheus-namespace NS  where to look for Prometheus (default: istio-system, then the namespace)
    --prometheus-service NAME  Prometheus Service name (default: prometheus)

  Console
    --read-only                never write; keys that change weights are unbound
    --step N                   initial step in points: 1, 5, 10 or 25 (default 10)
    --refresh DURATION         metrics refresh period (default 1s)
    --route NAME               route to show/edit (name, or http[0] style)
    --no-live                  figures from Prometheus only (default: each version's Envoy stats read from its
                               pods every second through port-forward, Prometheus for the past)
    --live-pods N              live: pods read per version at most (default 3; more pods = a sample)
    --no-color                 no colours (also NO_COLOR=1 or TERM=dumb)

  Headless
    --json                     machine-readable output (status, shift, history)
    --chart                    status: request rate, observed share vs weight, success rate and p99 as charts
    --history DURATION         console and status --chart: how far back the chart starts (default 5m),
                               from Prometheus' query_range
    --route NAME               route to change with set (default: the first editable one)
    --to VERSION               shift: the version to migrate to
    --steps 5,10,25,50,100     shift: explicit target weights (or --step N)
    --every DURATION           shift: interval between steps (default 30s)
    --gate EXPR                shift: success>=99.5, p99<=500ms, min-rps=1, success>=baseline-0.5%,
                               p99<=baseline*1.2 (repeatable); judged on each step's own requests
    --on-fail pause|rollback   shift: what a failing gate does (default pause)
    --max-wait DURATION        shift: longest a step waits for conclusive evidence (default 5x --every)
    --on-inconclusive MODE     shift: pause, proceed or rollback after --max-wait (default pause)
    --min-requests N           shift: requests a latency gate needs in a step (default 100)
    --failure-limit N          shift: consecutive failed evaluations before --on-fail (default 1)
    --confidence PCT           shift: confidence of the gates' intervals (default 95%)
    --settle DURATION          shift: traffic left out after each write (default one scrape interval)

  Simulation
    --fault SPEC               e.g. reviews:v3:errors=10%,latency=+300ms (repeatable)
    --kubeconfig-out FILE      sim: where to write the kubeconfig
    --port N                   sim: API server port (default: a free one)
    --ambient                  sim: ambient mode (namespace istio.io/dataplane-mode=ambient, waypoint metrics)
    --scrape-interval DURATION sim, demo: Prometheus' scrape interval (default 1s; real meshes scrape every 15-30s)

  Environment: KUBECONFIG, NO_COLOR, TERM; MESHTOP_STATS_FILE (a soak: the console's RSS, heap, fds,
  event-loop p99 and CPU as JSON lines every MESHTOP_STATS_INTERVAL_MS, default 60000).

  Examples
    $ meshtop demo
    $ meshtop reviews -n bookinfo
    $ meshtop set reviews -n bookinfo v1=50 v3=50
    $ meshtop shift reviews -n bookinfo --to v3 --steps 10,25,50,100 --every 1m --gate success>=99.5 --gate p99<=500ms
`;

/** The flags meow parses. */
export const flagSpec = {
	kubeconfig: {type: 'string'},
	context: {type: 'string'},
	namespace: {type: 'string', shortFlag: 'n'},
	prometheusUrl: {type: 'string'},
	prometheusNamespace: {type: 'string'},
	prometheusService: {type: 'string'},
	prometheusTokenFile: {type: 'string'},
	readOnly: {type: 'boolean', default: false},
	step: {type: 'number'},
	steps: {type: 'string'},
	refresh: {type: 'string', default: '1s'},
	route: {type: 'string'},
	json: {type: 'boolean', default: false},
	to: {type: 'string'},
	every: {type: 'string', default: '30s'},
	gate: {type: 'string', isMultiple: true},
	onFail: {type: 'string', default: 'pause', choices: ['pause', 'rollback']},
	maxWait: {type: 'string'},
	onInconclusive: {type: 'string', default: 'pause', choices: ['pause', 'proceed', 'rollback']},
	minRequests: {type: 'number'},
	failureLimit: {type: 'number'},
	confidence: {type: 'string'},
	settle: {type: 'string'},
	fault: {type: 'string', isMultiple: true},
	kubeconfigOut: {type: 'string'},
	port: {type: 'number'},
	ambient: {type: 'boolean', default: false},
	color: {type: 'boolean', default: true},
	chart: {type: 'boolean', default: false},
	history: {type: 'string', default: '5m'},
	live: {type: 'boolean', default: true},
	livePods: {type: 'number'},
	scrapeInterval: {type: 'string'},
} satisfies AnyFlags;

/** Parsed flags, as the commands see them. */
export interface Flags {
	kubeconfig?: string;
	context?: string;
	namespace?: string;
	prometheusUrl?: string;
	prometheusNamespace?: string;
	prometheusService?: string;
	/** --prometheus-token-file: a bearer token for a gateway in front of Prometheus. */
	prometheusTokenFile?: string;
	readOnly: boolean;
	step?: number;
	steps?: string;
	refresh: string;
	route?: string;
	json: boolean;
	to?: string;
	every: string;
	gate?: string[];
	onFail: string;
	maxWait?: string;
	onInconclusive?: string;
	minRequests?: number;
	failureLimit?: number;
	confidence?: string;
	settle?: string;
	fault?: string[];
	kubeconfigOut?: string;
	port?: number;
	/** sim: ambient mode. */
	ambient?: boolean;
	/** false with --no-color. */
	color?: boolean;
	/** status: print the four chart modes over --history. */
	chart?: boolean;
	/** The console's chart backfill and status --chart: how far back (default 5m). */
	history?: string;
	/** false with --no-live: no Envoy stats read from the pods. */
	live?: boolean;
	/** Pods read per version in live mode. */
	livePods?: number;
	/** sim, demo: Prometheus' scrape interval. */
	scrapeInterval?: string;
}

/** The connection flags every command passes on (kubectl's, and where Prometheus is). */
export function connectionFlags(flags: Flags): Pick<Flags, 'kubeconfig' | 'context' | 'namespace' | 'prometheusUrl' | 'prometheusNamespace' | 'prometheusService' | 'prometheusTokenFile'> {
	return {
		kubeconfig: flags.kubeconfig,
		context: flags.context,
		namespace: flags.namespace,
		prometheusUrl: flags.prometheusUrl,
		prometheusNamespace: flags.prometheusNamespace,
		prometheusService: flags.prometheusService,
		prometheusTokenFile: flags.prometheusTokenFile,
	};
}

/** Durations are parsed like the plan form does. */
export {parseDuration} from '../domain/duration.js';
