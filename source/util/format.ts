/** Formats for the numbers on screen: fixed widths so columns do not jump between refreshes. */

/** Requests per second: "19.8", "1.2k", "-" for unknown. */
export function formatRps(value: number | undefined): string {
	if (value === undefined || !Number.isFinite(value)) {
		return '-';
	}

	return value >= 1000 ? `${(value / 1000).toFixed(1)}k` : value.toFixed(1);
}

/** A 0..1 ratio as a percentage with one decimal: "99.5%". */
export function formatRatio(value: number | null | undefined): string {
	return value === null || value === undefined || !Number.isFinite(value) ? '-' : `${(value * 100).toFixed(1)}%`;
}

/** A 0..100 share: "49.7%". */
export function formatShare(value: number | null | undefined): string {
	return value === null || value === undefined ? '-' : `${value.toFixed(1)}%`;
}

/** A duration in milliseconds: "12ms", "1.3s". */
export function formatMs(value: number | null | undefined): string {
	if (value === null || value === undefined || !Number.isFinite(value)) {
		return '-';
	}

	return value >= 1000 ? `${(value / 1000).toFixed(1)}s` : `${Math.round(value)}ms`;
}

/** How long ago, for the data age in the header: "now", "3s ago", "2m ago". */
export function formatAge(milliseconds: number): string {
	const seconds = Math.max(0, Math.round(milliseconds / 1000));
	if (seconds < 1) {
		return 'now';
	}

	return seconds < 120 ? `${seconds}s ago` : `${Math.round(seconds / 60)}m ago`;
}

const blocks = '▁▂▃▄▅▆▇█';

/** A one-line sparkline of the last `width` values, scaled to `max` (shared across rows so heights compare). */
export function sparkline(values: ReadonlyArray<number | null>, width: number, max: number): string {
	const tail = values.slice(-width);
	return tail.map(value => {
		if (value === null || !Number.isFinite(value)) {
			return ' ';
		}

		if (max <= 0 || value <= 0) {
			return blocks[0];
		}

		return blocks[Math.min(blocks.length - 1, Math.round((value / max) * (blocks.length - 1)))];
	}).join('');
}

/** Pads or cuts text to exactly `width` cells (ASCII-only content). */
export function fit(text: string, width: number, align: 'left' | 'right' = 'left'): string {
	if (width <= 0) {
		return '';
	}

	if (text.length > width) {
		return width === 1 ? '…' : `${text.slice(0, width - 1)}…`;
	}

	return align === 'left' ? text.padEnd(width) : text.padStart(width);
}
