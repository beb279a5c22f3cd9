import {writeFileSync} from 'node:fs';
import {stringify} from 'yaml';

/**
 * Writes a kubeconfig for a fake API server on loopback (plain http, no TLS): one cluster `fake` at `port`, one user
 * `user` with the bearer token `<user>-token`, namespace bookinfo. For tests whose server answers what they script.
 */
export function writeLoopbackKubeconfig(file: string, port: number, user: string): void {
	writeFileSync(file, stringify({
		apiVersion: 'v1', kind: 'Config',
		clusters: [{name: 'fake', cluster: {server: `http://127.0.0.1:${port}`}}],
		users: [{name: user, user: {token: `${user}-token`}}],
		contexts: [{name: 'fake', context: {cluster: 'fake', user, namespace: 'bookinfo'}}],
		'current-context': 'fake',
	}));
}
