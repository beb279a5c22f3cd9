/**
 * The test bed's keys and certificates, made with openssl: a CA, the API server's serving certificate for 127.0.0.1
 * (so clients verify TLS as against a real cluster), and the service-account signing key pair.
 */
import {execFile} from 'node:child_process';
import {readFile, writeFile} from 'node:fs/promises';
import path from 'node:path';
import {promisify} from 'node:util';

const run = promisify(execFile);

/** Files of the test bed's PKI, all inside one directory. */
export interface TestbedPki {
	/** CA certificate (PEM). */
	caCert: string;
	/** CA certificate's PEM text, for kubeconfigs. */
	caPem: string;
	/** API server serving certificate and key. */
	serverCert: string;
	serverKey: string;
	/** Service-account signing key and its public half. */
	serviceAccountKey: string;
	serviceAccountPub: string;
}

/** Creates the PKI in `directory`. */
export async function createPki(directory: string): Promise<TestbedPki> {
	const file = (name: string) => path.join(directory, name);
	const openssl = async (...args: string[]) => run('openssl', args, {cwd: directory, timeout: 30_000});
	await openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '7',
		'-subj', '/CN=meshtop-testbed-ca', '-keyout', 'ca.key', '-out', 'ca.crt',
		'-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
	await openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
		'-subj', '/CN=kube-apiserver', '-keyout', 'server.key', '-out', 'server.csr');
	await writeFile(file('server.ext'), [
		'subjectAltName=IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc',
		'extendedKeyUsage=serverAuth',
		'keyUsage=critical,digitalSignature,keyEncipherment',
		'',
	].join('\n'));
	await openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial',
		'-days', '7', '-extfile', 'server.ext', '-out', 'server.crt');
	await openssl('genrsa', '-out', 'sa.key', '2048');
	await openssl('rsa', '-in', 'sa.key', '-pubout', '-out', 'sa.pub');
	return {
		caCert: file('ca.crt'),
		caPem: await readFile(file('ca.crt'), 'utf8'),
		serverCert: file('server.crt'),
		serverKey: file('server.key'),
		serviceAccountKey: file('sa.key'),
		serviceAccountPub: file('sa.pub'),
	};
}

/** A client certificate and its key, as files and as the PEM text a kubeconfig embeds. */
export interface ClientCertificate {
	certFile: string;
	keyFile: string;
	certPem: string;
	keyPem: string;
}

/**
 * Issues a client certificate signed by the CA of {@link createPki} in `directory`: kube-apiserver's --client-ca-file
 * maps its CN to the user and each O to a group, as on a cluster whose users log in with certificates.
 */
export async function issueClientCertificate(directory: string, subject: {name: string; groups?: readonly string[]}): Promise<ClientCertificate> {
	const file = (name: string) => path.join(directory, name);
	const openssl = async (...args: string[]) => run('openssl', args, {cwd: directory, timeout: 30_000});
	const base = `client-${subject.name}`;
	const organisations = (subject.groups ?? []).map(group => `/O=${group}`).join('');
	await openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
		'-subj', `/CN=${subject.name}${organisations}`, '-keyout', `${base}.key`, '-out', `${base}.csr`);
	await writeFile(file(`${base}.ext`), 'extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature\n');
	await openssl('x509', '-req', '-in', `${base}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial',
		'-days', '7', '-extfile', `${base}.ext`, '-out', `${base}.crt`);
	return {
		certFile: file(`${base}.crt`),
		keyFile: file(`${base}.key`),
		certPem: await readFile(file(`${base}.crt`), 'utf8'),
		keyPem: await readFile(file(`${base}.key`), 'utf8'),
	};
}
