/**
 * Keys are not held behind Ink's render throttle. Ink draws at most one frame per throttle window (1000 / maxFps ms)
 * and defers any commit inside the window to its end; when a key lands just after a refresh or watch frame, the frame
 * that shows it waited for the window as well as for the frame before it, which is what made the slowest keys of a
 * busy console two frames late. The App marks each key; in the bundle (scripts/bundle-key-frames.mjs) Ink's throttled
 * render asks `takeKeyFrame` first and draws a key's commit at once, leaving the throttle to coalesce the feeds'
 * updates, which is what it is for.
 */

let keyWaiting = false;

/** A key arrived: the next commit is the frame that shows it. */
export function keyFrameWanted(): void {
	keyWaiting = true;
}

/** Whether the commit being rendered answers a key; asking clears it, so one key makes one unthrottled frame. */
export function takeKeyFrame(): boolean {
	const wanted = keyWaiting;
	keyWaiting = false;
	return wanted;
}
