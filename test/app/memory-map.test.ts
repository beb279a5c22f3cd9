import assert from 'node:assert/strict';
import {test} from 'node:test';
import {parseMemoryMap} from '../../source/app/memory-map.js';

const smaps = `55a1c4cc7000-55a1c4cc9000 r--p 00000000 fe:00 247026                     /usr/bin/node
Size:                  8 kB
Rss:                   8 kB
Pss:                   8 kB
VmFlags: rd mr mw me
55a1c5000000-55a1c6000000 rw-p 00000000 00:00 0                          [heap]
Size:              16384 kB
Rss:                4000 kB
7f0000000000-7f0000400000 rw-p 00000000 00:00 0 
Size:               4096 kB
Rss:                1200 kB
7f0000400000-7f0000500000 rw-p 00000000 00:00 0                          [anon:v8]
Rss:                  24 kB
7ffc00000000-7ffc00021000 rw-p 00000000 00:00 0                          [stack]
Rss:                  36 kB
7ffc00100000-7ffc00102000 r-xp 00000000 00:00 0                          [vdso]
Rss:                   4 kB
`;

test('smaps Rss lines are summed by the kind of mapping they follow', () => {
	assert.deepEqual(parseMemoryMap(smaps), {heapKb: 4000, anonKb: 1224, fileKb: 8, otherKb: 40});
});

test('text that is not smaps gives zeros, not a throw', () => {
	assert.deepEqual(parseMemoryMap('not smaps\nRss: x kB'), {heapKb: 0, anonKb: 0, fileKb: 0, otherKb: 0});
});
