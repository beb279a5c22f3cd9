import {createHash} from 'node:crypto';
import {servedGroups, servedResources, type ServedResource} from './resources.js';

/**
 * apimachinery's discovery.StorageVersionHash: the first 8 bytes of sha256("group/version/kind"), base64. The sim
 * stores every resource in its first (preferred) version, which is also the storage version of Istio's CRDs (v1).
 */
function storageVersionHash(resource: ServedResource): string {
	return createHash('sha256').update(`${resource.group}/${resource.versions[0] ?? 'v1'}/${resource.kind}`).digest().subarray(0, 8).toString('base64');
}

/** The version the sim claims to be (matches the kubectl the project tests with, so no skew warning). */
export const serverVersion = {
	major: '1',
	minor: '32',
	gitVersion: 'v1.32.4-meshtop-sim',
	gitCommit: '0000000000000000000000000000000000000000',
	gitTreeState: 'clean',
	buildDate: '2025-04-22T00:00:00Z',
	goVersion: 'go1.23.8',
	compiler: 'gc',
	platform: 'linux/amd64',
};

function resourceEntries(resources: ServedResource[]): Array<Record<string, unknown>> {
	const entries: Array<Record<string, unknown>> = [];
	for (const resource of resources) {
		entries.push({
			name: resource.plural,
			singularName: resource.singular,
			namespaced: resource.namespaced,
			kind: resource.kind,
			verbs: resource.verbs,
			...(resource.shortNames.length > 0 ? {shortNames: resource.shortNames} : {}),
			...(resource.categories.length > 0 ? {categories: resource.categories} : {}),
			storageVersionHash: storageVersionHash(resource),
		});
		if (resource.custom) {
			entries.push({name: `${resource.plural}/status`, singularName: '', namespaced: resource.namespaced, kind: resource.kind, verbs: ['get', 'patch', 'update']});
		}
		if (resource.plural === 'pods') {
			entries.push({name: 'pods/portforward', singularName: '', namespaced: true, kind: 'PodPortForwardOptions', verbs: ['create', 'get']});
		}
	}
	return entries;
}

function groupVersions(name: string, versions: string[]): Record<string, unknown> {
	const list = versions.map(version => ({groupVersion: `${name}/${version}`, version}));
	return {name, versions: list, preferredVersion: list[0]};
}

/**
 * Answers the discovery endpoints in the legacy (unaggregated) format. kubectl asks for aggregated
 * discovery first and falls back when the response's Content-Type is plain application/json.
 * Returns undefined for paths that are not discovery documents.
 */
export function discoveryDocument(pathname: string, serverAddress: string): unknown {
	const path = pathname.replace(/\/+$/, '');
	if (path === '/version') {
		return serverVersion;
	}
	if (path === '/api') {
		return {kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{clientCIDR: '0.0.0.0/0', serverAddress}]};
	}
	if (path === '/apis') {
		return {kind: 'APIGroupList', apiVersion: 'v1', groups: servedGroups().map(group => groupVersions(group.name, group.versions))};
	}
	if (path === '/api/v1') {
		return {kind: 'APIResourceList', groupVersion: 'v1', resources: resourceEntries(servedResources.filter(resource => resource.group === ''))};
	}
	const groupMatch = /^\/apis\/([^/]+)$/.exec(path);
	if (groupMatch) {
		const group = servedGroups().find(candidate => candidate.name === groupMatch[1]);
		return group ? {kind: 'APIGroup', apiVersion: 'v1', ...groupVersions(group.name, group.versions)} : undefined;
	}
	const versionMatch = /^\/apis\/([^/]+)\/([^/]+)$/.exec(path);
	if (versionMatch) {
		const [, group, version] = versionMatch;
		const resources = servedResources.filter(resource => resource.group === group && resource.versions.includes(version ?? ''));
		return resources.length > 0 ? {kind: 'APIResourceList', apiVersion: 'v1', groupVersion: `${group}/${version}`, resources: resourceEntries(resources)} : undefined;
	}
	return undefined;
}
