import {createContext, useContext} from 'react';

/** Colors for versions, in row order; asciichart and Ink names of the same colors. */
const palette = [
	{ink: 'cyan', ansi: '\u001B[36m'},
	{ink: 'magenta', ansi: '\u001B[35m'},
	{ink: 'yellow', ansi: '\u001B[33m'},
	{ink: 'green', ansi: '\u001B[32m'},
	{ink: 'blue', ansi: '\u001B[34m'},
	{ink: 'red', ansi: '\u001B[31m'},
] as const;

/** Whether to use color at all (NO_COLOR, https://no-color.org). */
export const ColorContext = createContext(true);

/** Color of the version in row `index`, or undefined without color. */
export function useVersionColor(): (index: number) => string | undefined {
	const color = useContext(ColorContext);
	return index => (color ? palette[index % palette.length]!.ink : undefined);
}

/** ANSI escape for asciichart's series colors. */
export function ansiColor(index: number): string {
	return palette[index % palette.length]!.ansi;
}

/** Whether color is on, for components that style text. */
export function useColor(): boolean {
	return useContext(ColorContext);
}
