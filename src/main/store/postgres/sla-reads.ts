// What the SLA watch of a console on a shared queue reads from PostgreSQL
// (src/main/alerts/shared-sla-watcher.ts): the open tasks in pages, tasks by id, the
// task_events it has not seen (every console's and CLI's changes), and per level
// crossing the tasks that crossed it in a time range and the next one to cross it —
// the SQLite watcher's reads (store/sla-reads.ts) in PostgreSQL's dialect.
import type pg from 'pg';
import { OPEN_SQL } from '../status-sql.js';
import type { SlaTargetTypes, SlaTaskRow } from '../sla-reads.js';

const COLUMNS = 'id, type, status, created_at, started_at, priority, assigned_to';

export class PostgresSlaReads {
  constructor(private readonly pool: pg.Pool) {}

  /** Up to `limit` open tasks with an id above `afterId`, in id order. */
  async openAfterId(afterId: number, limit: number): Promise<SlaTaskRow[]> {
    return (await this.pool.query<SlaTaskRow>(`SELECT ${COLUMNS} FROM tasks WHERE id > $1 AND status IN (${OPEN_SQL}) ORDER BY id LIMIT $2`, [afterId, limit])).rows;
  }

  /** The tasks with these ids, whatever their status. */
  async byIds(ids: readonly number[]): Promise<SlaTaskRow[]> {
    if (ids.length === 0) return [];
    return (await this.pool.query<SlaTaskRow>(`SELECT ${COLUMNS} FROM tasks WHERE id = ANY($1::bigint[])`, [ids])).rows;
  }

  /** Up to `limit` task_events after id `afterId`: which tasks changed. */
  async eventsAfterId(afterId: number, limit: number): Promise<Array<{ id: number; taskId: number }>> {
    return (await this.pool.query<{ id: number; taskId: number }>('SELECT id, task_id AS "taskId" FROM task_events WHERE id > $1 ORDER BY id LIMIT $2', [afterId, limit])).rows;
  }

  /** The newest task_events id (0 when none). */
  async lastEventId(): Promise<number> {
    return (await this.pool.query<{ n: number }>('SELECT coalesce(max(id), 0)::bigint AS n FROM task_events')).rows[0]?.n ?? 0;
  }

  /** Whether the SLA reassign step with this once-key already ran for the task (its decision row). */
  async reassigned(taskId: number, onceKey: string): Promise<boolean> {
    return (await this.pool.query("SELECT 1 FROM decisions WHERE task_id = $1 AND kind = 'sla' AND decision = $2 LIMIT 1", [taskId, onceKey])).rows.length > 0;
  }

  /** Ids of the open tasks of `types` created in (from, to]. */
  async createdBetween(types: SlaTargetTypes, from: string, to: string): Promise<number[]> {
    const { where, args } = typeFilter(types, 3);
    return (await this.pool.query<{ id: number }>(`SELECT id FROM tasks WHERE created_at > $1 AND created_at <= $2 AND status IN (${OPEN_SQL}) AND ${where}`, [from, to, ...args])).rows.map((r) => r.id);
  }

  /** created_at of the first open task of `types` created after `from`, if any. */
  async nextCreatedAfter(types: SlaTargetTypes, from: string): Promise<string | undefined> {
    const { where, args } = typeFilter(types, 2);
    return (await this.pool.query<{ at: string }>(`SELECT created_at AS at FROM tasks WHERE created_at > $1 AND status IN (${OPEN_SQL}) AND ${where} ORDER BY created_at LIMIT 1`, [from, ...args])).rows[0]?.at;
  }
}

function typeFilter(types: SlaTargetTypes, first: number): { where: string; args: unknown[] } {
  if ('type' in types) return { where: `type = $${first}`, args: [types.type] };
  return types.otherThan.length ? { where: `type <> ALL($${first}::text[])`, args: [[...types.otherThan]] } : { where: 'true', args: [] };
}
