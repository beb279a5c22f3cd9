/** Every row of `npm run chaos`, in the order of the table: each group's file exports its array. */
import type {ChaosRow} from '../row.js';
import {writesRaceRows} from './writes-race.js';
import {writesRoundTripRows} from './writes-round-trip.js';
import {writesSignalRows} from './writes-signals.js';

/** The rows the runner runs. */
export const rows: ChaosRow[] = [...writesRaceRows, ...writesSignalRows, ...writesRoundTripRows];
