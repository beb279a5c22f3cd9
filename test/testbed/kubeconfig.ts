/** Users of the test bed and the kubeconfig that names them. */
import {randomBytes} from 'node:crypto';
import {stringify} from 'yaml';

/** The users the test bed authenticates (static tokens), and what each may do. */
export const testbedUsers = {
	/** system:masters: everything. */
	admin: {groups: ['system:masters']},
	/** A read-only ClusterRole: get, list, watch everywhere (and port-forward, to read metrics). */
	viewer: {groups: ['meshtop:viewers']},
	/** May patch VirtualServices and HTTPRoutes in bookinfo only (and read what meshtop needs). */
	shifter: {groups: ['meshtop:shifters']},
	/** Authenticated, bound to nothing: every request is refused. */
	outsider: {groups: ['meshtop:outsiders']},
} as const;

/** A test bed user name. */
export type TestbedUser = keyof typeof testbedUsers;

/** Context name of each user in the test bed's kubeconfig: `testbed` is admin's (the current one). */
export function contextOf(user: TestbedUser): string {
	return user === 'admin' ? 'testbed' : `testbed-${user}`;
}

/** A fresh random token per user. */
export function makeTokens(): Record<TestbedUser, string> {
	const token = () => randomBytes(24).toString('hex');
	return {admin: token(), viewer: token(), shifter: token(), outsider: token()};
}

/** kube-apiserver's --token-auth-file: token,user,uid,"group,group". */
export function tokenAuthFile(tokens: Record<TestbedUser, string>): string {
	return Object.entries(testbedUsers)
		.map(([user, {groups}]) => `${tokens[user as TestbedUser]},${user},${user},"${groups.join(',')}"`)
		.join('\n') + '\n';
}

/** Context of the admin logged in with a client certificate instead of a token (user `cert-admin`, group system:masters). */
export const certificateContext = 'testbed-cert';

/**
 * The kubeconfig: cluster `testbed` verified with the test bed's CA, a context per user (`testbed-<user>`; admin's is
 * `testbed`, the current one), and {@link certificateContext} with `certificate`, a client certificate (PEM).
 */
export function testbedKubeconfig(options: {server: string; caPem: string; tokens: Record<TestbedUser, string>; certificate: {certPem: string; keyPem: string}; namespace?: string}): string {
	const users = Object.keys(testbedUsers) as TestbedUser[];
	const pem = (text: string) => Buffer.from(text).toString('base64');
	return stringify({
		apiVersion: 'v1',
		kind: 'Config',
		clusters: [{name: 'testbed', cluster: {server: options.server, 'certificate-authority-data': Buffer.from(options.caPem).toString('base64')}}],
		users: [
			...users.map(user => ({name: user, user: {token: options.tokens[user]}})),
			{name: 'cert-admin', user: {'client-certificate-data': pem(options.certificate.certPem), 'client-key-data': pem(options.certificate.keyPem)}},
		],
		contexts: [...users.map(user => [contextOf(user), user]), [certificateContext, 'cert-admin']].map(([name, user]) => ({name, context: {cluster: 'testbed', user, ...(options.namespace === undefined ? {} : {namespace: options.namespace})}})),
		'current-context': contextOf('admin'),
		preferences: {},
	});
}
