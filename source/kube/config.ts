import {existsSync, readFileSync} from 'node:fs';
import {homedir} from 'node:os';
import path from 'node:path';
import type {Cluster, Context, User} from '@kubernetes/client-node';
// The module, not the package index: the index reaches every generated API class, which the bundle would then load.
import {KubeConfig} from '@kubernetes/client-node/dist/config.js';
// The YAML parser client-node's KubeConfig already loads (the `yaml` package would add its own to every start).
import {load as parseYaml} from 'js-yaml';
import {KubeError} from './errors.js';
import {shareDispatchers} from './shared-dispatchers.js';
import {TokenFileAuthenticator, type TokenFileEntry} from './token-file.js';
import {errorMessage} from '../util/error-message.js';

/** Everything needed to talk to one cluster as one user, resolved once at startup like kubectl does. */
export interface KubeTarget {
	/** The merged kubeconfig with the chosen context set as current (client-node reads auth and server from it). */
	kc: KubeConfig;
	/** The chosen context, shown in the header. */
	contextName: string;
	/** Namespace to work in: flag, else the context's, else 'default'. */
	namespace: string;
	/** Kubeconfig user of the context, named in "forbidden" messages. */
	user: string;
	/** API server URL of the context's cluster, named in "unreachable" messages. */
	server: string;
}

/** Command-line choices and the environment to resolve them in (the environment is a parameter so tests need no globals). */
export interface LoadKubeTargetOptions {
	/** `--kubeconfig` path; wins over KUBECONFIG. */
	kubeconfig?: string;
	/** `--context`; wins over current-context. */
	context?: string;
	/** `-n/--namespace`; wins over the context's namespace. */
	namespace?: string;
	/** Environment to read KUBECONFIG and HOME from (default process.env). */
	env?: NodeJS.ProcessEnv;
}

/** The files to read, and how the user chose them (named in errors so they know what to fix). */
function kubeconfigFiles(options: LoadKubeTargetOptions, env: NodeJS.ProcessEnv): {files: string[]; source: string; strict: boolean} {
	if (options.kubeconfig !== undefined && options.kubeconfig !== '') {
		return {files: [options.kubeconfig], source: '--kubeconfig', strict: true};
	}

	const list = env['KUBECONFIG'];
	if (list !== undefined && list !== '') {
		// Like kubectl: empty entries and duplicates are ignored; missing files in the list are skipped.
		const files = [...new Set(list.split(path.delimiter).filter(file => file !== ''))];
		return {files, source: 'KUBECONFIG', strict: false};
	}

	const home = env['HOME'] ?? env['USERPROFILE'] ?? homedir();
	return {files: [path.join(home, '.kube', 'config')], source: 'the default location', strict: true};
}

/** One kubeconfig file as client-node reads it, and the token files of its users (which client-node ignores). */
interface LoadedFile {
	kc: KubeConfig;
	tokenFiles: Map<string, TokenFileEntry>;
}

/** Users' `tokenFile` fields (kubectl's spelling), resolved against the kubeconfig's directory. */
function tokenFilesOf(text: string, directory: string): Map<string, TokenFileEntry> {
	const files = new Map<string, TokenFileEntry>();
	// Most kubeconfigs have none: parsing the YAML a second time is only worth it when one is named.
	if (!text.includes('tokenFile')) {
		return files;
	}

	const parsed = parseYaml(text) as {users?: Array<{name?: unknown; user?: {tokenFile?: unknown; token?: unknown}}>} | null;
	for (const entry of parsed?.users ?? []) {
		const file = entry.user?.tokenFile;
		if (typeof entry.name === 'string' && typeof file === 'string' && file !== '') {
			const token = entry.user?.token;
			files.set(entry.name, {file: path.resolve(directory, file), ...(typeof token === 'string' && token !== '' ? {fallback: token} : {})});
		}
	}

	return files;
}

/**
 * client-go runs an exec plugin whose command contains a path separator relative to the kubeconfig's directory (a
 * plugin shipped beside the kubeconfig); client-node would run it relative to meshtop's working directory.
 */
function execRelativeToKubeconfig(user: User, directory: string): User {
	const exec = user.exec as {command?: unknown} | null | undefined;
	const command = exec?.command;
	if (typeof command !== 'string' || !command.includes('/') || path.isAbsolute(command)) {
		return user;
	}

	return {...user, exec: {...exec, command: path.resolve(directory, command)}};
}

