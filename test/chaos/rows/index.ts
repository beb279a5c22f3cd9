/** Every row of `npm run chaos`, from the per-topic files (each group's helper adds its own import lines). */
import type {ChaosRow} from '../row.js';
import {apiPermissionRows} from './api-permissions.js';
import {apiRouteRows} from './api-route.js';
import {apiThrottleRows} from './api-throttle.js';
import {apiWatchRows} from './api-watch.js';

/** The chaos table, in file order; the runner groups it. */
export const rows: ChaosRow[] = [...apiWatchRows, ...apiPermissionRows, ...apiRouteRows, ...apiThrottleRows];
