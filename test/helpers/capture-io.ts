/** A CommandIo whose stdout and stderr are collected, for tests of the headless commands. */
import {PassThrough, Readable} from 'node:stream';
import type {CommandIo} from '../../source/commands/dispatch.js';

/** What a command wrote, and the CommandIo to give it. */
export interface Captured {
	io: CommandIo;
	out(): string;
	err(): string;
}

/** A fresh capture with an empty stdin. */
export function capture(): Captured {
	const stdout = new PassThrough();
	const stderr = new PassThrough();
	let out = '';
	let err = '';
	stdout.on('data', (chunk: Buffer) => {
		out += chunk.toString('utf8');
	});
	stderr.on('data', (chunk: Buffer) => {
		err += chunk.toString('utf8');
	});
	return {io: {stdout, stderr, stdin: Readable.from([])}, out: () => out, err: () => err};
}
