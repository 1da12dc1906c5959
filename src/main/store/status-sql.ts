// The status groups of src/shared/task-status.ts as SQL lists, for statements'
// `status IN (…)`: the store spells no group of its own.
import { FINISHED_STATUSES, HELD_STATUSES, OPEN_STATUSES } from '../../shared/task-status.js';
import type { TaskStatus } from '../../shared/api.js';

export const sqlList = (statuses: readonly TaskStatus[]): string => statuses.map((s) => `'${s}'`).join(',');
export const OPEN_SQL = sqlList(OPEN_STATUSES);
export const HELD_SQL = sqlList(HELD_STATUSES);
export const FINISHED_SQL = sqlList(FINISHED_STATUSES);
