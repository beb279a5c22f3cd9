/** Every row of `npm run chaos`, from the per-group files (each helper adds its own import and spread). */
import type {ChaosRow} from '../row.js';
import {prometheusAnswerRows} from './prometheus-answers.js';
import {prometheusLifecycleRows} from './prometheus-lifecycle.js';
import {terminalHangupRows} from './terminal-hangup.js';
import {terminalKillRows} from './terminal-kill.js';
import {terminalSizeRows} from './terminal-size.js';

/** The rows, in table order within each group. */
export const rows: ChaosRow[] = [...prometheusLifecycleRows, ...prometheusAnswerRows, ...terminalSizeRows, ...terminalHangupRows, ...terminalKillRows];
