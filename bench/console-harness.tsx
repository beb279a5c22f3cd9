import {render, type Instance} from 'ink';
import {consoleRenderOptions} from '../source/commands/console.js';
import type {DestinationRuleInfo, VirtualService} from '../source/domain/virtual-service.js';
import {App} from '../source/ui/App.js';
import {ThemeContext, colorTheme} from '../source/ui/theme.js';
import {createStore, type Store} from '../source/state/store.js';
import {initialState} from '../source/state/app-state.js';
import {ConsoleController} from '../source/state/controller.js';
import {FakeConsoleServices} from '../test/helpers/fake-console-services.js';
import {waitFor} from '../test/helpers/wait-for.js';
import {FakeTerminalInput, FakeTerminalOutput} from './fake-terminal.js';

/**
 * Ink options of `meshtop <vs>` (source/commands/console.tsx), except patchConsole: patching the bench's own console
 * changes nothing in the frames and would swallow the bench's error output.
 */
export const cliRenderOptions = {...consoleRenderOptions, patchConsole: false} as const;

/** What the console runs on. */
export interface ConsoleBenchOptions {
	virtualServices: readonly VirtualService[];
	destinationRules: readonly DestinationRuleInfo[];
	/** The VirtualService to open; undefined opens the picker, as `meshtop` without a name does. */
	vsName?: string;
	/** Metrics refresh period of the controller; a very long one keeps refresh frames out of a measurement. */
	refreshMs: number;
	/** Ink's incrementalRendering (default true, as the CLI); false gives the full-redraw reference. */
	incrementalRendering?: boolean;
	columns?: number;
	rows?: number;
}

/** A console rendered in-process into a fake 80×24 TTY. */
export interface ConsoleBench {
	output: FakeTerminalOutput;
	input: FakeTerminalInput;
	store: Store;
	services: FakeConsoleServices;
	/** Unmounts (which stops the controller) and waits for Ink to let go of the terminal. */
	close(): Promise<void>;
}

const connection = {contextName: 'bench', namespace: 'bookinfo', user: 'bench', server: 'https://127.0.0.1:6443'};

/**
 * Renders <App> with fake services the way the CLI renders it, and waits until the first full screen is drawn
 * (the version table, or the picker's list).
 */
export async function startConsoleBench(options: ConsoleBenchOptions): Promise<ConsoleBench> {
	const output = new FakeTerminalOutput(options.columns ?? 80, options.rows ?? 24);
	const errors = new FakeTerminalOutput(options.columns ?? 80, options.rows ?? 24);
	const input = new FakeTerminalInput();
	const services = new FakeConsoleServices(options.virtualServices, options.destinationRules);
	const store = createStore(initialState({connection, vsName: options.vsName}));
	const controller = new ConsoleController(store, services, {refreshMs: options.refreshMs});
	const instance: Instance = render(
		<ThemeContext.Provider value={colorTheme}>
			<App store={store} controller={controller} />
		</ThemeContext.Provider>,
		{
			...cliRenderOptions,
			incrementalRendering: options.incrementalRendering ?? cliRenderOptions.incrementalRendering,
			stdout: output as unknown as NodeJS.WriteStream,
			stderr: errors as unknown as NodeJS.WriteStream,
			stdin: input as unknown as NodeJS.ReadStream,
		},
	);
	const close = async () => {
		instance.unmount();
		await instance.waitUntilExit().catch(() => undefined);
		instance.cleanup();
	};

	try {
		const ready = options.vsName === undefined ? 'Routes in' : 'VERSION';
		await waitFor(() => output.text().includes(ready), {timeout: 5000, message: `the first frame showing "${ready}"`});
	} catch (error) {
		await close();
		throw error;
	}

	return {output, input, store, services, close};
}
