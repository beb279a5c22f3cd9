/**
 * What a process left behind, read from /proc: its descendants, whether a pid is still alive, and the TCP sockets of
 * the machine (listening ones, and connections on a port), for the checks that nothing is left after a test or a fault.
 */
import {readFileSync, readdirSync, readlinkSync} from 'node:fs';

/** Every descendant of `pid` (children first found through /proc). */
export function descendants(pid: number): number[] {
	const children = new Map<number, number[]>();
	for (const entry of readdirSync('/proc').filter(name => /^\d+$/.test(name))) {
		try {
			const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
			const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
			children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
		} catch {
			// Gone meanwhile.
		}
	}

	const found: number[] = [];
	const visit = (parent: number) => {
		for (const child of children.get(parent) ?? []) {
			found.push(child);
			visit(child);
		}
	};

	visit(pid);
	return found;
}

/** Whether `pid` runs (a zombie does not count: it has exited and only waits for its parent). */
export function alive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
	} catch {
		return false;
	}
}

/** A TCP socket of /proc/net/tcp (IPv4). */
export interface TcpSocket {
	localPort: number;
	remotePort: number;
	/** Kernel state: 01 ESTABLISHED, 06 TIME_WAIT, 08 CLOSE_WAIT, 0A LISTEN… */
	state: string;
	inode: number;
}

/** The machine's IPv4 TCP sockets (this network namespace). */
export function tcpSockets(): TcpSocket[] {
	return readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1).filter(line => line.trim() !== '').map(line => {
		const fields = line.trim().split(/\s+/);
		return {
			localPort: Number.parseInt(fields[1]!.split(':')[1]!, 16),
			remotePort: Number.parseInt(fields[2]!.split(':')[1]!, 16),
			state: fields[3]!,
			inode: Number(fields[9]),
		};
	});
}

/** Whether something listens on TCP `port`. */
export function listening(port: number): boolean {
	return tcpSockets().some(socket => socket.state === '0A' && socket.localPort === port);
}

/** Open connections with `port` at either end (ESTABLISHED or CLOSE_WAIT: a peer that never closed its side). */
export function openConnections(port: number): TcpSocket[] {
	return tcpSockets().filter(socket => (socket.state === '01' || socket.state === '08') && (socket.localPort === port || socket.remotePort === port));
}

/** Socket inodes a process holds open (empty once it is gone). */
export function socketInodes(pid: number): Set<number> {
	const inodes = new Set<number>();
	try {
		for (const fd of readdirSync(`/proc/${pid}/fd`)) {
			try {
				const match = /^socket:\[(\d+)\]$/.exec(readlinkSafe(`/proc/${pid}/fd/${fd}`));
				if (match !== null) {
					inodes.add(Number(match[1]));
				}
			} catch {
				// Closed meanwhile.
			}
		}
	} catch {
		// Gone.
	}

	return inodes;
}

function readlinkSafe(file: string): string {
	try {
		return readlinkSync(file);
	} catch {
		return '';
	}
}
