/**
 * Imported first by bench/run.ts, for its side effect: the console's V8 heap policy, as the launcher (dist/cli.js)
 * sets it before the product allocates. The in-process frame stages then collect garbage as the console does: with
 * V8's defaults the bench's young generation grew to tens of megabytes, and each scavenge of it paused a frame for
 * 2–15 ms that the product's small one does not.
 */
import v8 from 'node:v8';
import {consoleHeapFlags} from '../source/app/heap-policy.js';

for (const flag of consoleHeapFlags) {
	v8.setFlagsFromString(flag);
}
