import process from 'node:process';
import {runShift} from './shift.js';
import type {CommandIo} from './dispatch.js';
import {connectionFlags, type Flags} from './flags.js';

/** `meshtop shift <vs> --to V …`: maps flags to runShift and SIGINT to its abort signal (stop after the write in flight). */
export async function runShiftCli(vsName: string, flags: Flags, io: CommandIo): Promise<number> {
	if (flags.to === undefined) {
		io.stderr.write('meshtop: shift needs --to VERSION (the version to migrate to)\n');
		return 2;
	}

	if (flags.readOnly) {
		io.stderr.write('meshtop: --read-only: shift writes nothing.\n');
		return 2;
	}

	const controller = new AbortController();
	const stop = () => {
		controller.abort();
	};

	process.on('SIGINT', stop);
	process.on('SIGTERM', stop);
	try {
		return await runShift({
			vs: vsName,
			to: flags.to,
			step: flags.step,
			steps: flags.steps,
			every: flags.every,
			gates: flags.gate ?? [],
			onFail: flags.onFail,
			...(flags.maxWait === undefined ? {} : {maxWait: flags.maxWait}),
			onInconclusive: flags.onInconclusive,
			...(flags.minRequests === undefined ? {} : {minRequests: flags.minRequests}),
			...(flags.failureLimit === undefined ? {} : {failureLimit: flags.failureLimit}),
			...(flags.confidence === undefined ? {} : {confidence: flags.confidence}),
			...(flags.settle === undefined ? {} : {settle: flags.settle}),
			json: flags.json,
			route: flags.route,
			...connectionFlags(flags),
			signal: controller.signal,
		}, io);
	} finally {
		process.off('SIGINT', stop);
		process.off('SIGTERM', stop);
	}
}