function loadFile(file: string): LoadedFile {
	const kc = new KubeConfig();
	let text: string;
	try {
		text = readFileSync(file, 'utf8');
		kc.loadFromString(text);
	} catch (error) {
		const reason = errorMessage(error);
		throw new KubeError('invalid', `kubeconfig ${file} cannot be read: ${reason}`, {cause: error});
	}

	const directory = path.dirname(file);
	kc.makePathsAbsolute(directory);
	kc.users = kc.users.map(user => execRelativeToKubeconfig(user, directory));
	return {kc, tokenFiles: tokenFilesOf(text, directory)};
}

/**
 * client-node 2.x refuses http:// servers unless skipTLSVerify is set, although there is no TLS to verify;
 * kubectl talks plain HTTP to them (kubectl proxy, local test servers), so meshtop does too.
 */
function plainHttpAllowed(cluster: Cluster): Cluster {
	return cluster.server.startsWith('http://') && !cluster.skipTLSVerify ? {...cluster, skipTLSVerify: true} : cluster;
}

/**
 * kubectl's merge: the first file to define a cluster, user or context name wins,
 * and current-context comes from the first file that sets one.
 * (client-node's own merge throws on duplicate names and lets later files win.)
 */
function merge(files: LoadedFile[]): KubeConfig {
	const clusters = new Map<string, Cluster>();
	const users = new Map<string, User>();
	const contexts = new Map<string, Context>();
	const tokenFiles = new Map<string, TokenFileEntry>();
	let currentContext: string | undefined;
	for (const {kc: config, tokenFiles: fileTokens} of files) {
		for (const cluster of config.clusters ?? []) {
			if (!clusters.has(cluster.name)) {
				clusters.set(cluster.name, plainHttpAllowed(cluster));
			}
		}

		for (const user of config.users ?? []) {
			if (!users.has(user.name)) {
				const tokenFile = fileTokens.get(user.name);
				if (tokenFile !== undefined) {
					tokenFiles.set(user.name, tokenFile);
				}

				// With a token file, client-node must not set the static token after the file's (it would win).
				users.set(user.name, tokenFile === undefined ? user : {...user, token: undefined});
			}
		}

		for (const context of config.contexts ?? []) {
			if (!contexts.has(context.name)) {
				contexts.set(context.name, context);
			}
		}

		if (currentContext === undefined && typeof config.currentContext === 'string' && config.currentContext !== '') {
			currentContext = config.currentContext;
		}
	}

	const merged = new KubeConfig();
	merged.loadFromOptions({
		clusters: [...clusters.values()],
		users: [...users.values()],
		contexts: [...contexts.values()],
		currentContext,
	});
	if (tokenFiles.size > 0) {
		merged.addAuthenticator(new TokenFileAuthenticator(tokenFiles));
	}

	shareDispatchers(merged);
	return merged;
}

/** Loads kubeconfig like kubectl: --kubeconfig path, else KUBECONFIG (colon-separated list, merged), else ~/.kube/config; --context overrides current-context; namespace = flag, else the context's namespace, else 'default'. Exec/OIDC/certificate/basic auth is client-node's; `tokenFile` is meshtop's (token-file.ts). Missing file/context → KubeError('no-kubeconfig'/'no-context') naming what was tried. */
export function loadKubeTarget(options: LoadKubeTargetOptions): KubeTarget {
	const env = options.env ?? process.env;
	const {files, source, strict} = kubeconfigFiles(options, env);
	const present = files.filter(file => existsSync(file));
	if (present.length === 0 || (strict && present.length !== files.length)) {
		throw new KubeError('no-kubeconfig', `no kubeconfig: ${files.join(', ')} (from ${source}) not found; pass --kubeconfig FILE or set KUBECONFIG`);
	}

	const kc = merge(present.map(file => loadFile(file)));
	const tried = present.join(path.delimiter);
	const contextName = options.context !== undefined && options.context !== '' ? options.context : kc.currentContext;
	if (contextName === undefined || contextName === '') {
		throw new KubeError('no-context', `no current context in kubeconfig ${tried}; pass --context NAME (contexts: ${kc.contexts.map(c => c.name).join(', ') || 'none'})`);
	}

	const context = kc.getContextObject(contextName);
	if (context === null) {
		const available = kc.contexts.map(c => c.name).join(', ') || 'none';
		throw new KubeError('no-context', `context "${contextName}" not found in kubeconfig ${tried} (contexts: ${available})`);
	}

	kc.setCurrentContext(contextName);
	const cluster = kc.getCluster(context.cluster);
	if (cluster === null) {
		throw new KubeError('no-context', `context "${contextName}" refers to cluster "${context.cluster}", which is not in kubeconfig ${tried}`);
	}

	const namespace = options.namespace !== undefined && options.namespace !== ''
		? options.namespace
		: (context.namespace !== undefined && context.namespace !== '' ? context.namespace : 'default');
	return {kc, contextName, namespace, user: context.user, server: cluster.server};
}
