/**
 * A slow API server is visible: when a list or watch of the feed has waited more than a second, the header says
 * how long it has been waiting, and says nothing once the answer came.
 */
import assert from 'node:assert/strict';
import {afterEach, test} from 'node:test';
import {Header} from '../../source/ui/Header.js';
import {initialState} from '../../source/state/app-state.js';
import {reducer} from '../../source/state/reducer.js';
import {bookinfoObjects} from '../helpers/fake-console-services.js';
import {renderInk, type RenderedInk} from '../helpers/render-ink.js';

const connection = {contextName: 'ctx', namespace: 'bookinfo', user: 'tester', server: 'https://example.invalid'};
const {virtualServices, destinationRules} = bookinfoObjects();
const items = new Map(virtualServices.map(vs => [vs.metadata.name, vs]));
let rendered: RenderedInk | undefined;

afterEach(() => {
	rendered?.unmount();
	rendered = undefined;
});

function headerAt(pendingSince: number | undefined, now: number): string {
	const state = reducer(initialState({connection, vsName: 'reviews'}), {type: 'feedUpdated', items, destinationRules, status: 'live', ...(pendingSince === undefined ? {} : {pendingSince})});
	rendered?.unmount();
	rendered = renderInk(<Header state={state} now={now} />, {columns: 120, rows: 5});
	return rendered.lastFrame();
}

test('a feed request waiting 2.5 s: the kube status says it waits for the API server', () => {
	assert.match(headerAt(10_000, 12_500), /kube ● live · waiting 2\.5 s for the API server/);
});

test('waiting less than a second, or not at all: nothing said', () => {
	assert.doesNotMatch(headerAt(10_000, 10_400), /waiting/);
	assert.doesNotMatch(headerAt(undefined, 12_500), /waiting/);
});
