/** The header's live part: where the figures for "now" come from, read from the snapshot the services return. */
import {afterEach, test} from 'node:test';
import assert from 'node:assert/strict';
import {mergeLive, type LiveReading} from '../../source/domain/live-merge.js';
import {initialState, type AppState} from '../../source/state/app-state.js';
import {Header} from '../../source/ui/Header.js';
import {renderInk, settle, type RenderedInk} from '../helpers/render-ink.js';

const connection = {contextName: 'ctx', namespace: 'bookinfo', user: 'tester', server: 'https://example.invalid'};
const prometheus = {at: 1000, window: '1m', byVersion: {v1: {rps: 10, successRate: 1, p50Ms: 3, p99Ms: 9}}};
let rendered: RenderedInk | undefined;

afterEach(() => {
	rendered?.unmount();
	rendered = undefined;
});

async function statusLine(live: LiveReading | undefined): Promise<string> {
	const state: AppState = {...initialState({connection, vsName: 'reviews'}), metricsStatus: 'live', metrics: live === undefined ? prometheus : mergeLive(prometheus, live)};
	rendered = renderInk(<Header state={state} now={2000} />, {columns: 120, rows: 4});
	await settle();
	return rendered.lastFrame().split('\n')[1]?.trimEnd() ?? '';
}

test('live from every pod; a sample when fewer pods are read than serve; off with --no-live; the refusal when the pods cannot be read', async () => {
	const figures = {v1: {metrics: prometheus.byVersion.v1, reporting: 1, sampled: 1, total: 1}};
	assert.equal(await statusLine({status: 'live', byVersion: figures, pods: {reporting: 3, sampled: 3, total: 3}}), 'kube ● connecting  prometheus ● live data 1s ago · window 1m  live: 3/3 pods  Prometheus');
	assert.equal(await statusLine({status: 'live', byVersion: figures, pods: {reporting: 3, sampled: 3, total: 6}}), 'kube ● connecting  prometheus ● live data 1s ago · window 1m  live: 3/6 pods (sample)  Prometheus');
	assert.equal(await statusLine({status: 'off', reason: '--no-live', byVersion: {}, pods: {reporting: 0, sampled: 0, total: 0}}), 'kube ● connecting  prometheus ● live data 1s ago · window 1m  live off (--no-live)  Prometheus');
	assert.match(await statusLine({status: 'error', reason: '3/3 pods unreadable: forbidden', byVersion: {}, pods: {reporting: 0, sampled: 3, total: 3}}), /live: 0\/3 pods · 3\/3 pods unreadable: forbidden/);
	// Services without live mode (fakes, older adapters): nothing about it.
	assert.doesNotMatch(await statusLine(undefined), /live:|live off/);
});
