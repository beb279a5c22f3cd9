import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import type {ProcessStatsLine} from '../../source/app/process-stats.js';
import {judgeSoak, mapGrowth, minuteSummaries, slope} from './support/soak-stats.js';

const megabyte = 1024 * 1024;

/** Stats every 5 s for `minutes`, RSS sawing ±20 MB (garbage collection) around a floor that grows `leakMbPerMinute`. */
function soak(minutes: number, leakMbPerMinute: number, fds: (minute: number) => number = () => 40): ProcessStatsLine[] {
	const lines: ProcessStatsLine[] = [];
	for (let second = 5; second <= minutes * 60; second += 5) {
		const minute = second / 60;
		const saw = (second % 60) / 60 * 40;
		lines.push({at: second * 1000, rssBytes: (150 + saw + (leakMbPerMinute * minute)) * megabyte, heapUsedBytes: 50 * megabyte, heapTotalBytes: 60 * megabyte, externalBytes: 5 * megabyte, arrayBuffersBytes: megabyte, memoryMap: {heapKb: 20_000, anonKb: (100 + saw + (leakMbPerMinute * minute)) * 1024, fileKb: 30_000, otherKb: 100}, fds: fds(Math.ceil(minute)), eventLoopP99Ms: 10, cpuMs: second * 10});
	}

	return lines;
}

describe('soak verdict', () => {
	test('slope is the least-squares line', () => {
		assert.equal(slope([{x: 0, y: 1}, {x: 1, y: 3}, {x: 2, y: 5}]), 2);
	});

	test('GC saw-tooth without growth passes; a floor growing 0.5 MB/min (5 MB per 10 min) fails', () => {
		const flat = judgeSoak(minuteSummaries(soak(30, 0), 0, 30 * 60_000), 5);
		assert.ok(flat.ok, flat.lines.join('\n'));
		assert.ok(Math.abs(flat.rssMbPer10Min) < 0.1);
		const leaking = judgeSoak(minuteSummaries(soak(30, 0.5), 0, 30 * 60_000), 5);
		assert.equal(leaking.ok, false);
		assert.ok(Math.abs(leaking.rssMbPer10Min - 5) < 0.1, String(leaking.rssMbPer10Min));
	});

	test('fds creeping up after warm-up fail; the minutes carry CPU % and the worst p99', () => {
		const minutes = minuteSummaries(soak(20, 0, minute => 40 + minute), 0, 20 * 60_000);
		assert.equal(minutes.length, 20);
		assert.ok(Math.abs(minutes[1]!.cpuPercent! - 1) < 1e-9, 'cpuMs grows 10 ms per s: 1% of a core');
		const verdict = judgeSoak(minutes, 5);
		assert.equal(verdict.ok, false);
		assert.match(verdict.lines[1]!, /^✗ open fds 46–60/);
	});

	test('the growth is told by kind of mapping, from the floors of the first and last minutes after warm-up', () => {
		const minutes = minuteSummaries(soak(30, 0.5), 0, 30 * 60_000);
		// Floors at 5 s into minutes 6 and 30: 24 minutes of 0.5 MB, all of it anonymous.
		assert.match(mapGrowth(minutes, 5)!, /minute 6 to 30: brk \(malloc\) \+0\.00, anonymous .* \+12\.00, files \+0\.00 MB$/);
	});

	test('too few minutes after warm-up is no verdict', () => {
		assert.equal(judgeSoak(minuteSummaries(soak(6, 0), 0, 6 * 60_000), 5).ok, false);
	});
});
