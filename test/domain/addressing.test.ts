/** kubectl's KIND/NAME habit for route objects, and `set`'s version labels. */
import {describe, test} from 'node:test';
import assert from 'node:assert/strict';
import {addressOf, parseRouteAddress, resolveRouteAddress} from '../../source/domain/addressing.js';
import {resolveVersionAliases} from '../../source/domain/version-aliases.js';
import {initialState} from '../../source/state/app-state.js';
import {reducer} from '../../source/state/reducer.js';
import type {VirtualService} from '../../source/domain/virtual-service.js';

describe('route addresses', () => {
	const table: Array<[string, ReturnType<typeof parseRouteAddress>]> = [
		['reviews', {name: 'reviews'}],
		['vs/reviews', {name: 'reviews', kind: 'VirtualService'}],
		['VirtualService/reviews', {name: 'reviews', kind: 'VirtualService'}],
		['virtualservices.networking.istio.io/reviews', {name: 'reviews', kind: 'VirtualService'}],
		['httproute/reviews', {name: 'reviews', kind: 'HTTPRoute'}],
		['httproutes.gateway.networking.k8s.io/reviews', {name: 'reviews', kind: 'HTTPRoute'}],
	];
	for (const [text, expected] of table) {
		test(`${text} is ${JSON.stringify(expected)}`, () => {
			assert.deepEqual(parseRouteAddress(text), expected);
		});
	}

	test('an unknown kind or an empty name is refused with the forms that work', () => {
		assert.throws(() => parseRouteAddress('grpcroute/reviews'), /NAME, vs\/NAME or httproute\/NAME/);
		assert.throws(() => parseRouteAddress('httproute/'), /not a route/);
	});

	test('a bare name with both kinds is ambiguous; a kind chooses; a missing one is none', () => {
		const keys = ['reviews', 'httproute/reviews', 'httproute/ratings'];
		assert.deepEqual(resolveRouteAddress('reviews', keys), {kind: 'several', keys: ['reviews', 'httproute/reviews']});
		assert.deepEqual(resolveRouteAddress('httproute/reviews', keys), {kind: 'one', key: 'httproute/reviews'});
		assert.deepEqual(resolveRouteAddress('vs/reviews', keys), {kind: 'one', key: 'reviews'});
		assert.deepEqual(resolveRouteAddress('ratings', keys), {kind: 'one', key: 'httproute/ratings'});
		assert.deepEqual(resolveRouteAddress('vs/ratings', keys), {kind: 'none'});
	});
});

describe('version labels in set', () => {
	const destinations = [{key: 'reviews-v1', label: 'v1'}, {key: 'reviews-v3', label: 'v3'}, {key: 'odd'}];
	test('v3=90 is reviews-v3=90; keys stay keys; a label no one has is left for parseAssignments to refuse', () => {
		assert.deepEqual(resolveVersionAliases(['v1=10', 'reviews-v3=90'], destinations), ['reviews-v1=10', 'reviews-v3=90']);
		assert.deepEqual(resolveVersionAliases(['v1=10,v3=90'], destinations), ['reviews-v1=10', 'reviews-v3=90']);
		assert.deepEqual(resolveVersionAliases(['v2=100'], destinations), ['v2=100']);
	});

	test('a label two versions share names neither', () => {
		assert.deepEqual(resolveVersionAliases(['v1=100'], [{key: 'a', label: 'v1'}, {key: 'b', label: 'v1'}]), ['v1=100']);
	});
});

describe('the console on a bare name', () => {
	const connection = {contextName: 'c', namespace: 'bookinfo', user: 'u', server: 's'};
	const object = (kind: 'VirtualService' | 'HTTPRoute'): VirtualService => ({
		apiVersion: kind === 'HTTPRoute' ? 'gateway.networking.k8s.io/v1' : 'networking.istio.io/v1',
		kind,
		metadata: {name: 'reviews', namespace: 'bookinfo', resourceVersion: '1'},
		spec: {},
	});

	test('opens the picker on both kinds when both have the name', () => {
		const state = reducer(initialState({connection, vsName: 'reviews'}), {
			type: 'feedUpdated', status: 'live', items: new Map([[addressOf('VirtualService', 'reviews'), object('VirtualService')], [addressOf('HTTPRoute', 'reviews'), object('HTTPRoute')]]),
		});
		assert.equal(state.overlay, 'picker');
		assert.equal(state.pickerQuery, 'reviews');
		assert.equal(state.vsName, undefined);
	});

	test('opens the HTTPRoute when only it has the name, and waits for a live feed before deciding', () => {
		const items = new Map([[addressOf('HTTPRoute', 'reviews'), object('HTTPRoute')]]);
		const connecting = reducer(initialState({connection, vsName: 'reviews'}), {type: 'feedUpdated', status: 'connecting', items});
		assert.equal(connecting.pendingAddress, 'reviews');
		const live = reducer(connecting, {type: 'feedUpdated', status: 'live', items});
		assert.equal(live.vsName, 'httproute/reviews');
		assert.equal(live.overlay, 'none');
	});

	test('vs/reviews opens the VirtualService even when an HTTPRoute has the name too', () => {
		const state = reducer(initialState({connection, vsName: 'vs/reviews'}), {
			type: 'feedUpdated', status: 'live', items: new Map([['reviews', object('VirtualService')], ['httproute/reviews', object('HTTPRoute')]]),
		});
		assert.equal(state.vsName, 'reviews');
		assert.equal(state.overlay, 'none');
	});
});
