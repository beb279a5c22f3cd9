/**
 * Where a process's resident memory lives, by kind of mapping, from the text of /proc/PID/smaps. A soak that sees RSS
 * step up needs to know what stepped: glibc's heap (malloc's main arena), anonymous mappings (V8's heap pages, malloc's
 * blocks served by mmap, thread stacks), or files (code, the bundle, shared libraries).
 */

/** Resident kilobytes by kind of mapping. */
export interface MemoryMap {
	/** `[heap]`: the brk heap, malloc's main arena. */
	heapKb: number;
	/** Mappings with no file: V8's pages, large malloc blocks, thread stacks of threads other than the main one. */
	anonKb: number;
	/** Mappings of files: the node binary, shared libraries, the bundle's pages. */
	fileKb: number;
	/** The main thread's `[stack]` and the kernel's pseudo-mappings (`[vdso]`, `[vvar]`). */
	otherKb: number;
}

const header = /^[\da-f]+-[\da-f]+\s+\S+\s+\S+\s+\S+\s+\d+\s*(.*)$/;

/** Sums the `Rss:` lines of smaps text by the kind of the mapping they belong to. */
export function parseMemoryMap(smaps: string): MemoryMap {
	const map: MemoryMap = {heapKb: 0, anonKb: 0, fileKb: 0, otherKb: 0};
	let kind: keyof MemoryMap = 'otherKb';
	for (const line of smaps.split('\n')) {
		const mapping = header.exec(line);
		if (mapping !== null) {
			const name = mapping[1]!.trim();
			kind = name === '[heap]' ? 'heapKb' : name === '' || name.startsWith('[anon') ? 'anonKb' : name.startsWith('[') ? 'otherKb' : 'fileKb';
			continue;
		}

		if (line.startsWith('Rss:')) {
			map[kind] += Number.parseInt(line.slice(4), 10) || 0;
		}
	}

	return map;
}
