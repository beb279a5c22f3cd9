/**
 * kubectl's `tokenFile` user field, which client-node does not read (it knows only a `token-file` key, read once at
 * load, untrimmed, relative to the working directory). Projected service-account tokens and rotated CI tokens live in
 * such files, so meshtop reads them as client-go does: relative to the kubeconfig's directory, whitespace trimmed, and
 * re-read so that a rotated token is used (client-go caches it for a minute; meshtop reads it at every request, which
 * costs a small file read next to a TLS round trip). The file wins over a `token` beside it while it can be read.
 */
import {readFile} from 'node:fs/promises';
import type {User} from '@kubernetes/client-node';
import type {Authenticator} from '@kubernetes/client-node/dist/auth.js';

/** A user's token file and the static token to fall back on when the file cannot be read. */
export interface TokenFileEntry {
	/** Absolute path. */
	file: string;
	/** The user's `token`, if it also has one. */
	fallback?: string;
}

/** Reads the token file of each user that has one; registered on a KubeConfig with addAuthenticator. */
export class TokenFileAuthenticator implements Authenticator {
	private readonly files: ReadonlyMap<string, TokenFileEntry>;

	/** `files`: kubeconfig user name → its token file. */
	constructor(files: ReadonlyMap<string, TokenFileEntry>) {
		this.files = files;
	}

	/** client-node asks this for users that no built-in authenticator (exec, OIDC, cloud plugins) claims. */
	isAuthProvider(user: User): boolean {
		return this.files.has(user.name);
	}

	/** Sets the Authorization header from the file, or from the fallback token when the file is unreadable or empty. */
	async applyAuthentication(user: User, options: Parameters<Authenticator['applyAuthentication']>[1]): Promise<void> {
		const entry = this.files.get(user.name);
		if (entry === undefined) {
			return;
		}

		let token = '';
		try {
			token = (await readFile(entry.file, 'utf8')).trim();
		} catch {
			// Unreadable (rotated away mid-write, not mounted yet): the static token, or none, as client-go does.
		}

		const chosen = token === '' ? entry.fallback : token;
		if (chosen !== undefined && chosen !== '') {
			// client-node always passes an object of headers (it creates one before asking any authenticator).
			const headers = (options.headers ??= {}) as Record<string, string>;
			headers['Authorization'] = `Bearer ${chosen}`;
		}
	}
}
