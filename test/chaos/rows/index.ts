/** Every row of `npm run chaos`, in the order of the table: each group's file exports its array. */
import type {ChaosRow} from '../row.js';
import {apiPermissionRows} from './api-permissions.js';
import {apiRouteRows} from './api-route.js';
import {apiShiftRows} from './api-shift.js';
import {apiThrottleRows} from './api-throttle.js';
import {apiWatchRows} from './api-watch.js';
import {prometheusAnswerRows} from './prometheus-answers.js';
import {prometheusLifecycleRows} from './prometheus-lifecycle.js';
import {terminalHangupRows} from './terminal-hangup.js';
import {terminalKillRows} from './terminal-kill.js';
import {terminalSizeRows} from './terminal-size.js';
import {writesRaceRows} from './writes-race.js';
import {writesRoundTripRows} from './writes-round-trip.js';
import {writesSignalRows} from './writes-signals.js';

/** The rows the runner runs, in table order within each group. */
export const rows: ChaosRow[] = [
	...apiWatchRows, ...apiPermissionRows, ...apiRouteRows, ...apiThrottleRows, ...apiShiftRows,
	...writesRaceRows, ...writesSignalRows, ...writesRoundTripRows,
	...prometheusLifecycleRows, ...prometheusAnswerRows,
	...terminalSizeRows, ...terminalHangupRows, ...terminalKillRows,
];
