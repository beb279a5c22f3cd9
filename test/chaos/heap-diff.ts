/**
 * `node dist/test/chaos/heap-diff.js EARLY.heapsnapshot LATE.heapsnapshot`: what a long-running console retains, by
 * comparing two V8 heap snapshots (take them with `--heapsnapshot-signal=SIGUSR2` in NODE_OPTIONS and `kill -USR2`,
 * a few minutes apart). Prints the constructors (object types) whose count or self size grew the most. An RSS slope
 * cannot tell V8 committing heap pages from a leak; objects that pile up between two snapshots can.
 */
import {readFile} from 'node:fs/promises';
import process from 'node:process';

interface Snapshot {
	snapshot: {meta: {node_fields: string[]; node_types: [string[], ...unknown[]]}};
	nodes: number[];
	strings: string[];
}

/** Count and self size per `type:name` (the constructor for objects, the kind for strings, closures, arrays…). */
export interface Census {
	[key: string]: {count: number; bytes: number};
}

/** Objects of a snapshot counted by type and constructor name. */
export function census(snapshot: Snapshot): Census {
	const fields = snapshot.snapshot.meta.node_fields;
	const width = fields.length;
	const typeAt = fields.indexOf('type');
	const nameAt = fields.indexOf('name');
	const sizeAt = fields.indexOf('self_size');
	const types = snapshot.snapshot.meta.node_types[0];
	const result: Census = {};
	for (let index = 0; index < snapshot.nodes.length; index += width) {
		const type = types[snapshot.nodes[index + typeAt]!] ?? '?';
		// Strings, numbers and code are counted by kind: their "names" are their contents.
		const name = type === 'object' || type === 'closure' || type === 'native' ? snapshot.strings[snapshot.nodes[index + nameAt]!] ?? '?' : '';
		const key = `${type}:${name}`;
		const entry = result[key] ??= {count: 0, bytes: 0};
		entry.count++;
		entry.bytes += snapshot.nodes[index + sizeAt]!;
	}

	return result;
}

/** The rows that grew most between two censuses, largest byte growth first. */
export function growth(early: Census, late: Census, limit = 25): Array<{key: string; count: number; bytes: number}> {
	return Object.entries(late)
		.map(([key, entry]) => ({key, count: entry.count - (early[key]?.count ?? 0), bytes: entry.bytes - (early[key]?.bytes ?? 0)}))
		.filter(row => row.count > 0 || row.bytes > 0)
		.sort((a, b) => b.bytes - a.bytes)
		.slice(0, limit);
}

async function main(): Promise<void> {
	const [earlyFile, lateFile] = process.argv.slice(2);
	if (earlyFile === undefined || lateFile === undefined) {
		process.stderr.write('usage: heap-diff EARLY.heapsnapshot LATE.heapsnapshot\n');
		process.exitCode = 2;
		return;
	}

	const [early, late] = await Promise.all([earlyFile, lateFile].map(async file => census(JSON.parse(await readFile(file, 'utf8')) as Snapshot)));
	const total = (entries: Census) => Object.values(entries).reduce((sum, entry) => ({count: sum.count + entry.count, bytes: sum.bytes + entry.bytes}), {count: 0, bytes: 0});
	const [before, after] = [total(early!), total(late!)];
	process.stdout.write(`objects ${before.count} -> ${after.count}, self size ${(before.bytes / 1048576).toFixed(1)} -> ${(after.bytes / 1048576).toFixed(1)} MB\n`);
	for (const row of growth(early!, late!)) {
		process.stdout.write(`${(row.bytes / 1024).toFixed(1).padStart(9)} kB  ${String(row.count).padStart(7)}  ${row.key}\n`);
	}
}

if (process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/^.*\//, '/'))) {
	await main();
}
