import process from 'node:process';
import {keyTiming} from './key-timing.js';
import {render} from 'ink';
import type {KubeTarget} from '../kube/config.js';
import {lazyConsoleServices} from '../app/lazy-services.js';
import {createStore} from '../state/store.js';
import {initialState} from '../state/app-state.js';
import {ConsoleController} from '../state/controller.js';
import {App} from '../ui/App.js';
import {ThemeContext, themeFor, wantsColor} from '../ui/theme.js';
import {consoleSettings} from './console-settings.js';
import type {Flags} from './flags.js';
import type {CommandIo} from './dispatch.js';
import {errorMessage} from '../util/error-message.js';

/** Message for a console started without a terminal (pipes, cron, CI). */
export const noTtyMessage = 'meshtop: the console needs an interactive terminal (stdin and stdout must be a TTY).\n'
	+ 'For scripts use:  meshtop status <virtualservice> --json   or   meshtop set <virtualservice> v1=50 v3=50\n';

/** How the console draws: alternate screen, only changed lines, keys handled by the keymap (Ctrl-C included). */
export const consoleRenderOptions = {
	alternateScreen: true,
	incrementalRendering: true,
	interactive: true,
	exitOnCtrlC: false,
	patchConsole: true,
	// Far above Ink's default 30: a key pressed just after a refresh frame must not wait for the throttle
	// (meshtop draws a few frames a second, so the cap only ever delays keys).
	maxFps: 120,
} as const;

/** Options a caller (demo, tests) can add to the flags. */
export interface ConsoleOptions {
	/** Use this target instead of loading the kubeconfig. */
	target?: KubeTarget;
	/** The trail's history file (default: $MESHTOP_HISTORY, else the XDG state directory). */
	historyFile?: string;
	/** Called just before Ink's first render (the dispatcher's splash hands the screen over). */
	beforeRender?: () => void;
}

/**
 * Opens the console on a VirtualService (or the picker) and returns its exit code when the user quits.
 * The first frame is drawn before the Kubernetes client is loaded. The terminal is always restored: on quit,
 * SIGINT/SIGTERM/SIGHUP and on a crash; a connection error is printed again after the screen is restored.
 */
export async function runConsole(vsName: string | undefined, flags: Flags, io: CommandIo, options: ConsoleOptions = {}): Promise<number> {
	const stdin = io.stdin as NodeJS.ReadStream;
	const stdout = io.stdout as NodeJS.WriteStream;
	if (!stdin.isTTY || !stdout.isTTY) {
		io.stderr.write(noTtyMessage);
		return 2;
	}

	const checked = consoleSettings(flags);
	if ('error' in checked) {
		io.stderr.write(`meshtop: ${checked.error}\n`);
		return 2;
	}

	const {step, refreshMs, historyMs} = checked.settings;
	const store = createStore(initialState({
		connection: {contextName: flags.context ?? '…', namespace: flags.namespace ?? '…', user: '', server: ''},
		vsName,
		readOnly: flags.readOnly,
		step,
		route: flags.route,
	}));
	let loadError: string | undefined;
	const services = lazyConsoleServices(async () => {
		try {
			const [{loadKubeTarget}, {createConsoleServices}] = await Promise.all([
				import('../kube/config.js'),
				import('../app/console-services.js'),
			]);
			const target = options.target ?? loadKubeTarget({kubeconfig: flags.kubeconfig, context: flags.context, namespace: flags.namespace});
			store.dispatch({type: 'connected', connection: {contextName: target.contextName, namespace: target.namespace, user: target.user, server: target.server}});
			return createConsoleServices(target, {
				prometheus: {url: flags.prometheusUrl, namespace: flags.prometheusNamespace, service: flags.prometheusService, tokenFile: flags.prometheusTokenFile},
				...(options.historyFile === undefined ? {} : {historyFile: options.historyFile}),
				live: flags.live === false ? false : {...(flags.livePods === undefined ? {} : {podsPerVersion: flags.livePods})},
				// --read-only sends nothing: an interrupted write's Event and line wait for a meshtop that may write.
				resolveInterrupted: !flags.readOnly,
			});
		} catch (error) {
			loadError = errorMessage(error);
			throw error;
		}
	});
	const controller = new ConsoleController(store, services, {refreshMs, historyMs});
	// Vital signs for a soak (MESHTOP_STATS_FILE); loaded only when asked, so the first frame does not pay for it.
	const statsFile = process.env['MESHTOP_STATS_FILE'];
	const stats = statsFile === undefined || statsFile === ''
		? undefined
		: (await import('../app/process-stats.js')).startProcessStats(statsFile, Number(process.env['MESHTOP_STATS_INTERVAL_MS'] ?? 60_000) || 60_000);
	const theme = themeFor(wantsColor(process.env, flags.color));
	options.beforeRender?.();
	const timing = keyTiming(process.env['MESHTOP_KEY_TIMING']);
	const instance = render(
		<ThemeContext.Provider value={theme}>
			<App store={store} controller={controller} {...(timing === undefined ? {} : {onKey: timing.keyArrived})} />
		</ThemeContext.Provider>,
		{stdout, stdin, stderr: io.stderr, ...consoleRenderOptions, ...(timing === undefined ? {} : {onRender: timing.frameRendered})},
	);

	let crash: unknown;
	const quit = () => {
		instance.unmount();
	};

	const onCrash = (error: unknown) => {
		crash = error;
		instance.unmount();
	};

	const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
	for (const signal of signals) {
		process.on(signal, quit);
	}

	process.on('uncaughtException', onCrash);
	process.on('unhandledRejection', onCrash);
	try {
		await instance.waitUntilExit();
	} finally {
		for (const signal of signals) {
			process.off(signal, quit);
		}

		process.off('uncaughtException', onCrash);
		process.off('unhandledRejection', onCrash);
		stats?.stop();
		await controller.stop();
		await services.close();
	}

	if (crash !== undefined) {
		io.stderr.write(`meshtop crashed: ${crash instanceof Error ? crash.stack ?? crash.message : errorMessage(crash)}\n`);
		return 1;
	}

	if (loadError !== undefined) {
		io.stderr.write(`meshtop: ${loadError}\n`);
		return 1;
	}

	return 0;
}
