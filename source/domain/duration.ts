/** Parses "1s", "500ms", "2m", "1h" into milliseconds; throws a clear error otherwise (flags and the plan form). */
export function parseDuration(text: string): number {
	const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text.trim());
	if (match === null) {
		throw new Error(`invalid duration "${text}": use a number with ms, s, m or h, e.g. 30s`);
	}

	const unit = {ms: 1, s: 1000, m: 60_000, h: 3_600_000}[match[2] as 'ms' | 's' | 'm' | 'h'];
	return Number(match[1]) * unit;
}
